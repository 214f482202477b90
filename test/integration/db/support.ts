import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { silentLogger } from "../../../src/log.js";
import type { NewSession } from "../../../src/store/db/accounts.js";
import { type Database, openDatabase } from "../../../src/store/db/database.js";
import { newRefreshToken } from "../../../src/tokens/refresh-token.js";
import { createRunDatabase, dropRunDatabase } from "../../support/services.js";

/** Opens the run's shared database (migrated by whichever test opens it first). */
export function openRunDatabase(): Promise<Database> {
  return openDatabase({ url: inject("databaseUrl"), dataDir: "unused", logger: silentLogger() });
}

/** A database of this test's own, empty until opened; `drop` removes it. */
export async function createFreshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = inject("postgresServerUrl");
  const url = await createRunDatabase(server);
  return { url, drop: () => dropRunDatabase(server, url) };
}

/** Opens a database by URL with a silent logger. */
export function open(url: string, poolSize?: number): Promise<Database> {
  return openDatabase({ url, dataDir: "unused", logger: silentLogger(), poolSize });
}

/** An e-mail address no other test uses. */
export function uniqueEmail(): string {
  return `user.${randomBytes(6).toString("hex")}@example.com`;
}

/** A phone number (E.164 form) no other test uses. */
export function uniquePhone(): string {
  return `+61491${String(randomBytes(4).readUInt32BE() % 1_000_000).padStart(6, "0")}`;
}

/** A session to open, with the refresh token the client would receive. */
export function sessionWithToken(amr: string[] = ["pwd"]): {
  session: NewSession;
  token: string;
  hash: string;
} {
  const refresh = newRefreshToken();
  return {
    session: {
      amr,
      refreshTokenHash: refresh.hash,
      refreshExpiresAt: new Date(Date.now() + 3600_000),
    },
    token: refresh.token,
    hash: refresh.hash,
  };
}
