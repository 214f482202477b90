import { readCpuTimes } from "./cpu.js";

/**
 * What one closed-loop run measured. Results of several rounds of the same
 * figure combine (`combine`); the figures are derived from them.
 */
export interface LoadResult {
  /** Length of the measured window(s), in seconds. */
  readonly seconds: number;
  /** Latencies of the operations that ended inside the window, sorted. */
  readonly latenciesMs: readonly number[];
  /** Operations that finished at all, warm-up included. */
  readonly finished: number;
  /** Operations that threw; a worker stops at its first failure. */
  readonly failed: number;
  readonly firstError: string | undefined;
  /** CPU the process under test spent over the whole run, when it was charged. */
  readonly cpu?: { readonly totalMs: number; readonly mainMs: number };
}

/** Options of `closedLoop`. */
export interface LoadOptions {
  /** Workers that each run `step` back to back: the concurrency. */
  readonly workers: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** One operation of worker `worker` (0-based). */
  readonly step: (worker: number) => Promise<void>;
}

/**
 * Runs `workers` loops of `step` for a warm-up and then a measured
 * window. The operations that end inside the window count: throughput is
 * what finished per measured second, with each one's whole latency. No
 * worker starts an operation after the window, so the run is bounded.
 */
export async function closedLoop(options: LoadOptions): Promise<LoadResult> {
  const from = performance.now() + options.warmupSeconds * 1000;
  const until = from + options.seconds * 1000;
  const latenciesMs: number[] = [];
  let finished = 0;
  let failed = 0;
  let firstError: string | undefined;

  const worker = async (index: number) => {
    while (performance.now() < until) {
      const started = performance.now();
      try {
        await options.step(index);
      } catch (error) {
        failed += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
        return;
      }
      const ended = performance.now();
      finished += 1;
      if (ended >= from && ended <= until) latenciesMs.push(ended - started);
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, index) => worker(index)));

  latenciesMs.sort((a, b) => a - b);
  return { seconds: options.seconds, latenciesMs, finished, failed, firstError };
}

/**
 * Runs `load` and charges it the CPU time process `pid` spent meanwhile.
 * Unlike throughput, this cost barely moves when other work shares the
 * machine.
 */
export async function withCpuCost(
  pid: number,
  load: () => Promise<LoadResult>,
): Promise<LoadResult> {
  const before = await readCpuTimes(pid);
  const result = await load();
  const after = await readCpuTimes(pid);
  const cpu = {
    totalMs: (after.total - before.total) * 1000,
    mainMs: (after.main - before.main) * 1000,
  };
  return { ...result, cpu };
}

/** Rounds of one figure as one result: their windows, operations and CPU added up. */
export function combine(rounds: readonly LoadResult[]): LoadResult {
  const charged = rounds.every((round) => round.cpu !== undefined);
  return {
    seconds: sum(rounds.map((round) => round.seconds)),
    latenciesMs: rounds.flatMap((round) => round.latenciesMs).sort((a, b) => a - b),
    finished: sum(rounds.map((round) => round.finished)),
    failed: sum(rounds.map((round) => round.failed)),
    firstError: rounds.find((round) => round.firstError !== undefined)?.firstError,
    ...(charged
      ? {
          cpu: {
            totalMs: sum(rounds.map((round) => round.cpu?.totalMs ?? 0)),
            mainMs: sum(rounds.map((round) => round.cpu?.mainMs ?? 0)),
          },
        }
      : {}),
  };
}

/** Operations per measured second. */
export function perSecond(result: LoadResult): number {
  return result.latenciesMs.length / result.seconds;
}

/** The nearest-rank percentile of the latencies; NaN when there are none. */
export function percentileMs(result: LoadResult, fraction: number): number {
  const sorted = result.latenciesMs;
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(Math.max(Math.ceil(fraction * sorted.length) - 1, 0), sorted.length - 1);
  return sorted[rank] ?? Number.NaN;
}

/**
 * CPU milliseconds per finished operation, warm-up included, of all
 * threads or of the main thread; NaN when the run was not charged.
 */
export function cpuMsPerOp(result: LoadResult, thread: "total" | "main" = "total"): number {
  if (result.cpu === undefined) return Number.NaN;
  return (thread === "total" ? result.cpu.totalMs : result.cpu.mainMs) / result.finished;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
