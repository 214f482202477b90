import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/log.js";
import { createKvStore, createRedisStore, type KvStore } from "../../../src/store/kv/index.js";
import { newKey, redisPrefix, redisUrl } from "./backends.js";
import { closedPort, silentServer, startRelay } from "./fake-servers.js";
import { deleteKeysUnder } from "./redis-keys.js";

describe("Redis store", () => {
  afterAll(async () => {
    await deleteKeysUnder(redisUrl, redisPrefix);
  });

  it("serves operations sent right after it was created", async () => {
    const store = createRedisStore({ url: redisUrl, prefix: redisPrefix });

    try {
      const key = newKey();
      expect(await store.set(key, "early", 5_000)).toBe(true);
      expect(await store.get(key)).toBe("early");
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it("closes cleanly, twice", async () => {
    const store = createRedisStore({ url: redisUrl, prefix: redisPrefix });
    await store.ping();

    await store.close();
    await store.close();

    await expect(store.get(newKey())).rejects.toThrow();
  });

  it("rejects every operation within 2 s when nothing listens on the port", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (line: string) => lines.push(line) });
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const store = createRedisStore({ url, prefix: redisPrefix, logger });

    try {
      await expectEveryOperationToFailFast(store);

      const warnings = lines.filter((line) => line.includes('"level":"warn"'));
      expect(warnings).toHaveLength(1);
    } finally {
      await closesWithin(store, 2_000);
    }
  });

  it("rejects every operation within 2 s when the server never answers", async () => {
    const server = await silentServer();
    const store = createRedisStore({ url: `redis://127.0.0.1:${server.port}` });

    try {
      await expectEveryOperationToFailFast(store);
    } finally {
      await closesWithin(store, 2_000);
      await server.close();
    }
  });

  it("fails fast during an outage and serves again once Redis is back", async () => {
    const relay = await startRelay(redisUrl);
    const url = `redis://127.0.0.1:${relay.port}`;
    const store = createRedisStore({ url, prefix: redisPrefix });
    const key = newKey();

    try {
      await store.set(key, "kept", 30_000);
      await relay.cut();

      const started = performance.now();
      await expect(store.get(key)).rejects.toBeInstanceOf(Error);
      expect(performance.now() - started).toBeLessThan(2_000);

      await relay.restore();
      const read = () => store.get(key).catch(() => "unavailable");
      await expect.poll(read, { timeout: 5_000, interval: 100 }).toBe("kept");
    } finally {
      await store.close();
      await relay.cut();
    }
  });
});

describe("createKvStore", () => {
  it("uses Redis when given a URL and memory otherwise", async () => {
    const redis = createKvStore({ redisUrl, prefix: redisPrefix });
    const memory = createKvStore({});

    expect(redis.kind).toBe("redis");
    expect(memory.kind).toBe("memory");

    await Promise.all([redis.close(), memory.close()]);
  });
});

/**
 * Runs one of each operation against a store whose Redis is unusable and
 * checks that each rejects with an Error (never a "refused" limiter
 * answer) within 2 s.
 */
async function expectEveryOperationToFailFast(store: KvStore): Promise<void> {
  const limiter = store.limiter({ name: "outage", points: 5, durationSeconds: 60 });
  const operations: Record<string, () => Promise<unknown>> = {
    get: () => store.get("k"),
    set: () => store.set("k", "v", 1_000),
    compareAndSwap: () => store.compareAndSwap("k", "v", "w", 1_000),
    delete: () => store.delete("k"),
    increment: () => store.increment("c", 1_000),
    peekCounter: () => store.peekCounter("c"),
    consume: () => limiter.consume("k"),
    peek: () => limiter.peek("k"),
    reset: () => limiter.reset("k"),
    ping: () => store.ping(),
  };

  const outcomes = await Promise.all(
    Object.entries(operations).map(async ([name, run]) => {
      const started = performance.now();
      const outcome = await run().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      return { name, ms: performance.now() - started, ...outcome };
    }),
  );

  for (const outcome of outcomes) {
    expect(outcome, outcome.name).toHaveProperty("error");
    expect("error" in outcome && outcome.error, outcome.name).toBeInstanceOf(Error);
    expect(outcome.ms, outcome.name).toBeLessThan(2_000);
  }
}

async function closesWithin(store: KvStore, ms: number): Promise<void> {
  const started = performance.now();
  await store.close();
  expect(performance.now() - started).toBeLessThan(ms);
}
