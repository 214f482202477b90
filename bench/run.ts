/**
 * `npm run bench`: the service's throughput against its own ceilings on
 * this machine, in one run (see docs/benchmarks.md). It creates its own
 * database, uses Redis database 15, starts the real service as a child
 * process, measures, and removes what it made, on failure too.
 */
import os from "node:os";
import { registerAccounts } from "./accounts.js";
import { type BenchConfig, loadBenchConfig } from "./config.js";
import { createBenchDatabase } from "./database.js";
import { JsonClient } from "./http.js";
import { layerCosts } from "./layers.js";
import { benchRedisUrl, deleteServiceKeys } from "./redis.js";
import { RotationChains } from "./refresh.js";
import { refreshPair } from "./refresh-pair.js";
import { mib, type Row, renderTable, type Section } from "./report.js";
import { planRounds, type RoundPlan } from "./rounds.js";
import { startService } from "./service.js";
import { signInPair } from "./signin-pair.js";
import { CodeReceiver } from "./webhook.js";

/** The goal for the service's peak resident memory. */
const PEAK_RSS_GOAL_MIB = 200;

/** Work to undo at the end, last made first undone. */
const cleanups: (() => Promise<unknown>)[] = [];

/** Seconds on the service's clock, once it runs: the windows of its CPU profile. */
let serviceClock: (() => number) | undefined;

function progress(message: string): void {
  const clock = serviceClock === undefined ? "" : ` [service +${serviceClock().toFixed(1)} s]`;
  process.stderr.write(`bench: ${message}${clock}\n`);
}

async function main(config: BenchConfig): Promise<boolean> {
  const c = config.concurrency;
  const plan = planRounds(config.seconds, config.rounds, config.warmupSeconds);
  const redisUrl = benchRedisUrl(config.redisUrl);
  printSetup(config, plan, redisUrl);

  await deleteServiceKeys(redisUrl);
  cleanups.push(() => deleteServiceKeys(redisUrl));
  const database = await createBenchDatabase(config.adminDatabaseUrl);
  cleanups.push(() => database.drop());
  const receiver = await new CodeReceiver().start();
  cleanups.push(() => receiver.stop());

  progress(`database ${database.name} created; starting the service`);
  const service = await startService({
    databaseUrl: database.url,
    redisUrl,
    webhookUrl: receiver.url,
    secondFactor: "off",
    cpuProfileDir: config.cpuProfileDir,
  });
  cleanups.push(() => service.stop());
  serviceClock = service.clock;
  const idleRss = await service.peakRss();

  const client = new JsonClient(service.httpUrl, Math.max(c, config.refreshWorkers));
  cleanups.push(async () => client.close());
  const accounts = await registerAccounts(client, receiver, Math.max(c, config.refreshWorkers));
  progress(`${accounts.length} accounts registered through REST`);

  const sections: Section[] = [];
  const peaks: Row[] = [{ figure: "service RSS once ready (VmHWM)", value: mib(idleRss) }];
  if (config.parts.has("signin")) {
    progress(`sign-in pair, C=${c}: ${plan.rounds} rounds of ${plan.seconds} s a side`);
    sections.push(await signInPair(service, client, accounts, c, plan));
    peaks.push({ figure: "  VmHWM after the sign-ins", value: mib(await service.peakRss()) });
  }
  if (config.parts.has("refresh")) {
    const workers = config.refreshWorkers;
    const rounds = `${plan.rounds} rounds of ${plan.seconds} s a side`;
    progress(`refresh pair, ${workers} workers: ${rounds}`);
    const chains = new RotationChains(
      client,
      accounts.slice(0, workers).map((account) => account.refreshToken),
    );
    sections.push(await refreshPair(service, chains, database.url, plan));
    peaks.push({ figure: "  VmHWM after the rotations", value: mib(await service.peakRss()) });
  }

  if (config.parts.has("layers")) {
    progress("CPU per request at successive layers");
    sections.push(await layerCosts(service, client, plan));
  }

  const peak = await service.peakRss();
  const rows: Row[] = [
    ...sections.flatMap((section) => section.rows),
    ...peaks,
    {
      figure: "service peak RSS (VmHWM), after all of the above",
      value: mib(peak),
      goal: `< ${PEAK_RSS_GOAL_MIB} MiB`,
      met: peak < PEAK_RSS_GOAL_MIB * 1024 * 1024,
    },
  ];
  process.stdout.write(`\n${renderTable(rows)}\n`);
  return reportFailures(sections, service.recentOutput());
}

function printSetup(config: BenchConfig, plan: RoundPlan, redisUrl: string): void {
  const cpus = os.cpus();
  const lines = [
    `machine: ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, Node ${process.version}, ` +
      `load average ${os.loadavg()[0]?.toFixed(2)}`,
    `libuv pool: ${process.env.UV_THREADPOOL_SIZE ?? "4 (default)"} threads ` +
      "(as npm start sizes it), " +
      "here and in the service",
    `each pair: ${plan.firstWarmupSeconds} s warm-up, then ${plan.rounds} alternating rounds ` +
      `of ${plan.seconds} s a side`,
    `redis: ${redisUrl} (keys under iam: only)`,
  ];
  if (config.cpuProfileDir) lines.push(`service CPU profile: ${config.cpuProfileDir}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Prints failed operations and the service's warnings; true when nothing failed. */
function reportFailures(sections: readonly Section[], serviceOutput: readonly string[]): boolean {
  const failed = sections.flatMap((section) => section.loads).filter(([, run]) => run.failed > 0);
  for (const [name, run] of failed) {
    process.stdout.write(`FAILED ${name}: ${run.failed} × ${run.firstError}\n`);
  }
  if (serviceOutput.length > 0) {
    process.stdout.write(`service warnings (last ${serviceOutput.length} lines):\n`);
    process.stdout.write(`${serviceOutput.join("\n")}\n`);
  }
  return failed.length === 0;
}

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: unknown) => progress(`clean-up failed: ${String(error)}`));
  }
}

process.once("SIGINT", () => {
  progress("interrupted; cleaning up");
  void cleanUp().then(() => process.exit(130));
});

const config = loadBenchConfig();
let ok = false;
try {
  ok = await main(config);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : error}\n`);
} finally {
  await cleanUp();
}
process.stdout.write(`load average at the end ${os.loadavg()[0]?.toFixed(2)}\n`);
if (config.cpuProfileDir) progress(`CPU profile written under ${config.cpuProfileDir}`);
process.exit(ok ? 0 : 1);
