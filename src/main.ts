import { startApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./log.js";
import { StartupError } from "./startup-error.js";

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
    app.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

await main();
