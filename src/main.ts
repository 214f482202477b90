import { startApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./log.js";
import { StartupError } from "./startup-error.js";

/**
 * How long a stop may take before the process exits anyway: calls in
 * flight get this long to finish, and a hung database or Redis cannot keep
 * a stopped service alive (orchestrators send SIGKILL after 30 s).
 */
const SHUTDOWN_DEADLINE_MS = 25_000;

/** Starts the service from the environment and stops it cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);
  const app = await startApp(config, logger).catch((error: unknown) => {
    if (error instanceof StartupError) {
      process.stderr.write(`start-up failed: ${error.message}\n`);
    } else {
      logger.fatal({ err: error }, "the service could not start");
    }
    process.exit(1);
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, "stopping");
    const deadline = setTimeout(() => {
      logger.error({ after_ms: SHUTDOWN_DEADLINE_MS }, "stopping took too long; exiting now");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    app.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

await main();
