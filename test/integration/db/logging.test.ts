import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/log.js";
import { createAccountRepository } from "../../../src/store/db/accounts.js";
import { openDatabase } from "../../../src/store/db/database.js";
import { createFreshDatabase, sessionWithToken, uniqueEmail } from "./support.js";

describe("database logging", () => {
  it("writes no statement, value, hash or token even at trace level", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const fresh = await createFreshDatabase();
    const db = await openDatabase({
      url: fresh.url,
      dataDir: "unused",
      logger: createLogger("trace", sink),
    });
    const email = uniqueEmail();
    const { session, token } = sessionWithToken();

    try {
      const accounts = createAccountRepository(db);
      const input = { identifiers: [{ kind: "email" as const, value: email }], session };
      await accounts.registerWithSession({ ...input, passwordHash: "the-password-hash" });
      await accounts
        .registerWithSession({ ...input, passwordHash: "the-password-hash" })
        .catch(() => {});
      await accounts.findByIdentifier("email", email);
    } finally {
      await db.close();
      await fresh.drop();
    }

    const written = lines.join("");
    expect(written).toContain("database migrations applied");
    for (const secret of [email, "the-password-hash", token, session.refreshTokenHash]) {
      expect(written).not.toContain(secret);
    }
    expect(written.toLowerCase()).not.toMatch(/insert into|select .* from/);
  });
});
