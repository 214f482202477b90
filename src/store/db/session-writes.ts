import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { recordAudit } from "./audit.js";
import { RefreshToken } from "./entities/refresh-token.js";
import { Session } from "./entities/session.js";

/** A session to open, with the hash of its first refresh token. */
export interface NewSession {
  /** How the person authenticated (`pwd`, `otp`, …), copied into access tokens. */
  readonly amr: readonly string[];
  /** `hashRefreshToken` of the token handed to the client; the token itself is never stored. */
  readonly refreshTokenHash: string;
  readonly refreshExpiresAt: Date;
}

/** Inserts a session and its first refresh token; the caller owns the transaction. */
export async function insertSession(
  em: EntityManager,
  userId: string,
  session: NewSession,
  at: Date,
): Promise<string> {
  const sessionId = randomUUID();

  await em.insert(Session, {
    id: sessionId,
    user: userId,
    amr: [...session.amr],
    createdAt: at,
    lastRefreshedAt: at,
  });
  await insertRefreshToken(em, sessionId, session.refreshTokenHash, session.refreshExpiresAt, at);
  return sessionId;
}

/** Inserts one refresh token of a session. */
export async function insertRefreshToken(
  em: EntityManager,
  sessionId: string,
  hash: string,
  expiresAt: Date,
  at: Date,
): Promise<void> {
  await em.insert(RefreshToken, {
    id: randomUUID(),
    session: sessionId,
    tokenHash: hash,
    expiresAt,
    createdAt: at,
  });
}

/**
 * Revokes sessions and every refresh token they still hold, so neither the
 * newest token nor any older one works again. `where` picks the sessions:
 * one session, or all of a user's. Answers the sessions revoked now.
 */
export async function revokeSessions(
  em: EntityManager,
  where: { sessionId: string } | { userId: string },
  reason: string,
  at: Date,
): Promise<string[]> {
  const [column, id] = "sessionId" in where ? ["id", where.sessionId] : ["user_id", where.userId];

  // Tokens before sessions: a rotation locks its token row and then its
  // session row, so taking them in the other order here could deadlock
  // with one (PostgreSQL would then fail one of the two).
  await em.execute(
    `update refresh_tokens set revoked_at = ?
       where revoked_at is null
         and session_id in (select s.id from sessions s where s.${column} = ?)`,
    [at, id],
  );
  const revoked: { id: string; user_id: string }[] = await em.execute(
    `update sessions set revoked_at = ?, revoke_reason = ?
       where ${column} = ? and revoked_at is null
       returning id, user_id`,
    [at, reason, id],
  );

  const first = revoked[0];
  if (first) {
    const sessionId = "sessionId" in where ? where.sessionId : undefined;
    const data = { reason, sessions: revoked.length };
    await recordAudit(em, { type: "session.revoked", userId: first.user_id, sessionId, data }, at);
  }
  return revoked.map((session) => session.id);
}
