import type { ConnectRouter, Transport } from "@connectrpc/connect";
import { startGateway } from "../gateway/server.js";
import { inProcessTransport, remoteTransport } from "../gateway/transport.js";
import { createCaptchaVerifier } from "./captcha/verifier.js";
import type { Config } from "./config.js";
import { createDelivery } from "./delivery/index.js";
import { AccountEpochs } from "./flows/account-epoch.js";
import { authenticationService } from "./flows/authentication.js";
import type { FlowDeps } from "./flows/context.js";
import { FlowStore } from "./flows/flow-token.js";
import { OneTimeCodes } from "./flows/one-time-code.js";
import { recoveryService } from "./flows/recovery.js";
import { registrationService } from "./flows/registration.js";
import { SignInLockout } from "./flows/sign-in-lockout.js";
import { AuthenticationService } from "./gen/iam/v1/authentication_pb.js";
import { KeyService } from "./gen/iam/v1/keys_pb.js";
import { RecoveryService } from "./gen/iam/v1/recovery_pb.js";
import { RegistrationService } from "./gen/iam/v1/registration_pb.js";
import type { Logger } from "./log.js";
import { clientAddressKey } from "./rpc/context.js";
import { registerHealth } from "./rpc/health.js";
import { rpcInterceptors } from "./rpc/interceptors.js";
import { startRpcServer } from "./rpc/listener.js";
import { startupStep } from "./startup-error.js";
import { createAccountRepository } from "./store/db/accounts.js";
import { type Database, openDatabase } from "./store/db/database.js";
import { createKvStore } from "./store/kv/index.js";
import type { KvStore } from "./store/kv/kv-store.js";
import { createAccessTokenIssuer } from "./tokens/access-token.js";
import { loadSigningKeys, type SigningKeyRing } from "./tokens/signing-keys.js";

/** Options of `createApp` beyond configuration, for tests and embedding. */
export interface AppOptions {
  /** Prefix of every key-value key (tests keep runs apart with it). */
  readonly kvPrefix?: string;
  /** Run the RPC server (default true); false runs the gateway alone against `rpcUrl`. */
  readonly rpc?: boolean;
  /** Run the REST gateway (default true). */
  readonly gateway?: boolean;
}

/** A running service. */
export interface RunningApp {
  readonly rpcPort: number | undefined;
  readonly httpPort: number | undefined;
  readonly database: Database | undefined;
  readonly kv: KvStore | undefined;
  stop(): Promise<void>;
}

/**
 * The composition root: configuration → stores → flows → servers. Tests
 * build the very same graph against their own PostgreSQL and Redis.
 */
