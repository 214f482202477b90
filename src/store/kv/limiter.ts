import { type RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import type { Limiter, LimiterResult } from "./kv-store.js";

/**
 * Adapts a rate-limiter-flexible limiter to the port's `Limiter`.
 *
 * That library resolves an allowed consumption, rejects a refused one with
 * a `RateLimiterRes`, and rejects with an `Error` when its store fails. Only
 * the first two are answers; a store failure is thrown on, so an outage
 * becomes a server error upstream instead of a silent "refused" or "allowed".
 */
export function adaptLimiter(limiter: RateLimiterAbstract): Limiter {
  return {
    async consume(key, points = 1) {
      checkPoints(points);

      try {
        const res = await limiter.consume(key, points);
        return { allowed: true, remaining: res.remainingPoints, msBeforeNext: res.msBeforeNext };
      } catch (rejection) {
        return refusal(rejection);
      }
    },

    async peek(key) {
      const res = await limiter.get(key);

      if (res === null || res.msBeforeNext <= 0) {
        return { allowed: true, remaining: limiter.points, msBeforeNext: 0 };
      }
      const remaining = res.remainingPoints;
      return { allowed: remaining > 0, remaining, msBeforeNext: res.msBeforeNext };
    },

    async reset(key) {
      await limiter.delete(key);
    },
  };
}

function checkPoints(points: number): void {
  if (!Number.isSafeInteger(points) || points <= 0) {
    throw new RangeError(`points to consume must be a positive integer, got ${points}`);
  }
}

function refusal(rejection: unknown): LimiterResult {
  if (rejection instanceof RateLimiterRes) {
    return { allowed: false, remaining: 0, msBeforeNext: Math.max(rejection.msBeforeNext, 1) };
  }

  if (rejection instanceof Error) {
    throw rejection;
  }
  throw new Error("rate limiter failed", { cause: rejection });
}
