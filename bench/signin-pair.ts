import { type BenchAccount, signInFull, signInInit } from "./accounts.js";
import { rawArgon2 } from "./argon2.js";
import { startFloor } from "./floor.js";
import type { JsonClient } from "./http.js";
import { closedLoop, combine, perSecond, withCpuCost } from "./load.js";
import { cpuCell, fixed, latencyCell, type Section } from "./report.js";
import { alternate, type RoundPlan, warmupOf } from "./rounds.js";
import type { RunningService } from "./service.js";

/** The goal: gateway sign-ins reach this share of raw verifications. */
const RATIO_GOAL = 0.9;

/**
 * The sign-in pair at concurrency `c`: raw argon2id verifications in the
 * bench process (the service idle meanwhile) against POST
 * /authentication/init through the gateway, in alternating rounds; then,
 * for information, whole sign-ins (init + complete), and the floor: raw
 * verifications against a bare HTTP server that only checks the password
 * (bench/floor-server.ts), which bounds what any HTTP service can reach.
 */
export async function signInPair(
  service: RunningService,
  client: JsonClient,
  accounts: readonly BenchAccount[],
  c: number,
  plan: RoundPlan,
): Promise<Section> {
  const account = (worker: number) => accounts[worker % accounts.length] as BenchAccount;
  const gateway = (warmupSeconds: number, seconds: number, step: (w: number) => Promise<void>) =>
    withCpuCost(service.pid, () => closedLoop({ workers: c, warmupSeconds, seconds, step }));
  const raw = await rawArgon2(c);

  const pair = await alternate(
    plan,
    (round) => raw(warmupOf(plan, round), plan.seconds),
    (round) =>
      gateway(warmupOf(plan, round), plan.seconds, async (worker) => {
        await signInInit(client, account(worker));
      }),
  );
  const verifications = combine(pair.first);
  const signIns = combine(pair.second);
  const full = await gateway(plan.firstWarmupSeconds, plan.seconds * plan.rounds, (worker) =>
    signInFull(client, account(worker)),
  );

  const floor = await floorPair(c, plan, raw);

  const ratio = perSecond(signIns) / perSecond(verifications);
  const floorRatio = perSecond(floor.second) / perSecond(floor.first);
  return {
    loads: [
      ["raw argon2id", verifications],
      ["floor server", floor.second],
      ["sign-in init", signIns],
      ["sign-in init+complete", full],
    ],
    rows: [
      {
        figure: `raw argon2id verifications/s, C=${c}`,
        value: fixed(perSecond(verifications), 1),
      },
      { figure: "  CPU per verification (bench process)", value: cpuCell(verifications) },
      {
        figure: `password sign-ins/s (POST /authentication/init), C=${c}`,
        value: fixed(perSecond(signIns), 1),
      },
      { figure: "  CPU per sign-in (service process)", value: cpuCell(signIns) },
      {
        figure: "  ratio sign-ins / raw verifications",
        value: fixed(ratio, 3),
        goal: `≥ ${RATIO_GOAL}`,
        met: ratio >= RATIO_GOAL,
      },
      { figure: "  sign-in latency p50 / p99", value: latencyCell(signIns) },
      { figure: `full sign-ins/s (init + complete), C=${c}`, value: fixed(perSecond(full), 1) },
      { figure: "  CPU per full sign-in (service process)", value: cpuCell(full) },
      { figure: "  full sign-in latency p50 / p99", value: latencyCell(full) },
      {
        figure: `floor: password checks/s, bare HTTP server, C=${c}`,
        value: fixed(perSecond(floor.second), 1),
      },
      {
        figure: "  raw argon2id verifications/s in its rounds",
        value: fixed(perSecond(floor.first), 1),
      },
      { figure: "  ratio floor / raw verifications", value: fixed(floorRatio, 3) },
      { figure: "  sign-in ratio as a share of the floor's", value: fixed(ratio / floorRatio, 3) },
    ],
  };
}

/**
 * Raw verifications against the floor server, in alternating rounds of
 * their own; the server runs only for these rounds.
 */
async function floorPair(c: number, plan: RoundPlan, raw: Awaited<ReturnType<typeof rawArgon2>>) {
  const floor = await startFloor(c);
  try {
    const pair = await alternate(
      plan,
      (round) => raw(warmupOf(plan, round), plan.seconds),
      (round) =>
        withCpuCost(floor.pid, () =>
          closedLoop({
            workers: c,
            warmupSeconds: warmupOf(plan, round),
            seconds: plan.seconds,
            step: () => floor.checkPassword(),
          }),
        ),
    );
    return { first: combine(pair.first), second: combine(pair.second) };
  } finally {
    await floor.stop();
  }
}
