import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { recordAudit } from "./audit.js";
import { revokeSessions } from "./session-writes.js";

/** The token that replaces a rotated one. */
export interface NextRefreshToken {
  readonly hash: string;
  readonly expiresAt: Date;
}

/**
 * What presenting a refresh token led to. Only `rotated` may issue tokens;
 * `reused` means a rotated token came back, so its whole session was revoked.
 */
export type RotationResult =
  | { kind: "rotated"; userId: string; sessionId: string; amr: string[] }
  | { kind: "reused"; userId: string; sessionId: string }
  | { kind: "expired" }
  | { kind: "unknown" }
  | { kind: "revoked" }
  | { kind: "blocked" };

/**
 * Rotates a refresh token. The old token is claimed by one conditional
 * UPDATE (unused, unrevoked, unexpired, live session, active account), so
 * of concurrent uses at most one wins; the same statement stores the next
 * token for the winner. A loser learns why it lost; a token that was
 * already used revokes its session and every token of it.
 */
export async function rotateRefreshToken(
  em: EntityManager,
  oldHash: string,
  next: NextRefreshToken,
): Promise<RotationResult> {
  const now = new Date();

  // One statement, so one round trip and no explicit transaction: the
  // claim, the next token and the session's stamp commit together or not
  // at all, with the same row locks as three statements in a transaction.
  const rows: { session_id: string; user_id: string; amr: string[] }[] = await em.execute(
    `with won as (
       update refresh_tokens as t set used_at = ?
         from sessions as s, users as u
         where t.token_hash = ? and s.id = t.session_id and u.id = s.user_id
           and t.used_at is null and t.revoked_at is null and t.expires_at > ?
           and s.revoked_at is null and u.status = 'active'
         returning t.session_id, s.user_id, s.amr
     ), next as (
       insert into refresh_tokens (id, session_id, token_hash, expires_at, created_at)
         select ?, session_id, ?, ?, ? from won
     ), touched as (
       update sessions as s set last_refreshed_at = ? from won where s.id = won.session_id
     )
     select session_id, user_id, amr from won`,
    [now, oldHash, now, randomUUID(), next.hash, next.expiresAt, now, now],
  );
  const won = rows[0];
  const rotated = won && { userId: won.user_id, sessionId: won.session_id, amr: won.amr };

  if (rotated) {
    return { kind: "rotated", ...rotated };
  }
  return whyRefused(em, oldHash, now);
}

/** What the store knows of a presented token; computed in SQL, so no timestamps to parse. */
interface TokenState {
  used: boolean;
  revoked: boolean;
  expired: boolean;
  session_id: string;
  user_id: string;
  status: string;
}

async function whyRefused(em: EntityManager, hash: string, now: Date): Promise<RotationResult> {
  const rows: TokenState[] = await em.execute(
    `select t.used_at is not null as used,
            t.revoked_at is not null or s.revoked_at is not null as revoked,
            t.expires_at <= ? as expired,
            s.id as session_id, u.id as user_id, u.status
       from refresh_tokens t
       join sessions s on s.id = t.session_id
       join users u on u.id = s.user_id
       where t.token_hash = ?`,
    [now, hash],
  );
  const token = rows[0];

  if (!token) {
    return { kind: "unknown" };
  }
  if (token.status !== "active") {
    return { kind: "blocked" };
  }
  if (token.revoked) {
    return { kind: "revoked" };
  }
  if (token.used) {
    await revokeForReuse(em, token, now);
    return { kind: "reused", userId: token.user_id, sessionId: token.session_id };
  }
  if (token.expired) {
    return { kind: "expired" };
  }
  return { kind: "revoked" };
}

async function revokeForReuse(em: EntityManager, token: TokenState, now: Date): Promise<void> {
  await em.transactional(async (tx) => {
    await revokeSessions(tx, { sessionId: token.session_id }, "refresh_token_reused", now);
    await recordAudit(
      tx,
      { type: "session.refresh_token_reused", userId: token.user_id, sessionId: token.session_id },
      now,
    );
  });
}
