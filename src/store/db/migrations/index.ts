import type { MigrationObject } from "@mikro-orm/core";
import { InitialSchema } from "./0001-initial-schema.js";

/**
 * Every migration, oldest first. The list is explicit (no file globbing)
 * so it works the same under tsx, in a bundle and in tests. Append new
 * migrations; never rename or edit one that has shipped.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: "0001-initial-schema", class: InitialSchema },
];
