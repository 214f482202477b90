import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { recordAudit } from "./audit.js";
import type { DirectSql } from "./direct-sql.js";
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

/** The session a claimed token belonged to. */
export interface RotatedSession {
  readonly userId: string;
  readonly sessionId: string;
  readonly amr: string[];
}

/**
 * Claims refresh tokens, given by hash, in one statement. Each token is
 * claimed by a conditional UPDATE (unused, unrevoked, unexpired, live
 * session, active account), so of concurrent uses at most one wins; the
 * same statement stores the next token of every winner and stamps its
 * session. The claimed tokens are answered by hash; the others are absent.
 * The hashes must be distinct (ClaimBatcher sees to it).
 */
export async function claimRotations(
  sql: DirectSql,
  requests: ReadonlyMap<string, NextRefreshToken>,
  now: Date = new Date(),
): Promise<Map<string, RotatedSession>> {
  const oldHashes: string[] = [];
  const nextHashes: string[] = [];
  const nextIds: string[] = [];
  const nextExpiries: string[] = [];
  for (const [oldHash, next] of requests) {
    oldHashes.push(oldHash);
    nextHashes.push(next.hash);
    nextIds.push(randomUUID());
    nextExpiries.push(next.expiresAt.toISOString());
  }

  // One statement, so one round trip and no explicit transaction: the
  // claims, the next tokens and the sessions' stamps commit together or
  // not at all, with the same row locks as three statements in one.
  const rows = await sql<{ old_hash: string; session_id: string; user_id: string; amr: string[] }>(
    ROTATION_SQL,
    [oldHashes, nextHashes, nextIds, nextExpiries, now.toISOString()],
  );

  const claimed = new Map<string, RotatedSession>();
  for (const row of rows) {
    claimed.set(row.old_hash, { userId: row.user_id, sessionId: row.session_id, amr: row.amr });
  }
  return claimed;
}

/**
 * The rotation statement. bench/rotation.pgbench.sql runs it as one
 * rotation sends it; the two must change together.
 */
const ROTATION_SQL = `with input as (
  select * from unnest($1::text[], $2::text[], $3::uuid[], $4::timestamptz[])
    as i (old_hash, next_hash, next_id, next_expires_at)
), won as (
  update refresh_tokens as t set used_at = $5
    from input as i, sessions as s, users as u
    where t.token_hash = i.old_hash and s.id = t.session_id and u.id = s.user_id
      and t.used_at is null and t.revoked_at is null and t.expires_at > $5
      and s.revoked_at is null and u.status = 'active'
    returning i.old_hash, i.next_hash, i.next_id, i.next_expires_at,
              t.session_id, s.user_id, s.amr
), next as (
  insert into refresh_tokens (id, session_id, token_hash, expires_at, created_at)
    select next_id, session_id, next_hash, next_expires_at, $5 from won
), touched as (
  update sessions as s set last_refreshed_at = $5 from won where s.id = won.session_id
)
select old_hash, session_id, user_id, amr from won`;

/** What the store knows of a presented token; computed in SQL, so no timestamps to parse. */
interface TokenState {
  used: boolean;
  revoked: boolean;
  expired: boolean;
  session_id: string;
  user_id: string;
  status: string;
}

/**
 * Why a token that was not claimed was refused. A token that was already
 * used revokes its session and every token of it.
 */
export async function explainRefusal(
  em: EntityManager,
  hash: string,
  now: Date = new Date(),
): Promise<RotationResult> {
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
