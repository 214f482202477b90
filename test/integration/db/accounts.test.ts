import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IamError } from "../../../src/errors.js";
import type { AccountRepository } from "../../../src/store/db/accounts.js";
import { createAccountRepository } from "../../../src/store/db/accounts.js";
import type { Database } from "../../../src/store/db/database.js";
import { openRunDatabase, sessionWithToken, uniqueEmail, uniquePhone } from "./support.js";

describe("account repository", () => {
  let db: Database;
  let accounts: AccountRepository;

  beforeAll(async () => {
    db = await openRunDatabase();
    accounts = createAccountRepository(db);
  });

  afterAll(async () => {
    await db.close();
  });

  const query = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    db.orm.em.fork().execute(sql, params);

  it("stores verified identifiers and only the refresh token's hash", async () => {
    const email = uniqueEmail();
    const phone = uniquePhone();
    const { session, token, hash } = sessionWithToken(["pwd", "otp"]);

    const created = await accounts.registerWithSession({
      identifiers: [
        { kind: "email", value: email },
        { kind: "phone", value: phone },
      ],
      passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
      session,
    });

    const identifiers = await query<{ kind: string; value: string; verified_at: string | null }>(
      "select kind, value, verified_at from identifiers where user_id = ? order by kind",
      [created.userId],
    );
    expect(identifiers.map((row) => [row.kind, row.value])).toEqual([
      ["email", email],
      ["phone", phone],
    ]);
    expect(identifiers.every((row) => row.verified_at !== null)).toBe(true);

    const tokens = await query<{ token_hash: string; used_at: string | null }>(
      "select t.token_hash, t.used_at from refresh_tokens t where t.session_id = ?",
      [created.sessionId],
    );
    expect(tokens).toEqual([{ token_hash: hash, used_at: null }]);
    expect(JSON.stringify(tokens)).not.toContain(token);

    const sessions = await query<{ user_id: string; amr: string[] }>(
      "select user_id, amr from sessions where id = ?",
      [created.sessionId],
    );
    expect(sessions).toEqual([{ user_id: created.userId, amr: ["pwd", "otp"] }]);
  });

  it("audits a registration without personal data, secrets or tokens", async () => {
    const email = uniqueEmail();
    const { session, token } = sessionWithToken();
    const created = await accounts.registerWithSession({
      identifiers: [{ kind: "email", value: email }],
      passwordHash: "secret-hash-marker",
      session,
    });

    const events = await query<{ type: string; session_id: string; data: unknown }>(
      "select type, session_id, data from audit_events where user_id = ?",
      [created.userId],
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "account.registered", session_id: created.sessionId });
    const written = JSON.stringify(events);
    for (const secret of [email, "secret-hash-marker", token, session.refreshTokenHash]) {
      expect(written).not.toContain(secret);
    }
  });

  it("gives exactly one of 20 parallel registrations of one e-mail the account", async () => {
    const email = uniqueEmail();
    const marker = `hash-${randomBytes(8).toString("hex")}`;

    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        accounts.registerWithSession({
          identifiers: [{ kind: "email", value: email }],
          passwordHash: marker,
          session: sessionWithToken().session,
        }),
      ),
    );

    const won = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const lost = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const outcome of lost) {
      expect(outcome.reason).toBeInstanceOf(IamError);
      expect(outcome.reason).toMatchObject({ code: "CONFLICT" });
    }
    const users = await query<{ count: string }>(
      "select count(*) from users where password_hash = ?",
      [marker],
    );
    expect(Number(users[0]?.count)).toBe(1);
  });

  it("stores nothing when one of the identifiers is taken", async () => {
    const taken = uniqueEmail();
    await accounts.registerWithSession({
      identifiers: [{ kind: "email", value: taken }],
      passwordHash: "first",
      session: sessionWithToken().session,
    });
    const marker = `hash-${randomBytes(8).toString("hex")}`;
    const { session } = sessionWithToken();

    const failure = await accounts
      .registerWithSession({
        identifiers: [
          { kind: "phone", value: uniquePhone() },
          { kind: "email", value: taken },
        ],
        passwordHash: marker,
        session,
      })
      .catch((error) => error);

    expect(failure).toMatchObject({ code: "CONFLICT" });
    expect(String(failure.cause ?? "")).not.toContain(taken);
    const users = await query("select id from users where password_hash = ?", [marker]);
    const tokens = await query("select id from refresh_tokens where token_hash = ?", [
      session.refreshTokenHash,
    ]);
    expect(users).toEqual([]);
    expect(tokens).toEqual([]);
  });

  it("reports other database failures as SERVER_ERROR without the values involved", async () => {
    const { session } = sessionWithToken();
    const email = uniqueEmail();
    await accounts.registerWithSession({
      identifiers: [{ kind: "email", value: uniqueEmail() }],
      passwordHash: "hash",
      session,
    });

    const failure = await accounts
      .registerWithSession({
        identifiers: [{ kind: "email", value: email }],
        passwordHash: "another-secret-hash",
        session,
      })
      .catch((error) => error);

    expect(failure).toBeInstanceOf(IamError);
    expect(failure).toMatchObject({ code: "SERVER_ERROR", unavailable: false });
    const told = `${failure.message} ${failure.cause?.message} ${failure.cause?.stack}`;
    expect(told).toContain("refresh_tokens_token_hash_unique");
    for (const value of [email, "another-secret-hash", session.refreshTokenHash]) {
      expect(told).not.toContain(value);
    }
  });

  it("tells whether an identifier is taken, per kind", async () => {
    const email = uniqueEmail();
    expect(await accounts.isIdentifierTaken("email", email)).toBe(false);

    await accounts.registerWithSession({
      identifiers: [{ kind: "email", value: email }],
      passwordHash: "hash",
      session: sessionWithToken().session,
    });

    expect(await accounts.isIdentifierTaken("email", email)).toBe(true);
    expect(await accounts.isIdentifierTaken("phone", email)).toBe(false);
  });

  it("finds an account by any of its identifiers, with all of them", async () => {
    const email = uniqueEmail();
    const phone = uniquePhone();
    const created = await accounts.registerWithSession({
      identifiers: [
        { kind: "email", value: email },
        { kind: "phone", value: phone },
      ],
      passwordHash: "the-hash",
      session: sessionWithToken().session,
    });

    const byPhone = await accounts.findByIdentifier("phone", phone);

    expect(byPhone).toEqual({
      userId: created.userId,
      status: "active",
      passwordHash: "the-hash",
      identifiers: expect.arrayContaining([
        { kind: "email", value: email, verified: true },
        { kind: "phone", value: phone, verified: true },
      ]),
    });
    expect(byPhone?.identifiers).toHaveLength(2);
    expect(await accounts.findByIdentifier("email", uniqueEmail())).toBeNull();
  });
});
