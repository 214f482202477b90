import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { describeKvContract, newKey } from "./backends.js";

describeKvContract("KvStore values", (kv) => {
  describe("values", () => {
    it("reads back what it wrote, and null for a key never written", async () => {
      const key = newKey();

      expect(await kv().set(key, "one", 10_000)).toBe(true);

      expect(await kv().get(key)).toBe("one");
      expect(await kv().get(newKey())).toBeNull();
    });

    it("overwrites a value", async () => {
      const key = newKey();
      await kv().set(key, "one", 10_000);

      expect(await kv().set(key, "two", 10_000)).toBe(true);

      expect(await kv().get(key)).toBe("two");
    });

    it("deletes a value, and deleting an absent key is fine", async () => {
      const key = newKey();
      await kv().set(key, "one", 10_000);

      await kv().delete(key);
      await kv().delete(key);

      expect(await kv().get(key)).toBeNull();
    });

    it("forgets a value once its lifetime has passed", async () => {
      const key = newKey();
      await kv().set(key, "short", 100);
      expect(await kv().get(key)).toBe("short");

      await sleep(200);

      expect(await kv().get(key)).toBeNull();
    });

    it("writes with onlyIfAbsent only when no live value exists", async () => {
      const key = newKey();

      expect(await kv().set(key, "first", 10_000, { onlyIfAbsent: true })).toBe(true);
      expect(await kv().set(key, "second", 10_000, { onlyIfAbsent: true })).toBe(false);

      expect(await kv().get(key)).toBe("first");
    });

    it("writes with onlyIfAbsent again once the previous value expired", async () => {
      const key = newKey();
      await kv().set(key, "old", 80);

      await sleep(160);

      expect(await kv().set(key, "new", 10_000, { onlyIfAbsent: true })).toBe(true);
      expect(await kv().get(key)).toBe("new");
    });

    it("lets exactly one of 20 parallel onlyIfAbsent writes win", async () => {
      const key = newKey();

      const writes = Array.from({ length: 20 }, (_, i) =>
        kv().set(key, `writer-${i}`, 10_000, { onlyIfAbsent: true }),
      );
      const results = await Promise.all(writes);

      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await kv().get(key)).toBe(`writer-${results.indexOf(true)}`);
    });

    it("refuses a lifetime that is not positive", async () => {
      await expect(kv().set(newKey(), "x", 0)).rejects.toThrow(RangeError);
      await expect(kv().set(newKey(), "x", -5)).rejects.toThrow(RangeError);
    });
  });

  describe("compareAndSwap", () => {
    it("replaces a value that still equals the expected one", async () => {
      const key = newKey();
      await kv().set(key, "v1", 10_000);

      expect(await kv().compareAndSwap(key, "v1", "v2", 10_000)).toBe(true);

      expect(await kv().get(key)).toBe("v2");
    });

    it("leaves a value that has changed", async () => {
      const key = newKey();
      await kv().set(key, "v2", 10_000);

      expect(await kv().compareAndSwap(key, "v1", "v3", 10_000)).toBe(false);

      expect(await kv().get(key)).toBe("v2");
    });

    it("does not create an absent key", async () => {
      const key = newKey();

      expect(await kv().compareAndSwap(key, "v1", "v2", 10_000)).toBe(false);

      expect(await kv().get(key)).toBeNull();
    });

    it("gives the new value its own lifetime", async () => {
      const key = newKey();
      await kv().set(key, "v1", 10_000);

      await kv().compareAndSwap(key, "v1", "v2", 100);
      await sleep(200);

      expect(await kv().get(key)).toBeNull();
    });

    it("lets exactly one of 20 parallel swaps from one expected value win", async () => {
      const key = newKey();
      await kv().set(key, "start", 10_000);

      const swaps = Array.from({ length: 20 }, (_, i) =>
        kv().compareAndSwap(key, "start", `next-${i}`, 10_000),
      );
      const results = await Promise.all(swaps);

      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await kv().get(key)).toBe(`next-${results.indexOf(true)}`);
    });
  });
});
