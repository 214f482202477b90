import type { JsonAnswer, JsonClient } from "./http.js";
import { closedLoop, type LoadResult, perSecond, withCpuCost } from "./load.js";
import { cpuCell, fixed, type Row, type Section } from "./report.js";
import type { RoundPlan } from "./rounds.js";
import type { RunningService } from "./service.js";

/** Requests that stop at successive layers, each with the status it must get. */
const PROBES: readonly {
  figure: string;
  status: number;
  send: (c: JsonClient) => Promise<JsonAnswer>;
}[] = [
  {
    figure: "GET /healthz (HTTP and gateway only)",
    status: 200,
    send: (client) => client.get("/healthz"),
  },
  {
    figure: "GET /.well-known/jwks.json (+ in-process Connect call)",
    status: 200,
    send: (client) => client.get("/.well-known/jwks.json"),
  },
  {
    figure: "POST /recovery/refresh/access, malformed (+ failure path)",
    status: 401,
    send: (client) => client.post("/recovery/refresh/access", { refresh_token: "x" }),
  },
];

/**
 * BENCH_ONLY=layers: the service's CPU per request for requests that end
 * at successive layers, so that the cost of a flow can be split into
 * transport and work. Eight workers, as for rotations.
 */
export async function layerCosts(
  service: RunningService,
  client: JsonClient,
  plan: RoundPlan,
): Promise<Section> {
  const loads: [string, LoadResult][] = [];
  const rows: Row[] = [];
  for (const probe of PROBES) {
    const result = await withCpuCost(service.pid, () =>
      closedLoop({
        workers: 8,
        warmupSeconds: plan.firstWarmupSeconds,
        seconds: plan.seconds,
        step: async () => {
          const answer = await probe.send(client);
          if (answer.status !== probe.status) throw new Error(`HTTP ${answer.status}`);
        },
      }),
    );
    loads.push([probe.figure, result]);
    rows.push({
      figure: `CPU per ${probe.figure}`,
      value: cpuCell(result, 3),
    });
    rows.push({ figure: "  requests/s, 8 workers", value: fixed(perSecond(result), 0) });
  }
  return { rows, loads };
}
