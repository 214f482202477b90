import type { Logger } from "../../log.js";
import type { KvStore } from "./kv-store.js";
import { createMemoryStore } from "./memory-store.js";
import { createRedisStore } from "./redis-store.js";

export type * from "./kv-store.js";
export { createMemoryStore } from "./memory-store.js";
export { createRedisStore } from "./redis-store.js";

/** Options of `createKvStore`, read from `REDIS_URL` by the composition root. */
export interface KvStoreOptions {
  /** Redis to share state between instances; absent means in-process. */
  readonly redisUrl?: string;
  /** Prepended to every key. */
  readonly prefix?: string;
  readonly logger?: Logger;
}

/**
 * Builds the key-value store: Redis when a URL is given, otherwise the
 * in-process store, which is only correct for a single instance.
 */
export function createKvStore(options: KvStoreOptions): KvStore {
  if (options.redisUrl !== undefined && options.redisUrl !== "") {
    return createRedisStore({
      url: options.redisUrl,
      prefix: options.prefix,
      logger: options.logger,
    });
  }

  return createMemoryStore({ prefix: options.prefix });
}
