/** How a pair of figures is split into alternating rounds. */
export interface RoundPlan {
  readonly rounds: number;
  /** Measured seconds of each round, per side. */
  readonly seconds: number;
  /** Warm-up before the first round of each side. */
  readonly firstWarmupSeconds: number;
  /** Warm-up before every later round: the loop reaches its steady state. */
  readonly settleSeconds: number;
}

/** Splits `seconds` of measurement into `rounds` rounds of whole seconds (pgbench's `-T`). */
export function planRounds(seconds: number, rounds: number, warmupSeconds: number): RoundPlan {
  const count = Math.max(1, Math.round(rounds));
  return {
    rounds: count,
    seconds: Math.max(1, Math.round(seconds / count)),
    firstWarmupSeconds: warmupSeconds,
    settleSeconds: Math.min(0.5, warmupSeconds),
  };
}

/** The warm-up of round `round` under `plan`. */
export function warmupOf(plan: RoundPlan, round: number): number {
  return round === 0 ? plan.firstWarmupSeconds : plan.settleSeconds;
}

/**
 * Runs the two sides of a pair in alternating rounds (first, second,
 * first, …), so that both meet the same background load: on a shared
 * machine a slow drift in load then bends both figures alike and their
 * ratio stays meaningful.
 */
export async function alternate<A, B>(
  plan: RoundPlan,
  first: (round: number) => Promise<A>,
  second: (round: number) => Promise<B>,
): Promise<{ first: A[]; second: B[] }> {
  const results = { first: [] as A[], second: [] as B[] };
  for (let round = 0; round < plan.rounds; round += 1) {
    results.first.push(await first(round));
    results.second.push(await second(round));
  }
  return results;
}
