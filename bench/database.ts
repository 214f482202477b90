import { randomBytes } from "node:crypto";
import pg from "pg";

/** A database of the bench's own, dropped at the end of the run. */
export interface BenchDatabase {
  readonly name: string;
  /** `postgres://…/iam_bench_<random>` on the admin URL's server. */
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates `iam_bench_<random>` on the server of `adminUrl`. The service's
 * migrations build its schema when the service starts.
 */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `iam_bench_${randomBytes(5).toString("hex")}`;
  await asAdmin(adminUrl, `create database ${name}`);

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    drop: () => {
      dropped ??= asAdmin(adminUrl, `drop database if exists ${name} with (force)`);
      return dropped;
    },
  };
}

/** Runs statements on one short-lived connection to `url`. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url, application_name: "iam-bench" });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function asAdmin(adminUrl: string, statement: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    await client.query(statement);
  });
}