export async function startApp(
  config: Config,
  logger: Logger,
  options: AppOptions = {},
): Promise<RunningApp> {
  const runRpc = options.rpc ?? config.rpcUrl === undefined;
  const runGateway = options.gateway ?? true;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };

  try {
    let rpcPort: number | undefined;
    let httpPort: number | undefined;
    let database: Database | undefined;
    let kv: KvStore | undefined;
    let routes: ((router: ConnectRouter) => void) | undefined;

    if (runRpc) {
      const storage = config.databaseUrl === undefined ? "IAM_DATA_DIR" : "DATABASE_URL";
      database = await startupStep(storage, () =>
        openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger }),
      );
      stops.push(() => (database as Database).close());
      kv = createKvStore({
        redisUrl: config.redisUrl,
        prefix: options.kvPrefix ?? "iam:",
        logger,
      });
      stops.push(() => (kv as KvStore).close());

      const opened = database;
      const keys = await startupStep(storage, () =>
        loadSigningKeys(opened, { graceSeconds: config.accessTokenTtlSeconds }),
      );
      const readiness = readinessCheck(database, kv);
      const services = buildRoutes(config, logger, database, kv, keys);
      routes = (router) => {
        services(router);
        registerHealth(router, readiness);
      };

      const served = routes;
      const rpc = await startupStep("IAM_RPC_PORT", () =>
        startRpcServer({
          host: config.host,
          port: config.rpcPort,
          routes: served,
          interceptors: rpcInterceptors(logger),
          trustedProxies: config.trustedProxies,
          logger,
        }),
      );
      stops.push(() => rpc.close());
      rpcPort = rpc.port;
      logBackends(logger, database, kv);
    }

    if (runGateway) {
      let transport: Transport;
      if (routes === undefined) {
        const remote = remoteTransport(config.rpcUrl ?? `http://127.0.0.1:${config.rpcPort}`);
        stops.push(async () => remote.close());
        transport = remote;
      } else {
        transport = inProcessTransport(routes, {
          interceptors: rpcInterceptors(logger),
          trustedProxies: config.trustedProxies,
        });
      }
      const gateway = await startupStep("IAM_HTTP_PORT", () =>
        startGateway({
          host: config.host,
          port: config.httpPort,
          transport,
          logger,
          trustedProxies: config.trustedProxies,
        }),
      );
      stops.push(() => gateway.close());
      httpPort = gateway.port;
    }

    logger.info({ rpc_port: rpcPort, http_port: httpPort }, "iam service listening");
    return { rpcPort, httpPort, database, kv, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function buildRoutes(
  config: Config,
  logger: Logger,
  database: Database,
  kv: KvStore,
  keys: SigningKeyRing,
): (router: ConnectRouter) => void {
  const flows = new FlowStore(kv, config.flowTtlSeconds);
  const codes = new OneTimeCodes({
    flows,
    kv,
    delivery: createDelivery(config, logger),
    perDestination: kv.limiter({
      name: "sends-per-destination",
      points: config.sendsPerDestinationPerHour,
      durationSeconds: 3600,
    }),
    settings: {
      length: config.codeLength,
      ttlSeconds: config.codeTtlSeconds,
      maxAttempts: config.codeMaxAttempts,
      cooldownSeconds: config.resendCooldownSeconds,
      maxSendsPerFlow: config.maxSendsPerFlow,
    },
    logger,
  });
  const deps: FlowDeps = {
    config,
    logger,
    flows,
    codes,
    accounts: createAccountRepository(database),
    accessTokens: createAccessTokenIssuer({
      keys,
      issuer: config.issuer,
      ttlSeconds: config.accessTokenTtlSeconds,
    }),
    captcha: createCaptchaVerifier({
      verifyUrl: config.captchaVerifyUrl,
      secret: config.captchaSecret,
      logger,
    }),
    flowStarts: kv.limiter({
      name: "flows-per-client",
      points: config.flowsPerClientPerMinute,
      durationSeconds: 60,
    }),
    lockout: new SignInLockout(kv, {
      maxFailures: config.loginMaxFailures,
      lockoutSeconds: config.loginLockoutSeconds,
    }),
    epochs: new AccountEpochs(kv, (2 * config.flowTtlSeconds + 86_400) * 1000),
    clientAddress: (context) => context.values.get(clientAddressKey),
  };

  return (router) => {
    router.service(RegistrationService, registrationService(deps));
    router.service(RecoveryService, recoveryService(deps));
    router.service(AuthenticationService, authenticationService(deps));
    router.service(KeyService, {
      listPublicKeys: async () => ({ keys: keys.publicKeys() }),
    });
  };
}

function readinessCheck(database: Database, kv: KvStore): () => Promise<boolean> {
  return async () => {
    try {
      await Promise.all([database.ping(), kv.ping()]);
      return true;
    } catch {
      return false;
    }
  };
}

function logBackends(logger: Logger, database: Database, kv: KvStore): void {
  const embedded = database.kind === "embedded" || kv.kind === "memory";
  logger.info(
    {
      database: database.kind === "embedded" ? "embedded PostgreSQL (PGlite)" : "PostgreSQL",
      kv: kv.kind === "memory" ? "in-process store" : "Redis",
      single_instance_only: embedded,
    },
    embedded
      ? "storage back-ends chosen; the embedded ones serve a single instance only (development)"
      : "storage back-ends chosen",
  );
}
