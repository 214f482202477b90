import type { IdentifierKind } from "../config.js";
import { failures } from "../errors.js";
import { identifierDigest } from "../identity/identifier.js";
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

  /**
   * Reserves one evaluation; FORBIDDEN with Retry-After while the identifier
   * is locked, or while as many evaluations as the limit allows are
   * already counted (failed or still being checked).
   */
  async reserve(kind: IdentifierKind, value: string): Promise<Reservation> {
    const id = identifierDigest(kind, value);
    const lockKey = `signin:lock:${id}`;
    const failuresKey = `signin:failures:${id}`;

    // The lock is read and the evaluation reserved in one round trip. A
    // reservation that is refused is given back: only checked passwords
    // count, so refusals never extend or tighten a lockout.
    const window = this.settings.lockoutSeconds * 1000;
    const [lock, attempt] = await Promise.all([
      this.kv.get(lockKey),
      this.kv.increment(failuresKey, window),
    ]);
    const reservation = { failuresKey, lockKey, count: attempt.count };
    const lockedUntil = Number(lock ?? 0);
    if (lockedUntil > this.now()) {
      await this.release(reservation);
      throw locked((lockedUntil - this.now()) / 1000);
    }
    if (attempt.count > this.settings.maxFailures) {
      // Not locked (yet): the evaluations ahead of this one may still turn
      // out right and give their reservations back, so it may try again soon.
      await this.release(reservation);
      throw locked(BUSY_RETRY_SECONDS);
    }

    return reservation;
  }

  /** The password was right: the reservation is given back. */
  async succeeded(reservation: Reservation): Promise<void> {
    await this.release(reservation);
  }

  /** No password was checked after all (refused, or a dependency failed): given back. */
  async release(reservation: Reservation): Promise<void> {
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
    const id = identifierDigest(kind, value);
    await Promise.all([
      this.kv.delete(`signin:lock:${id}`),
      this.kv.delete(`signin:failures:${id}`),
    ]);
  }
}

/**
 * Retry-After of a refusal while the limit's worth of evaluations are in
 * flight but no lock is set yet: those checks take milliseconds.
 */
const BUSY_RETRY_SECONDS = 1;

function locked(retryAfterSeconds: number) {
  return failures.throttled(
    "too many failed sign-ins for this identifier; try again later",
    retryAfterSeconds,
  );
}
