import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { User } from "./user.js";

/** The name of the constraint that makes one identifier belong to one account. */
export const IDENTIFIER_UNIQUE = "identifiers_kind_value_unique";

/**
 * An e-mail address or phone number of an account, stored in its
 * normalised form (lower-cased e-mail with an ASCII domain, E.164 phone).
 */
export const Identifier = defineEntity({
  name: "Identifier",
  tableName: "identifiers",
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule("cascade").index("identifiers_user_id_index"),
    kind: p.enum(["email", "phone"]),
    value: p.text(),
    verifiedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ["kind", "value"], name: IDENTIFIER_UNIQUE }],
});

/** A row of `identifiers`. */
export type IdentifierRow = InferEntity<typeof Identifier>;
