import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { JsonClient } from "./http.js";

/** The repository root: the service is started from there, as `npm start` does. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** How many of the service's last output lines an error report quotes. */
const KEPT_LINES = 30;

/** Options of `startService`. */
export interface ServiceOptions {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly webhookUrl: string;
  /** Whether sign-in asks for a code after the password (`off` for the bench). */
  readonly secondFactor: "required" | "off";
  /** When set, the child runs with `--cpu-prof` and writes its profile here. */
  readonly cpuProfileDir: string | undefined;
}

/** The service running as a child process of the bench. */
export interface RunningService {
  readonly pid: number;
  /** The REST gateway, e.g. http://127.0.0.1:41234 */
  readonly httpUrl: string;
  /** VmHWM of /proc/<pid>/status: the process's peak resident memory, in bytes. */
  peakRss(): Promise<number>;
  /** Seconds since the process was started: the clock of its CPU profile. */
  clock(): number;
  /** The service's last output lines (it logs at warn and above). */
  recentOutput(): readonly string[];
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  stop(): Promise<void>;
}

/**
 * Starts the real service exactly as `npm start` does (`scripts/start.sh`,
 * which execs one node process, so the PID is the service's) on
 * free loopback ports and waits until GET /readyz answers 200. Limits that
 * would throttle a load test are raised; nothing else differs from a
 * production start.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const [httpPort = 0, rpcPort = 0] = await freePorts(2);
  const profile = options.cpuProfileDir
    ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`]
    : [];
  const spawnedAt = performance.now();
  const env = {
    ...serviceEnv(options, httpPort, rpcPort),
    IAM_NODE_EXTRA_OPTIONS: profile.join(" "),
  };
  const child = spawn("sh", ["scripts/start.sh"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = keepLastLines(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const httpUrl = `http://127.0.0.1:${httpPort}`;

  const service: RunningService = {
    pid: child.pid ?? 0,
    httpUrl,
    peakRss: () => readPeakRss(child.pid ?? 0),
    clock: () => (performance.now() - spawnedAt) / 1000,
    recentOutput: output,
    stop: () => stopChild(child, exited),
  };
  try {
    await waitReady(httpUrl, exited, 60_000);
  } catch (error) {
    await service.stop();
    throw new Error(`${(error as Error).message}\n--- service output\n${output().join("\n")}`);
  }
  return service;
}

/**
 * The child's environment: this one without any IAM_ variable a developer
 * may have set (a captcha or SMTP setting would change what is measured),
 * plus the bench's settings.
 */
function serviceEnv(options: ServiceOptions, httpPort: number, rpcPort: number) {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    const runtime = name === "IAM_NODE_OPTIONS";
    if ((runtime || !name.startsWith("IAM_")) && name !== "NODE_OPTIONS") env[name] = value;
  }
  return {
    ...env,
    NODE_ENV: "production",
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    IAM_HOST: "127.0.0.1",
    IAM_HTTP_PORT: String(httpPort),
    IAM_RPC_PORT: String(rpcPort),
    IAM_NOTIFY_WEBHOOK_URL: options.webhookUrl,
    IAM_LOGIN_SECOND_FACTOR: options.secondFactor,
    IAM_FLOWS_PER_CLIENT_PER_MINUTE: "1000000",
    IAM_LOGIN_MAX_FAILURES: "1000",
    IAM_SENDS_PER_DESTINATION_PER_HOUR: "10000",
    IAM_LOG_LEVEL: "warn",
  };
}

/** Ports the kernel hands out now; the service binds them a moment later. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => net.createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function waitReady(httpUrl: string, exited: Promise<void>, timeoutMs: number) {
  const client = new JsonClient(httpUrl, 1);
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  try {
    while (Date.now() < deadline) {
      if (gone) throw new Error("the service exited during start-up");
      const status = await client.get("/readyz").then(
        (answer) => answer.status,
        () => 0,
      );
      if (status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the service was not ready within ${timeoutMs} ms`);
  } finally {
    client.close();
  }
}

/** VmHWM of a process: its peak resident memory, in bytes. */
export async function readPeakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/** SIGTERM, then SIGKILL after 15 s; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(killer);
}

/** Keeps the child's last output lines for error reports; the rest is dropped. */
function keepLastLines(child: ChildProcess): () => string[] {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - KEPT_LINES));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => lines;
}
