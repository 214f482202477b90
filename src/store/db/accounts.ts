import { randomUUID } from "node:crypto";
import type { IdentifierKind } from "../../config.js";
import { failures } from "../../errors.js";
import { recordAudit } from "./audit.js";
import { ClaimBatcher } from "./claim-batcher.js";
import type { Database } from "./database.js";
import { Identifier } from "./entities/identifier.js";
import { User, type UserStatus } from "./entities/user.js";
import { storeFailure } from "./errors.js";
import {
  claimRotations,
  explainRefusal,
  type NextRefreshToken,
  type RotatedSession,
  type RotationResult,
} from "./refresh-rotation.js";
import { retryOnConflict } from "./retry.js";
import { insertSession, type NewSession, revokeSessions } from "./session-writes.js";

export type { UserStatus } from "./entities/user.js";
export type { NextRefreshToken, RotationResult } from "./refresh-rotation.js";
export type { NewSession } from "./session-writes.js";

/** An identifier as given to the store: its kind and its normalised value. */
export interface IdentifierInput {
  readonly kind: IdentifierKind;
  readonly value: string;
}

/** An account as sign-in and recovery need it. */
export interface AccountRecord {
  readonly userId: string;
  readonly status: UserStatus;
  /** The argon2id PHC string. */
  readonly passwordHash: string;
  readonly identifiers: { kind: IdentifierKind; value: string; verified: boolean }[];
}

/** What registration stores at once. */
export interface Registration {
  /** Normalised identifiers; all are stored as verified. */
  readonly identifiers: readonly IdentifierInput[];
  readonly passwordHash: string;
  readonly session: NewSession;
}

/**
 * Accounts, sessions and refresh tokens in PostgreSQL. Every call works on
 * its own fork of the entity manager; failures arrive as IamError (CONFLICT
 * for a taken identifier, SERVER_ERROR otherwise) with no values in them.
 */
export interface AccountRepository {
  /**
   * Creates the account, its verified identifiers, its first session and
   * that session's refresh token, and audits it, in one transaction. An
   * identifier that already belongs to an account is CONFLICT and nothing
   * is stored.
   */
  registerWithSession(input: Registration): Promise<{ userId: string; sessionId: string }>;

  /** The account that holds this normalised identifier, or null. */
  findByIdentifier(kind: IdentifierKind, value: string): Promise<AccountRecord | null>;

  /** Whether any account holds this normalised identifier. */
  isIdentifierTaken(kind: IdentifierKind, value: string): Promise<boolean>;

  /** Opens a session of an existing account; UNAUTHORIZED if it is gone, FORBIDDEN if blocked. */
  openSession(userId: string, session: NewSession): Promise<{ sessionId: string }>;

  /** Trades a refresh token for the next one, at most once per token (see RotationResult). */
  rotateRefreshToken(oldHash: string, next: NextRefreshToken): Promise<RotationResult>;

  /** Revokes one session and its refresh tokens; answers whether it was live. */
  revokeSession(sessionId: string, reason?: string): Promise<boolean>;

  /** Revokes every live session of an account; answers how many there were. */
  revokeAllSessions(userId: string, reason?: string): Promise<number>;

  /**
   * Replaces the password hash. With `revokeSessions`, every session is
   * revoked in the same transaction (recovery). UNAUTHORIZED if the account is gone.
   */
  setPassword(userId: string, hash: string, options?: { revokeSessions?: boolean }): Promise<void>;
}

/** A row of `findByIdentifier`'s query: the account with one of its identifiers. */
interface AccountRow {
  readonly user_id: string;
  readonly status: UserStatus;
  readonly password_hash: string;
  readonly kind: IdentifierKind;
  readonly value: string;
  readonly verified: boolean;
}

/**
 * How refresh rotations share statements: two in flight at once, so one
 * can be planned while the other commits, and up to 64 rotations in each.
 */
const ROTATION_BATCHING = { maxInFlight: 2, maxBatch: 64 } as const;

