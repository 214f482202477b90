import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import pg from "pg";

/** Where the test run found its PostgreSQL and Redis, and how. */
export interface TestServices {
  /** Server URL without a database name chosen; the run's own database is added later. */
  readonly postgresServerUrl: string;
  readonly redisUrl: string;
  readonly source: string;
  /** Stops what the resolution started (containers); a no-op for external servers. */
  stop(): Promise<void>;
}

/**
 * Finds PostgreSQL and Redis for the tests, in this order:
 * `IAM_TEST_DATABASE_URL` / `IAM_TEST_REDIS_URL`; containers where a
 * container engine answers; the servers on 127.0.0.1:5432 and :6379.
 */
export async function resolveTestServices(): Promise<TestServices> {
  const fromEnv = {
    postgres: process.env.IAM_TEST_DATABASE_URL,
    redis: process.env.IAM_TEST_REDIS_URL,
  };
  if (fromEnv.postgres && fromEnv.redis) {
    return external(
      fromEnv.postgres,
      fromEnv.redis,
      "IAM_TEST_DATABASE_URL and IAM_TEST_REDIS_URL",
    );
  }

  if (await containerEngineAnswers()) {
    return startContainers();
  }

  const local = {
    postgres: fromEnv.postgres ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redis: fromEnv.redis ?? "redis://127.0.0.1:6379",
  };
  const [pgUp, redisUp] = await Promise.all([answers(5432), answers(6379)]);
  if (!pgUp || !redisUp) {
    throw new Error(
      "no PostgreSQL or Redis for the tests: set IAM_TEST_DATABASE_URL and IAM_TEST_REDIS_URL, " +
        "start a container engine, or run them on 127.0.0.1:5432 and :6379",
    );
  }
  return external(local.postgres, local.redis, "local servers on 127.0.0.1:5432 and :6379");
}

function external(postgres: string, redis: string, source: string): TestServices {
  return { postgresServerUrl: postgres, redisUrl: redis, source, stop: async () => {} };
}

async function containerEngineAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startContainers(): Promise<TestServices> {
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  const { RedisContainer } = await import("@testcontainers/redis");
  const [postgres, redis] = await Promise.all([
    new PostgreSqlContainer("postgres:15-alpine").start(),
    new RedisContainer("redis:7-alpine").start(),
  ]);
  return {
    postgresServerUrl: postgres.getConnectionUri(),
    redisUrl: redis.getConnectionUrl(),
    source: "containers started by Testcontainers",
    stop: async () => {
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, timeout: 1000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Creates a database of the run's own and answers its URL. */
export async function createRunDatabase(serverUrl: string): Promise<string> {
  const name = `iam_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by `createRunDatabase`, closing its connections first. */
export async function dropRunDatabase(serverUrl: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
