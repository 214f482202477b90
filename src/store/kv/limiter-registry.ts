import { checkLimiterOptions } from "./checks.js";
import type { Limiter, LimiterOptions } from "./kv-store.js";

/**
 * Hands out one limiter per name for a store. Every caller that asks for a
 * name gets the same limiter, so counts are shared in memory just as they
 * are through Redis keys; asking for a known name with other limits is a
 * programming error and throws, instead of silently splitting the counts.
 */
export function limiterPerName(
  build: (options: LimiterOptions) => Limiter,
): (options: LimiterOptions) => Limiter {
  const made = new Map<string, { options: LimiterOptions; limiter: Limiter }>();

  return (options) => {
    const { name, points, durationSeconds } = checkLimiterOptions(options);
    const known = made.get(name);

    if (known === undefined) {
      const limiter = build({ name, points, durationSeconds });
      made.set(name, { options: { name, points, durationSeconds }, limiter });
      return limiter;
    }

    if (known.options.points !== points || known.options.durationSeconds !== durationSeconds) {
      throw new Error(`limiter "${name}" already exists with other limits`);
    }
    return known.limiter;
  };
}
