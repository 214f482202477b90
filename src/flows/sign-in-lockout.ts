import { createHash } from "node:crypto";
import type { IdentifierKind } from "../config.js";
import { failures } from "../errors.js";
import type { KvStore } from "../store/kv/kv-store.js";

/** The lockout limits, from configuration. */
export interface LockoutSettings {
  readonly maxFailures: number;
  readonly lockoutSeconds: number;
}

/** One reserved password evaluation, to be settled as a success or a failure. */
export interface Reservation {
  readonly failuresKey: string;
  readonly lockKey: string;
  readonly count: number;
}

/**
 * Counts failed sign-ins per normalised identifier, known or not, and locks
 * the identifier for `lockoutSeconds` after `maxFailures` of them.
 *
 * Each password evaluation is reserved with an atomic increment before the
 * password is checked, so parallel guesses never get more than the limit
 * evaluated; a right password gives its reservation back. Failures count
 * within a window of `lockoutSeconds` from the first one. Keys hold a hash
 * of the identifier, never the identifier itself.
 */
export class SignInLockout {
  constructor(
    private readonly kv: KvStore,
    private readonly settings: LockoutSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reserves one evaluation; FORBIDDEN with Retry-After while the identifier is locked. */
  async reserve(kind: IdentifierKind, value: string): Promise<Reservation> {
    const id = keyOf(kind, value);
    const lockKey = `signin:lock:${id}`;
    const failuresKey = `signin:failures:${id}`;

    // The lock is read and the evaluation reserved in one round trip; a
    // reservation made while locked is given back, so it counts nothing.
    const window = this.settings.lockoutSeconds * 1000;
    const [lock, attempt] = await Promise.all([
      this.kv.get(lockKey),
      this.kv.increment(failuresKey, window),
    ]);
    const lockedUntil = Number(lock ?? 0);
    if (lockedUntil > this.now()) {
      await this.kv.increment(failuresKey, window, -1);
      throw locked((lockedUntil - this.now()) / 1000);
    }
    if (attempt.count > this.settings.maxFailures) {
      const stillLocked = Number((await this.kv.get(lockKey)) ?? 0) - this.now();
      throw locked(Math.max(stillLocked, attempt.msLeft) / 1000);
    }

    return { failuresKey, lockKey, count: attempt.count };
  }

  /** The password was right: the reservation is given back. */
  async succeeded(reservation: Reservation): Promise<void> {
    await this.kv.increment(reservation.failuresKey, this.settings.lockoutSeconds * 1000, -1);
  }

  /** The password was wrong: the failure stands, and the last allowed one locks. */
  async failed(reservation: Reservation): Promise<void> {
    if (reservation.count < this.settings.maxFailures) return;

    const lockoutMs = this.settings.lockoutSeconds * 1000;
    await this.kv.set(reservation.lockKey, String(this.now() + lockoutMs), lockoutMs);
  }

  /** Forgets failures and any lock of an identifier (after a password reset). */
  async clear(kind: IdentifierKind, value: string): Promise<void> {
    const id = keyOf(kind, value);
    await Promise.all([
      this.kv.delete(`signin:lock:${id}`),
      this.kv.delete(`signin:failures:${id}`),
    ]);
  }
}

function locked(retryAfterSeconds: number) {
  return failures.throttled(
    "too many failed sign-ins for this identifier; try again later",
    retryAfterSeconds,
  );
}

function keyOf(kind: IdentifierKind, value: string): string {
  return createHash("sha256").update(`${kind}\u0000${value}`).digest("base64url");
}