/** Creates the account repository over an open database. */
export function createAccountRepository(db: Database): AccountRepository {
  const fork = () => db.orm.em.fork();
  const rotations = new ClaimBatcher<NextRefreshToken, RotatedSession>(
    (requests) => claimRotations(db.sql, requests),
    ROTATION_BATCHING,
  );
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await retryOnConflict(work);
    } catch (error) {
      throw storeFailure(error);
    }
  };

  return {
    registerWithSession: (input) =>
      guarded(() =>
        fork().transactional(async (tx) => {
          const now = new Date();
          const userId = randomUUID();

          await tx.insert(User, {
            id: userId,
            status: "active",
            passwordHash: input.passwordHash,
            passwordChangedAt: now,
            createdAt: now,
            updatedAt: now,
          });
          for (const identifier of input.identifiers) {
            await tx.insert(Identifier, {
              id: randomUUID(),
              user: userId,
              kind: identifier.kind,
              value: identifier.value,
              verifiedAt: now,
              createdAt: now,
            });
          }
          const sessionId = await insertSession(tx, userId, input.session, now);

          const kinds = input.identifiers.map((identifier) => identifier.kind);
          const data = { identifier_kinds: kinds, amr: [...input.session.amr] };
          await recordAudit(tx, { type: "account.registered", userId, sessionId, data }, now);
          return { userId, sessionId };
        }),
      ),

    findByIdentifier: (kind, value) =>
      guarded(async () => {
        // One query, no entity hydration and no query builder: through the
        // ORM this lookup cost about 1.5 ms of CPU, and every sign-in and
        // recovery makes it.
        const rows = await db.sql<AccountRow>(
          `select u.id as user_id, u.status, u.password_hash,
                  i.kind, i.value, i.verified_at is not null as verified
             from identifiers as m
             join users as u on u.id = m.user_id
             join identifiers as i on i.user_id = u.id
             where m.kind = $1 and m.value = $2
             order by i.created_at asc, i.id asc`,
          [kind, value],
        );
        const first = rows[0];
        if (!first) {
          return null;
        }

        return {
          userId: first.user_id,
          status: first.status,
          passwordHash: first.password_hash,
          identifiers: rows.map((row) => ({
            kind: row.kind,
            value: row.value,
            verified: row.verified,
          })),
        };
      }),

    isIdentifierTaken: (kind, value) =>
      guarded(async () => (await fork().count(Identifier, { kind, value })) > 0),

    openSession: (userId, session) =>
      guarded(() =>
        fork().transactional(async (tx) => {
          const now = new Date();
          const rows: { status: UserStatus }[] = await tx.execute(
            "select status from users where id = ? for share",
            [userId],
          );
          const user = rows[0];
          if (!user) {
            throw failures.unauthorized("the account no longer exists");
          }
          if (user.status !== "active") {
            throw failures.forbidden("the account is blocked");
          }

          const sessionId = await insertSession(tx, userId, session, now);
          const data = { amr: [...session.amr] };
          await recordAudit(tx, { type: "session.opened", userId, sessionId, data }, now);
          return { sessionId };
        }),
      ),

    rotateRefreshToken: (hash, next) =>
      guarded(async () => {
        const claimed = await rotations.claim(hash, next);
        if (claimed) return { kind: "rotated", ...claimed };
        return explainRefusal(fork(), hash);
      }),

    revokeSession: (sessionId, reason = "logout") =>
      guarded(async () => {
        const revoked = await fork().transactional((em) =>
          revokeSessions(em, { sessionId }, reason, new Date()),
        );
        return revoked.length > 0;
      }),

    revokeAllSessions: (userId, reason = "revoked_all") =>
      guarded(async () => {
        const revoked = await fork().transactional((em) =>
          revokeSessions(em, { userId }, reason, new Date()),
        );
        return revoked.length;
      }),

    setPassword: (userId, hash, options = {}) =>
      guarded(() =>
        fork().transactional(async (tx) => {
          const now = new Date();
          const changed = await tx.nativeUpdate(
            User,
            { id: userId },
            { passwordHash: hash, passwordChangedAt: now, updatedAt: now },
          );
          if (changed === 0) {
            throw failures.unauthorized("the account no longer exists");
          }

          if (options.revokeSessions) {
            await revokeSessions(tx, { userId }, "password_changed", now);
          }
          await recordAudit(tx, { type: "account.password_changed", userId }, now);
        }),
      ),
  };
}
