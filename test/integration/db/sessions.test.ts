import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccountRepository } from "../../../src/store/db/accounts.js";
import { createAccountRepository } from "../../../src/store/db/accounts.js";
import type { Database } from "../../../src/store/db/database.js";
import { newRefreshToken } from "../../../src/tokens/refresh-token.js";
import { openRunDatabase, sessionWithToken, uniqueEmail } from "./support.js";

describe("sessions and refresh-token rotation", () => {
  let db: Database;
  let accounts: AccountRepository;

  beforeAll(async () => {
    db = await openRunDatabase();
    accounts = createAccountRepository(db);
  });

  afterAll(async () => {
    await db.close();
  });

  const execute = <T = unknown>(sql: string, params: unknown[]): Promise<T[]> =>
    db.orm.em.fork().execute(sql, params);
  const inAnHour = () => ({ ...newRefreshToken(), expiresAt: new Date(Date.now() + 3600_000) });

  async function register(amr = ["pwd"]) {
    const first = sessionWithToken(amr);
    const created = await accounts.registerWithSession({
      identifiers: [{ kind: "email", value: uniqueEmail() }],
      passwordHash: "hash",
      session: first.session,
    });
    return { ...created, hash: first.hash };
  }

  it("rotates a refresh token once and names the session it belongs to", async () => {
    const account = await register(["pwd", "otp"]);
    const next = inAnHour();

    const result = await accounts.rotateRefreshToken(account.hash, next);

    expect(result).toEqual({
      kind: "rotated",
      userId: account.userId,
      sessionId: account.sessionId,
      amr: ["pwd", "otp"],
    });
    expect(await accounts.rotateRefreshToken(next.hash, inAnHour())).toMatchObject({
      kind: "rotated",
    });
  });

  it("revokes the whole session when a rotated token comes back", async () => {
    const account = await register();
    const next = inAnHour();
    await accounts.rotateRefreshToken(account.hash, next);

    const reuse = await accounts.rotateRefreshToken(account.hash, inAnHour());

    const { userId, sessionId } = account;
    expect(reuse).toEqual({ kind: "reused", userId, sessionId });
    expect(await accounts.rotateRefreshToken(next.hash, inAnHour())).toEqual({ kind: "revoked" });
    const sessions: { revoke_reason: string }[] = await execute(
      "select revoke_reason from sessions where id = ?",
      [account.sessionId],
    );
    expect(sessions).toEqual([{ revoke_reason: "refresh_token_reused" }]);
  });

  it("rotates 40 sessions' tokens at once, each into its own session", async () => {
    const owners = await Promise.all(Array.from({ length: 40 }, () => register()));
    const nexts = owners.map(() => inAnHour());

    const results = await Promise.all(
      owners.map((owner, i) => accounts.rotateRefreshToken(owner.hash, nexts[i] as never)),
    );

    expect(results).toEqual(
      owners.map((owner) => ({
        kind: "rotated",
        userId: owner.userId,
        sessionId: owner.sessionId,
        amr: ["pwd"],
      })),
    );
    const again = await Promise.all(
      owners.map((_, i) =>
        accounts.rotateRefreshToken((nexts[i] as { hash: string }).hash, inAnHour()),
      ),
    );
    expect(again.every((result) => result.kind === "rotated")).toBe(true);
  });

  it("never fails a rotation that races the revocation of its session", async () => {
    // The reuse revokes the session while the newer token's rotation may be
    // claiming it: the two must take their row locks in one order.
    const race = async (delayMs: number) => {
      const account = await register();
      const second = inAnHour();
      await accounts.rotateRefreshToken(account.hash, second);

      const third = inAnHour();
      const outcomes = await Promise.allSettled([
        accounts.rotateRefreshToken(account.hash, inAnHour()),
        sleep(delayMs).then(() => accounts.rotateRefreshToken(second.hash, third)),
      ]);
      const newest = await accounts.rotateRefreshToken(third.hash, inAnHour());
      return [...outcomes, newest] as const;
    };

    for (let round = 0; round < 12; round++) {
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, pair) => race((pair + round) % 4)),
      );
      for (const [reuse, rotation, newest] of outcomes) {
        expect(reuse).toMatchObject({ status: "fulfilled", value: { kind: "reused" } });
        expect(rotation).toMatchObject({ status: "fulfilled" });
        expect(newest.kind).not.toBe("rotated");
      }
    }
  });

  it("lets at most one of 10 concurrent uses of one token succeed", async () => {
    const account = await register();

    const results = await Promise.all(
      Array.from({ length: 10 }, () => accounts.rotateRefreshToken(account.hash, inAnHour())),
    );

    expect(results.filter((result) => result.kind === "rotated")).toHaveLength(1);
    const tokens: { count: string }[] = await execute(
      "select count(*) from refresh_tokens where session_id = ?",
      [account.sessionId],
    );
    expect(Number(tokens[0]?.count)).toBe(2);
  });

  it("tells an expired, an unknown and a blocked account's token apart", async () => {
    const expired = await register();
    await execute(
      "update refresh_tokens set expires_at = now() - interval '1 second' where token_hash = ?",
      [expired.hash],
    );
    const blocked = await register();
    await execute("update users set status = 'blocked' where id = ?", [blocked.userId]);

    expect(await accounts.rotateRefreshToken(expired.hash, inAnHour())).toEqual({
      kind: "expired",
    });
    expect(await accounts.rotateRefreshToken(newRefreshToken().hash, inAnHour())).toEqual({
      kind: "unknown",
    });
    expect(await accounts.rotateRefreshToken(blocked.hash, inAnHour())).toEqual({
      kind: "blocked",
    });
  });

  it("revokes every session of an account, newest tokens included", async () => {
    const account = await register();
    const more = sessionWithToken();
    await accounts.openSession(account.userId, more.session);

    expect(await accounts.revokeAllSessions(account.userId)).toBe(2);

    expect(await accounts.rotateRefreshToken(account.hash, inAnHour())).toEqual({
      kind: "revoked",
    });
    expect(await accounts.rotateRefreshToken(more.hash, inAnHour())).toEqual({ kind: "revoked" });
    expect(await accounts.revokeAllSessions(account.userId)).toBe(0);
  });

  it("revokes one session on logout and leaves the others", async () => {
    const account = await register();
    const other = sessionWithToken();
    await accounts.openSession(account.userId, other.session);

    expect(await accounts.revokeSession(account.sessionId)).toBe(true);

    expect(await accounts.rotateRefreshToken(account.hash, inAnHour())).toEqual({
      kind: "revoked",
    });
    expect(await accounts.rotateRefreshToken(other.hash, inAnHour())).toMatchObject({
      kind: "rotated",
    });
    expect(await accounts.revokeSession(account.sessionId)).toBe(false);
  });

  it("opens no session for a blocked or a missing account", async () => {
    const account = await register();
    await execute("update users set status = 'blocked' where id = ?", [account.userId]);

    await expect(
      accounts.openSession(account.userId, sessionWithToken().session),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      accounts.openSession(crypto.randomUUID(), sessionWithToken().session),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("changes the password and, when asked, ends every session with it", async () => {
    const account = await register();

    await accounts.setPassword(account.userId, "new-hash", { revokeSessions: true });

    const found: { password_hash: string }[] = await execute(
      "select password_hash from users where id = ?",
      [account.userId],
    );
    expect(found).toEqual([{ password_hash: "new-hash" }]);
    expect(await accounts.rotateRefreshToken(account.hash, inAnHour())).toEqual({
      kind: "revoked",
    });
    await expect(accounts.setPassword(crypto.randomUUID(), "x")).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});
