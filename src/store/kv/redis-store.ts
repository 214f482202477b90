import { RateLimiterRedis } from "rate-limiter-flexible";
import type { Logger } from "../../log.js";
import { checkStep, checkTtl } from "./checks.js";
import type { KvStore } from "./kv-store.js";
import { adaptLimiter } from "./limiter.js";
import { limiterPerName } from "./limiter-registry.js";
import { openRedisClient } from "./redis-client.js";
import { defineScripts } from "./redis-scripts.js";

/** Options of `createRedisStore`. */
export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL. */
  readonly url: string;
  /** Prepended to every key, e.g. "iam:"; keys under `${prefix}limiter:` are the limiters'. */
  readonly prefix?: string;
  /** Receives one line per outage and one per recovery. */
  readonly logger?: Logger;
}

/**
 * A `KvStore` on Redis, shared by every instance of the service.
 *
 * Plain writes are single commands (`SET … PX`, with `NX` for
 * `onlyIfAbsent`); compare-and-swap and counters are Lua scripts, so each
 * check-and-change is atomic. While Redis is unreachable every operation
 * rejects quickly (see `openRedisClient`) rather than waiting for it.
 */
export function createRedisStore(options: RedisStoreOptions): KvStore {
  const prefix = options.prefix ?? "";
  const client = openRedisClient(options.url, options.logger);
  const scripts = defineScripts(client);

  return {
    kind: "redis",

    get(key) {
      return client.get(prefix + key);
    },

    async set(key, value, ttlMs, setOptions) {
      const ttl = checkTtl(ttlMs);

      const reply = setOptions?.onlyIfAbsent
        ? await client.set(prefix + key, value, "PX", ttl, "NX")
        : await client.set(prefix + key, value, "PX", ttl);
      return reply === "OK";
    },

    async compareAndSwap(key, expected, next, ttlMs) {
      const ttl = checkTtl(ttlMs);

      return scripts.compareAndSwap(prefix + key, expected, next, ttl);
    },

    async delete(key) {
      await client.del(prefix + key);
    },

    async increment(key, windowMs, by = 1) {
      const window = checkTtl(windowMs, "windowMs");
      const step = checkStep(by);

      return scripts.increment(prefix + key, step, window);
    },

    peekCounter(key) {
      return scripts.peekCounter(prefix + key);
    },

    limiter: limiterPerName(({ name, points, durationSeconds }) => {
      const limiter = new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}limiter:${name}`,
        points,
        duration: durationSeconds,
      });
      return adaptLimiter(limiter);
    }),

    async ping() {
      await client.ping();
    },

    /** Quits politely when connected; otherwise drops the connection and what waits for it. */
    async close() {
      if (client.status !== "ready") {
        client.disconnect();
        return;
      }

      await client.quit().catch(() => client.disconnect());
    },
  };
}
