import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { describeKvContract, newKey } from "./backends.js";

describeKvContract("KvStore counters", (kv) => {
  describe("counters", () => {
    it("counts from zero and reports the time left in the window", async () => {
      const state = await kv().increment(newKey(), 5_000);

      expect(state.count).toBe(1);
      expect(state.msLeft).toBeGreaterThan(4_000);
      expect(state.msLeft).toBeLessThanOrEqual(5_000);
    });

    it("adds steps other than one", async () => {
      const key = newKey();

      await kv().increment(key, 5_000, 5);
      const state = await kv().increment(key, 5_000, -2);

      expect(state.count).toBe(3);
    });

    it("counts 200 parallel increments exactly", async () => {
      const key = newKey();

      const increments = Array.from({ length: 200 }, () => kv().increment(key, 5_000));
      const states = await Promise.all(increments);

      const counts = states.map((state) => state.count).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect((await kv().peekCounter(key)).count).toBe(200);
    });

    it("does not extend the window on later increments", async () => {
      const key = newKey();
      const first = await kv().increment(key, 400);

      await sleep(150);
      const second = await kv().increment(key, 400);

      expect(second.count).toBe(2);
      expect(second.msLeft).toBeLessThan(first.msLeft - 100);

      await sleep(second.msLeft + 100);
      expect(await kv().peekCounter(key)).toEqual({ count: 0, msLeft: 0 });
      expect((await kv().increment(key, 400)).count).toBe(1);
    });

    it("peeks at a counter without changing it", async () => {
      const key = newKey();
      expect(await kv().peekCounter(key)).toEqual({ count: 0, msLeft: 0 });
      await kv().increment(key, 5_000, 3);

      const first = await kv().peekCounter(key);
      const second = await kv().peekCounter(key);

      expect(first.count).toBe(3);
      expect(second.count).toBe(3);
      expect(second.msLeft).toBeGreaterThan(0);
      expect(second.msLeft).toBeLessThanOrEqual(5_000);
    });

    it("refuses to count a value that is not a number", async () => {
      const key = newKey();
      await kv().set(key, "not a number", 5_000);

      await expect(kv().increment(key, 5_000)).rejects.toThrow();
      await expect(kv().peekCounter(key)).rejects.toThrow();
    });
  });
});
