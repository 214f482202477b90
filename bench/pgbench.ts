import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { withClient } from "./database.js";

/** The rotation transaction as a pgbench script (see the comments in it). */
const SCRIPT = fileURLToPath(new URL("rotation.pgbench.sql", import.meta.url));

/** What pgbench reported; rounds combine with `combinePgbench`. */
export interface PgbenchResult {
  readonly transactions: number;
  /** Seconds the transactions took, connection set-up left out (transactions / tps). */
  readonly seconds: number;
  readonly latencyAverageMs: number;
}

/** Options of `pgbenchRound`. */
export interface PgbenchOptions {
  readonly databaseUrl: string;
  readonly clients: number;
}

/**
 * One round of the database's own ceiling for rotations: pgbench runs the
 * rotation's transaction (`pgbench -n -f rotation.pgbench.sql -c <clients>
 * -j 2 -T <seconds>`) against chains seeded for this round alone.
 */
export async function pgbenchRound(
  options: PgbenchOptions,
  round: number,
  seconds: number,
): Promise<PgbenchResult> {
  await seedChains(options.databaseUrl, round, options.clients);
  return pgbench(options, round, seconds);
}

/** Rounds as one result: transactions over the time they took. */
export function combinePgbench(rounds: readonly PgbenchResult[]): PgbenchResult {
  const transactions = rounds.reduce((total, round) => total + round.transactions, 0);
  const weighted = rounds.reduce((total, r) => total + r.latencyAverageMs * r.transactions, 0);
  return {
    transactions,
    seconds: rounds.reduce((total, round) => total + round.seconds, 0),
    latencyAverageMs: weighted / transactions,
  };
}

/** Transactions per second of a (combined) result. */
export function pgbenchTps(result: PgbenchResult): number {
  return result.transactions / result.seconds;
}

/**
 * For each client: an active user, a live session and the chain's first
 * token, whose hash the script derives from (run, client, 0).
 */
async function seedChains(databaseUrl: string, run: number, clients: number): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    await client.query("begin");
    for (let id = 0; id < clients; id += 1) {
      const [userId, sessionId] = [randomUUID(), randomUUID()];
      await client.query(
        `insert into users (id, status, password_hash, password_changed_at, created_at,
           updated_at) values ($1, 'active', 'not a hash', now(), now(), now())`,
        [userId],
      );
      await client.query(
        `insert into sessions (id, user_id, amr, created_at, last_refreshed_at)
           values ($1, $2, '{pwd}', now(), now())`,
        [sessionId, userId],
      );
      await client.query(
        `insert into refresh_tokens (id, session_id, token_hash, expires_at, created_at)
           values ($1, $2, $3, now() + interval '30 days', now())`,
        [randomUUID(), sessionId, chainHash(run, id, "0")],
      );
    }
    await client.query("commit");
  });
}

/** The hash the script computes in SQL: hex SHA-256 of `iam-bench/<run>/<client>/<value>`. */
function chainHash(run: number, client: number, value: string): string {
  return createHash("sha256").update(`iam-bench/${run}/${client}/${value}`).digest("hex");
}

async function pgbench(options: PgbenchOptions, run: number, seconds: number) {
  const args = [
    "-n",
    ...["-M", "extended"],
    ...["-f", SCRIPT],
    ...["-c", String(options.clients), "-j", "2", "-T", String(Math.max(1, Math.round(seconds)))],
    ...["-D", `run=${run}`, "-D", "current=0"],
    options.databaseUrl,
  ];
  const timeout = (seconds + 60) * 1000;
  const { stdout } = await promisify(execFile)("pgbench", args, { timeout });
  return parsePgbench(stdout);
}

function parsePgbench(stdout: string): PgbenchResult {
  const number = (pattern: RegExp) => {
    const found = pattern.exec(stdout)?.[1];
    if (found === undefined) throw new Error(`pgbench printed no ${pattern.source}:\n${stdout}`);
    return Number(found);
  };
  const failed = /number of failed transactions: (\d+)/.exec(stdout)?.[1];
  if (failed !== undefined && failed !== "0") {
    throw new Error(`pgbench: ${failed} transactions failed:\n${stdout}`);
  }
  const transactions = number(/number of transactions actually processed: (\d+)/);
  const tps = number(/tps = ([\d.]+) \(without initial connection time\)/);
  return {
    transactions,
    seconds: transactions / tps,
    latencyAverageMs: number(/latency average = ([\d.]+) ms/),
  };
}
