import type { LimiterOptions } from "./kv-store.js";

/**
 * Argument and value checks shared by both back-ends, so that a mistake in
 * the caller fails the same way on Redis and in memory instead of being
 * read differently by each (Redis refuses `PX 0`, a map would keep it).
 */

/** A lifetime in whole milliseconds; rejects zero, negative and non-finite values. */
export function checkTtl(ms: number, name = "ttlMs"): number {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${ms}`);
  }

  return Math.ceil(ms);
}

/** An increment step: a safe integer (zero and negative steps are allowed). */
export function checkStep(by: number): number {
  if (!Number.isSafeInteger(by)) {
    throw new RangeError(`increment step must be a safe integer, got ${by}`);
  }

  return by;
}

/** Limiter options: a name, and positive whole points and seconds. */
export function checkLimiterOptions(options: LimiterOptions): LimiterOptions {
  if (options.name.length === 0) {
    throw new RangeError("limiter name must not be empty");
  }

  if (!Number.isSafeInteger(options.points) || options.points <= 0) {
    throw new RangeError(`limiter points must be a positive integer, got ${options.points}`);
  }

  if (!Number.isSafeInteger(options.durationSeconds) || options.durationSeconds <= 0) {
    const got = options.durationSeconds;
    throw new RangeError(`limiter durationSeconds must be a positive integer, got ${got}`);
  }

  return options;
}

/** Reads a stored counter; a value that is not an integer is a caller's key clash. */
export function parseCount(raw: string | null): number {
  if (raw === null) {
    return 0;
  }

  if (!/^-?\d+$/.test(raw)) {
    throw new TypeError("value is not an integer counter");
  }

  return Number(raw);
}
