/**
 * The key-value port: flow state, one-time codes, counters and rate limits.
 *
 * Two implementations stand behind it: Redis (shared by every instance)
 * and an in-process store (one instance only, for development). Both pass
 * the same contract tests. Every operation that checks and then changes a
 * value is atomic, so parallel requests never slip past a check.
 *
 * Keys are plain strings; the implementation adds its own namespace prefix
 * (keys starting with `limiter:` are the limiters' own). Times are
 * milliseconds; a lifetime or window must be positive, or the call rejects
 * with a RangeError.
 *
 * Failures: every promise rejects (never resolves with a guess) when the
 * back-end is unreachable or slow, within about two seconds, so callers map
 * any rejection to SERVER_ERROR. A rejected write may still have happened.
 */
export interface KvStore {
  /** Which back-end this is, for the start-up log line and `/readyz`. */
  readonly kind: "redis" | "memory";

  /** Reads a value, or null when absent or expired. A counter reads as its decimal count. */
  get(key: string): Promise<string | null>;

  /**
   * Writes a value that lives `ttlMs`. With `onlyIfAbsent`, writes only when
   * no live value exists. Answers whether it wrote.
   */
  set(key: string, value: string, ttlMs: number, options?: SetOptions): Promise<boolean>;

  /**
   * Replaces the value with `next` (living `ttlMs`) only if the stored value
   * still equals `expected`. Atomic. Answers whether it replaced.
   */
  compareAndSwap(key: string, expected: string, next: string, ttlMs: number): Promise<boolean>;

  /** Deletes a value; absent keys are fine. */
  delete(key: string): Promise<void>;

  /**
   * Adds `by` (default 1) to a counter. The counter is created at zero and
   * lives `windowMs` from its first increment; later increments do not
   * extend it. Atomic. Answers the new count and the milliseconds left.
   * `by` is a whole number; a key that holds a non-number rejects.
   */
  increment(key: string, windowMs: number, by?: number): Promise<CounterState>;

  /** Reads a counter without changing it (count 0 when absent). */
  peekCounter(key: string): Promise<CounterState>;

  /**
   * A fixed-window limiter: at most `points` consumptions of one key per
   * `durationSeconds` (whole seconds). Built on the same back-end. Asking
   * again for a name answers the same limiter (shared counts); asking for a
   * known name with other limits throws.
   */
  limiter(options: LimiterOptions): Limiter;

  /** Resolves when the back-end answers; rejects otherwise (for `/readyz`). */
  ping(): Promise<void>;

  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Options of `KvStore.set`. */
export interface SetOptions {
  readonly onlyIfAbsent?: boolean;
}

/** A counter's value and the milliseconds until it resets (0 when absent). */
export interface CounterState {
  readonly count: number;
  readonly msLeft: number;
}

/** Options of `KvStore.limiter`. */
export interface LimiterOptions {
  /** A unique name for this limiter's keys, e.g. "sends-per-destination". */
  readonly name: string;
  /** Consumptions allowed per window. */
  readonly points: number;
  /** Window length. */
  readonly durationSeconds: number;
}

/** The outcome of one consumption. */
export interface LimiterResult {
  readonly allowed: boolean;
  /** Consumptions left in this window (0 when refused). */
  readonly remaining: number;
  /** Milliseconds until the window resets. */
  readonly msBeforeNext: number;
}

/** A rate limiter over one back-end. */
export interface Limiter {
  /**
   * Consumes `points` (default 1) for `key`; atomic. A refusal resolves with
   * `allowed: false`; a back-end failure rejects, so an outage is never
   * mistaken for a refusal or a pass. A refused consumption still counts,
   * so once one is refused the key stays refused until the window resets.
   */
  consume(key: string, points?: number): Promise<LimiterResult>;
  /** Reads the state without consuming (allowed = a consumption would pass). */
  peek(key: string): Promise<LimiterResult>;
  /** Forgets the key (e.g. a lockout cleared by a password reset). */
  reset(key: string): Promise<void>;
}
