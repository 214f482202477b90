import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { createMemoryStore, createRedisStore, type KvStore } from "../../../src/store/kv/index.js";
import { deleteKeysUnder } from "./redis-keys.js";

/** The Redis server of this run, and a key prefix of this test file's own. */
export const redisUrl = inject("redisUrl");
export const redisPrefix = `${inject("runId")}:kv:${randomBytes(4).toString("hex")}:`;

/** A fresh key, so that no two tests share state. */
export const newKey = () => randomBytes(8).toString("hex");

interface Backend {
  readonly name: string;
  create(): KvStore;
  cleanup(): Promise<void>;
}

const backends: Backend[] = [
  {
    name: "memory",
    create: () => createMemoryStore({ prefix: "test:" }),
    cleanup: async () => {},
  },
  {
    name: "redis",
    create: () => createRedisStore({ url: redisUrl, prefix: redisPrefix }),
    cleanup: async () => {
      await deleteKeysUnder(redisUrl, redisPrefix);
    },
  },
];

/**
 * Describes behaviour every key-value back-end must show, once per
 * back-end; `body` reaches the store under test through `kv()`.
 */
export function describeKvContract(title: string, body: (kv: () => KvStore) => void): void {
  describe.each(backends)(`${title} on $name`, ({ create, cleanup }) => {
    let store: KvStore;

    beforeAll(() => {
      store = create();
    });

    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    body(() => store);
  });
}
