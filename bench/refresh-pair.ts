import { combine, type LoadResult, percentileMs, perSecond, withCpuCost } from "./load.js";
import { combinePgbench, type PgbenchResult, pgbenchRound, pgbenchTps } from "./pgbench.js";
import type { RotationChains } from "./refresh.js";
import { cpuCell, fixed, type Section } from "./report.js";
import { alternate, type RoundPlan, warmupOf } from "./rounds.js";
import type { RunningService } from "./service.js";

/** The goals: rotations reach this share of pgbench, with this p99 or less. */
const RATIO_GOAL = 0.7;
const P99_GOAL_MS = 20;

/**
 * The refresh pair: rotations through the gateway by one worker per
 * session against pgbench running the rotation's transaction with as many
 * clients, in alternating rounds.
 */
export async function refreshPair(
  service: RunningService,
  chains: RotationChains,
  databaseUrl: string,
  plan: RoundPlan,
): Promise<Section> {
  const workers = chains.workers;
  const pgbench = { databaseUrl, clients: workers };

  // pgbench's warm-up walks chains of its own (round 0); measured rounds use 1…n.
  await pgbenchRound(pgbench, 0, plan.firstWarmupSeconds);
  const pair = await alternate<LoadResult, PgbenchResult>(
    plan,
    (round) => withCpuCost(service.pid, () => chains.run(warmupOf(plan, round), plan.seconds)),
    (round) => pgbenchRound(pgbench, round + 1, plan.seconds),
  );
  const rotations = combine(pair.first);
  const database = combinePgbench(pair.second);

  const ratio = perSecond(rotations) / pgbenchTps(database);
  const p99 = percentileMs(rotations, 0.99);
  return {
    loads: [["refresh rotation", rotations]],
    rows: [
      {
        figure: `refresh rotations/s (POST /recovery/refresh/access), ${workers} workers`,
        value: fixed(perSecond(rotations), 1),
      },
      {
        figure: "  CPU per rotation (service process)",
        value: cpuCell(rotations),
      },
      {
        figure: `pgbench tps, the rotation's SQL, -c ${workers} -j 2`,
        value: fixed(pgbenchTps(database), 1),
      },
      {
        figure: "  ratio rotations / pgbench",
        value: fixed(ratio, 3),
        goal: `≥ ${RATIO_GOAL}`,
        met: ratio >= RATIO_GOAL,
      },
      { figure: "  rotation latency p50", value: `${fixed(percentileMs(rotations, 0.5), 2)} ms` },
      {
        figure: `  rotation latency p99, ${workers} connections`,
        value: `${fixed(p99, 2)} ms`,
        goal: `< ${P99_GOAL_MS} ms`,
        met: p99 < P99_GOAL_MS,
      },
      {
        figure: "  pgbench latency average",
        value: `${fixed(database.latencyAverageMs, 2)} ms`,
      },
    ],
  };
}
