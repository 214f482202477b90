import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../../src/log.js";
import {
  createKvStore,
  createMemoryStore,
  createRedisStore,
  type KvStore,
} from "../../src/store/kv/index.js";
import { closedPort, silentServer, startRelay } from "./kv/fake-servers.js";
import { deleteKeysUnder } from "./kv/redis-keys.js";

const redisUrl = inject("redisUrl");
const redisPrefix = `${inject("runId")}:kv:${randomBytes(4).toString("hex")}:`;

/** A fresh key, so that no two tests share state. */
const newKey = () => randomBytes(8).toString("hex");

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

describe.each(backends)("KvStore on $name", ({ create, cleanup }) => {
  describeKvContract(create);

  afterAll(cleanup);
});

/** The behaviour every back-end must show; `create` builds a store to test. */
function describeKvContract(create: () => KvStore): void {
  let store: KvStore;

  beforeAll(() => {
    store = create();
  });

  afterAll(async () => {
    await store.close();
  });

  describe("values", () => {
    it("reads back what it wrote, and null for a key never written", async () => {
      const key = newKey();

      expect(await store.set(key, "one", 10_000)).toBe(true);

      expect(await store.get(key)).toBe("one");
      expect(await store.get(newKey())).toBeNull();
    });

    it("overwrites a value", async () => {
      const key = newKey();
      await store.set(key, "one", 10_000);

      expect(await store.set(key, "two", 10_000)).toBe(true);

      expect(await store.get(key)).toBe("two");
    });

    it("deletes a value, and deleting an absent key is fine", async () => {
      const key = newKey();
      await store.set(key, "one", 10_000);

      await store.delete(key);
      await store.delete(key);

      expect(await store.get(key)).toBeNull();
    });

    it("forgets a value once its lifetime has passed", async () => {
      const key = newKey();
      await store.set(key, "short", 100);
      expect(await store.get(key)).toBe("short");

      await sleep(200);

      expect(await store.get(key)).toBeNull();
    });

    it("writes with onlyIfAbsent only when no live value exists", async () => {
      const key = newKey();

      expect(await store.set(key, "first", 10_000, { onlyIfAbsent: true })).toBe(true);
      expect(await store.set(key, "second", 10_000, { onlyIfAbsent: true })).toBe(false);

      expect(await store.get(key)).toBe("first");
    });

    it("writes with onlyIfAbsent again once the previous value expired", async () => {
      const key = newKey();
      await store.set(key, "old", 80);

      await sleep(160);

      expect(await store.set(key, "new", 10_000, { onlyIfAbsent: true })).toBe(true);
      expect(await store.get(key)).toBe("new");
    });

    it("lets exactly one of 20 parallel onlyIfAbsent writes win", async () => {
      const key = newKey();

      const writes = Array.from({ length: 20 }, (_, i) =>
        store.set(key, `writer-${i}`, 10_000, { onlyIfAbsent: true }),
      );
      const results = await Promise.all(writes);

      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get(key)).toBe(`writer-${results.indexOf(true)}`);
    });

    it("refuses a lifetime that is not positive", async () => {
      await expect(store.set(newKey(), "x", 0)).rejects.toThrow(RangeError);
      await expect(store.set(newKey(), "x", -5)).rejects.toThrow(RangeError);
    });
  });

  describe("compareAndSwap", () => {
    it("replaces a value that still equals the expected one", async () => {
      const key = newKey();
      await store.set(key, "v1", 10_000);

      expect(await store.compareAndSwap(key, "v1", "v2", 10_000)).toBe(true);

      expect(await store.get(key)).toBe("v2");
    });

    it("leaves a value that has changed", async () => {
      const key = newKey();
      await store.set(key, "v2", 10_000);

      expect(await store.compareAndSwap(key, "v1", "v3", 10_000)).toBe(false);

      expect(await store.get(key)).toBe("v2");
    });

    it("does not create an absent key", async () => {
      const key = newKey();

      expect(await store.compareAndSwap(key, "v1", "v2", 10_000)).toBe(false);

      expect(await store.get(key)).toBeNull();
    });

    it("gives the new value its own lifetime", async () => {
      const key = newKey();
      await store.set(key, "v1", 10_000);

      await store.compareAndSwap(key, "v1", "v2", 100);
      await sleep(200);

      expect(await store.get(key)).toBeNull();
    });

    it("lets exactly one of 20 parallel swaps from one expected value win", async () => {
      const key = newKey();
      await store.set(key, "start", 10_000);

      const swaps = Array.from({ length: 20 }, (_, i) =>
        store.compareAndSwap(key, "start", `next-${i}`, 10_000),
      );
      const results = await Promise.all(swaps);

      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get(key)).toBe(`next-${results.indexOf(true)}`);
    });
  });

  describe("counters", () => {
    it("counts from zero and reports the time left in the window", async () => {
      const state = await store.increment(newKey(), 5_000);

      expect(state.count).toBe(1);
      expect(state.msLeft).toBeGreaterThan(4_000);
      expect(state.msLeft).toBeLessThanOrEqual(5_000);
    });

    it("adds steps other than one", async () => {
      const key = newKey();

      await store.increment(key, 5_000, 5);
      const state = await store.increment(key, 5_000, -2);

      expect(state.count).toBe(3);
    });

    it("counts 200 parallel increments exactly", async () => {
      const key = newKey();

      const increments = Array.from({ length: 200 }, () => store.increment(key, 5_000));
      const states = await Promise.all(increments);

      const counts = states.map((state) => state.count).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect((await store.peekCounter(key)).count).toBe(200);
    });

    it("does not extend the window on later increments", async () => {
      const key = newKey();
      const first = await store.increment(key, 400);

      await sleep(150);
      const second = await store.increment(key, 400);

      expect(second.count).toBe(2);
      expect(second.msLeft).toBeLessThan(first.msLeft - 100);

      await sleep(second.msLeft + 100);
      expect(await store.peekCounter(key)).toEqual({ count: 0, msLeft: 0 });
      expect((await store.increment(key, 400)).count).toBe(1);
    });

    it("peeks at a counter without changing it", async () => {
      const key = newKey();
      expect(await store.peekCounter(key)).toEqual({ count: 0, msLeft: 0 });
      await store.increment(key, 5_000, 3);

      const first = await store.peekCounter(key);
      const second = await store.peekCounter(key);

      expect(first.count).toBe(3);
      expect(second.count).toBe(3);
      expect(second.msLeft).toBeGreaterThan(0);
      expect(second.msLeft).toBeLessThanOrEqual(5_000);
    });

    it("refuses to count a value that is not a number", async () => {
      const key = newKey();
      await store.set(key, "not a number", 5_000);

      await expect(store.increment(key, 5_000)).rejects.toThrow();
      await expect(store.peekCounter(key)).rejects.toThrow();
    });
  });

  describe("limiter", () => {
    const limiterOf = (points = 10) =>
      store.limiter({ name: `test-${newKey()}`, points, durationSeconds: 60 });

    it("allows exactly `points` of 50 parallel consumptions", async () => {
      const limiter = limiterOf(10);
      const key = newKey();

      const consumptions = Array.from({ length: 50 }, () => limiter.consume(key));
      const results = await Promise.all(consumptions);

      const allowed = results.filter((result) => result.allowed);
      const refused = results.filter((result) => !result.allowed);
      expect(allowed).toHaveLength(10);
      expect(refused).toHaveLength(40);
      for (const result of refused) {
        expect(result.remaining).toBe(0);
        expect(result.msBeforeNext).toBeGreaterThan(0);
        expect(result.msBeforeNext).toBeLessThanOrEqual(60_000);
      }
    });

    it("counts down what remains in the window", async () => {
      const limiter = limiterOf(10);
      const key = newKey();

      const first = await limiter.consume(key);
      const second = await limiter.consume(key, 3);

      expect(first).toMatchObject({ allowed: true, remaining: 9 });
      expect(second).toMatchObject({ allowed: true, remaining: 6 });
      expect(second.msBeforeNext).toBeGreaterThan(0);
    });

    it("peeks without consuming", async () => {
      const limiter = limiterOf(2);
      const key = newKey();
      expect(await limiter.peek(key)).toEqual({ allowed: true, remaining: 2, msBeforeNext: 0 });

      await limiter.consume(key);
      await limiter.consume(key);

      const first = await limiter.peek(key);
      const second = await limiter.peek(key);
      expect(first).toMatchObject({ allowed: false, remaining: 0 });
      expect(first.msBeforeNext).toBeGreaterThan(0);
      expect(second).toMatchObject({ allowed: false, remaining: 0 });
    });

    it("forgets a key on reset", async () => {
      const limiter = limiterOf(1);
      const key = newKey();
      await limiter.consume(key);
      expect((await limiter.consume(key)).allowed).toBe(false);

      await limiter.reset(key);

      expect(await limiter.consume(key)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it("keeps limiters of different names apart", async () => {
      const key = newKey();
      const exhausted = limiterOf(1);
      await exhausted.consume(key);

      const other = await limiterOf(1).consume(key);

      expect(other.allowed).toBe(true);
    });

    it("shares counts between every caller asking for one name", async () => {
      const options = { name: `shared-${newKey()}`, points: 10, durationSeconds: 60 };
      const key = newKey();

      await store.limiter(options).consume(key);
      const second = await store.limiter(options).consume(key);

      expect(second).toMatchObject({ allowed: true, remaining: 8 });
    });

    it("refuses to reuse a name with other limits", () => {
      const name = `clash-${newKey()}`;
      store.limiter({ name, points: 10, durationSeconds: 60 });

      const again = () => store.limiter({ name, points: 5, durationSeconds: 60 });
      expect(again).toThrow(/other limits/);
    });

    it("refuses a consumption larger than what remains", async () => {
      const limiter = limiterOf(10);
      const key = newKey();
      await limiter.consume(key, 8);

      const result = await limiter.consume(key, 3);

      expect(result).toMatchObject({ allowed: false, remaining: 0 });
    });
  });
}

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
