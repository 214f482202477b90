import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import { type RunningApp, startApp } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { WebhookReceiver } from "./webhook-receiver.js";

/** A service started for a test, with its webhook receiver and base URLs. */
export interface TestApp {
  readonly app: RunningApp;
  readonly config: Config;
  readonly receiver: WebhookReceiver;
  /** The REST gateway, e.g. http://127.0.0.1:41234 */
  readonly httpUrl: string;
  /** The RPC port's base URL (Connect, gRPC, gRPC-Web). */
  readonly rpcUrl: string;
  stop(): Promise<void>;
}

/** Which key-value back-end a test app uses. */
export type KvBackend = "redis" | "memory";

/**
 * Starts the whole service on ephemeral ports against the run's PostgreSQL
 * database and Redis (or the in-process store), delivering codes to a real
 * webhook receiver. `env` overrides configuration variables.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  kv: KvBackend = "redis",
): Promise<TestApp> {
  const receiver = await new WebhookReceiver().start();
  const config = loadConfig({
    IAM_HOST: "127.0.0.1",
    IAM_HTTP_PORT: "0",
    IAM_RPC_PORT: "0",
    DATABASE_URL: inject("databaseUrl"),
    ...(kv === "redis" ? { REDIS_URL: inject("redisUrl") } : {}),
    IAM_NOTIFY_WEBHOOK_URL: receiver.url,
    IAM_NOTIFY_WEBHOOK_SECRET: "test-webhook-secret",
    IAM_FLOWS_PER_CLIENT_PER_MINUTE: "1000",
    IAM_SENDS_PER_DESTINATION_PER_HOUR: "100",
    IAM_RESEND_COOLDOWN_SECONDS: "0",
    ...env,
  });
  const prefix = `${inject("runId")}:${randomBytes(4).toString("hex")}:`;
  const app = await startApp(config, silentLogger(), { kvPrefix: prefix });

  return {
    app,
    config,
    receiver,
    httpUrl: `http://127.0.0.1:${app.httpPort}`,
    rpcUrl: `http://127.0.0.1:${app.rpcPort}`,
    async stop() {
      await app.stop();
      await receiver.stop();
    },
  };
}

/** A fresh e-mail address no other test uses. */
export function uniqueEmail(label = "person"): string {
  return `${label}.${randomBytes(5).toString("hex")}@example.com`;
}

/**
 * For the enclosing describe block: starts a test app before its tests and
 * stops it after them. The answer stands for the app once it runs (reading
 * it before then throws), so tests use it as they would a started one.
 */
export function useTestApp(env: Record<string, string> = {}, kv: KvBackend = "redis"): TestApp {
  let started: TestApp | undefined;

  beforeAll(async () => {
    started = await startTestApp(env, kv);
  });

  afterAll(async () => {
    await started?.stop();
  });

  return new Proxy({} as TestApp, {
    get(_, property) {
      if (started === undefined) throw new Error("the test app is not started yet");
      return Reflect.get(started, property);
    },
  });
}
