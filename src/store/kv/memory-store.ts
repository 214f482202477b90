import { RateLimiterMemory } from "rate-limiter-flexible";
import { checkStep, checkTtl, parseCount } from "./checks.js";
import type { CounterState, KvStore } from "./kv-store.js";
import { adaptLimiter } from "./limiter.js";
import { limiterPerName } from "./limiter-registry.js";

/** How often expired entries nobody reads again are dropped. */
const SWEEP_INTERVAL_MS = 30_000;

interface Entry {
  value: string;
  /** Monotonic time (`performance.now()`) after which the entry no longer exists. */
  expiresAt: number;
}

/**
 * An in-process `KvStore` for development and tests: one instance only,
 * since nothing is shared between processes.
 *
 * Every method does its work synchronously before its promise settles, so
 * each check-and-change is atomic within the event loop. Expired entries
 * vanish on read and are swept periodically by an unref'd timer, so memory
 * does not grow and the timer never keeps the process alive.
 */
export function createMemoryStore(options: { prefix?: string } = {}): KvStore {
  const prefix = options.prefix ?? "";
  const entries = new Map<string, Entry>();
  let closed = false;

  const sweep = setInterval(() => dropExpired(entries, performance.now()), SWEEP_INTERVAL_MS);
  sweep.unref();

  function assertOpen(): void {
    if (closed) {
      throw new Error("the key-value store is closed");
    }
  }

  /** The live entry under `key`, dropping it when it has expired. */
  function live(key: string): Entry | undefined {
    assertOpen();

    const full = prefix + key;
    const entry = entries.get(full);
    if (entry !== undefined && entry.expiresAt <= performance.now()) {
      entries.delete(full);
      return undefined;
    }
    return entry;
  }

  function put(key: string, value: string, ttlMs: number): void {
    assertOpen();
    entries.set(prefix + key, { value, expiresAt: performance.now() + ttlMs });
  }

  function counterState(entry: Entry | undefined): CounterState {
    if (entry === undefined) {
      return { count: 0, msLeft: 0 };
    }
    const msLeft = Math.ceil(entry.expiresAt - performance.now());
    return { count: parseCount(entry.value), msLeft };
  }

  return {
    kind: "memory",

    async get(key) {
      return live(key)?.value ?? null;
    },

    async set(key, value, ttlMs, setOptions) {
      const ttl = checkTtl(ttlMs);

      if (setOptions?.onlyIfAbsent && live(key) !== undefined) {
        return false;
      }

      put(key, value, ttl);
      return true;
    },

    async compareAndSwap(key, expected, next, ttlMs) {
      const ttl = checkTtl(ttlMs);

      if (live(key)?.value !== expected) {
        return false;
      }

      put(key, next, ttl);
      return true;
    },

    async delete(key) {
      assertOpen();
      entries.delete(prefix + key);
    },

    async increment(key, windowMs, by = 1) {
      const window = checkTtl(windowMs, "windowMs");
      const step = checkStep(by);
      const entry = live(key);

      if (entry === undefined) {
        put(key, String(step), window);
        return { count: step, msLeft: window };
      }

      const count = parseCount(entry.value) + step;
      entry.value = String(count);
      return counterState(entry);
    },

    async peekCounter(key) {
      return counterState(live(key));
    },

    limiter: limiterPerName(({ name, points, durationSeconds }) => {
      const keyPrefix = `${prefix}limiter:${name}`;
      return adaptLimiter(new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds }));
    }),

    async ping() {
      assertOpen();
    },

    async close() {
      closed = true;
      clearInterval(sweep);
      entries.clear();
    },
  };
}

function dropExpired(entries: Map<string, Entry>, now: number): void {
  for (const [key, entry] of entries) {
    if (entry.expiresAt <= now) {
      entries.delete(key);
    }
  }
}
