/**
 * The key-value port: flow state, one-time codes, counters and rate limits.
 *
 * Two implementations stand behind it: Redis (shared by every instance)
 * and an in-process store (one instance only, for development). Both pass
 * the same contract tests. Every operation that checks and then changes a
 * value is atomic, so parallel requests never slip past a check.
 *
 * Keys are plain strings; the implementation adds its own namespace prefix.
 * Times are milliseconds.
 */
export interface KvStore {
  /** Which back-end this is, for the start-up log line and `/readyz`. */
  readonly kind: "redis" | "memory";

  /** Reads a value, or null when absent or expired. */
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
   */
  increment(key: string, windowMs: number, by?: number): Promise<CounterState>;

  /** Reads a counter without changing it (count 0 when absent). */
  peekCounter(key: string): Promise<CounterState>;

  /**
   * A fixed-window limiter: at most `points` consumptions of one key per
   * `durationSeconds`. Built on the same back-end.
   */
  limiter(options: LimiterOptions): Limiter;

  /** Resolves when the back-end answers; rejects otherwise. */
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
  /** Consumes `points` (default 1) for `key`; atomic. */
  consume(key: string, points?: number): Promise<LimiterResult>;
  /** Reads the state without consuming (allowed = a consumption would pass). */
  peek(key: string): Promise<LimiterResult>;
  /** Forgets the key (e.g. a lockout cleared by a password reset). */
  reset(key: string): Promise<void>;
}
