import { describe, expect, it } from "vitest";
import { describeKvContract, newKey } from "./backends.js";

describeKvContract("KvStore limiter", (kv) => {
  describe("limiter", () => {
    const limiterOf = (points = 10) =>
      kv().limiter({ name: `test-${newKey()}`, points, durationSeconds: 60 });

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

      await kv().limiter(options).consume(key);
      const second = await kv().limiter(options).consume(key);

      expect(second).toMatchObject({ allowed: true, remaining: 8 });
    });

    it("refuses to reuse a name with other limits", () => {
      const name = `clash-${newKey()}`;
      kv().limiter({ name, points: 10, durationSeconds: 60 });

      const again = () => kv().limiter({ name, points: 5, durationSeconds: 60 });
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
});
