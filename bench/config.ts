/** Settings of one bench run, read once from the environment. */
export interface BenchConfig {
  /** Measured seconds of each figure (BENCH_SECONDS). */
  readonly seconds: number;
  /** Unmeasured seconds before each figure (BENCH_WARMUP_SECONDS). */
  readonly warmupSeconds: number;
  /** Rounds each pair alternates in (BENCH_ROUNDS); the measured time is split among them. */
  readonly rounds: number;
  /** Concurrency C of the sign-in pair: raw argon2id and gateway sign-ins. */
  readonly concurrency: number;
  /** Concurrent rotation workers, and pgbench clients (`-c`). */
  readonly refreshWorkers: number;
  /** Server that gets the bench database; its own database is only the admin entry. */
  readonly adminDatabaseUrl: string;
  /** Redis server; the bench always uses its database 15. */
  readonly redisUrl: string;
  /** Directory for the service's `--cpu-prof` output, when profiling. */
  readonly cpuProfileDir: string | undefined;
  /** Which parts run: `signin` and `refresh` (the pairs), `layers` (on request only). */
  readonly parts: ReadonlySet<Part>;
}

const PARTS = ["signin", "refresh", "layers"] as const;

/** A part of the bench that BENCH_ONLY can name. */
export type Part = (typeof PARTS)[number];

/** What runs when BENCH_ONLY is not set. */
const DEFAULT_PARTS = "signin,refresh";

/** Reads the BENCH_* variables, DATABASE_URL and REDIS_URL. */
export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const profile = env.BENCH_CPU_PROF;
  const only = (env.BENCH_ONLY ?? DEFAULT_PARTS).split(",").map((part) => part.trim());
  for (const part of only) {
    if (!(PARTS as readonly string[]).includes(part)) {
      throw new Error(`BENCH_ONLY must list parts among ${PARTS.join(", ")}, not "${part}"`);
    }
  }

  return {
    seconds: positive(env, "BENCH_SECONDS", 10),
    warmupSeconds: positive(env, "BENCH_WARMUP_SECONDS", 2),
    rounds: Math.round(positive(env, "BENCH_ROUNDS", 5)),
    concurrency: Math.round(positive(env, "BENCH_CONCURRENCY", 4)),
    refreshWorkers: 8,
    adminDatabaseUrl: loopbackOnly(
      env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
      env,
    ),
    redisUrl: loopbackOnly(env.REDIS_URL ?? "redis://127.0.0.1:6379", env),
    cpuProfileDir:
      profile === undefined || profile === "" || profile === "0"
        ? undefined
        : profile === "1"
          ? `/tmp/iam-bench-profile-${Date.now()}`
          : profile,
    parts: new Set(only as Part[]),
  };
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/**
 * A bench loads its servers hard: it refuses anything but this machine
 * unless BENCH_ALLOW_REMOTE=1 says that was meant.
 */
function loopbackOnly(url: string, env: NodeJS.ProcessEnv): string {
  const host = new URL(url).hostname;
  const local = ["127.0.0.1", "localhost", "[::1]", "::1"].includes(host);
  if (!local && env.BENCH_ALLOW_REMOTE !== "1") {
    throw new Error(`${host} is not this machine; set BENCH_ALLOW_REMOTE=1 to load it anyway`);
  }
  return url;
}
