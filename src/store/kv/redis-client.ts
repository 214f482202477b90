import { Redis } from "ioredis";
import type { Logger } from "../../log.js";

/** Longest wait for a TCP connection to Redis. */
const CONNECT_TIMEOUT_MS = 1_000;

/** Longest wait for any one reply, queued time included. */
const COMMAND_TIMEOUT_MS = 1_500;

/** Longest pause between reconnection attempts; the client never stops trying. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * Opens an ioredis client tuned to fail fast: while Redis is down or hung,
 * every command rejects within about `COMMAND_TIMEOUT_MS`, so a request
 * answers SERVER_ERROR instead of hanging, and the client keeps
 * reconnecting in the background so service resumes by itself.
 *
 * The offline queue stays on so that commands sent before the first
 * connection (start-up) or during a brief reconnect wait for it rather
 * than fail at once. One consequence: a queued command that has already
 * timed out for its caller may still run if the connection returns before
 * the queue is flushed (after two failed reconnection attempts). Callers
 * must treat a rejected write as "unknown", which a SERVER_ERROR is.
 */
export function openRedisClient(url: string, logger?: Logger): Redis {
  const client = new Redis(url, {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    // Commands issued in one tick leave in one write: a sign-in asks for
    // its flow limit, lockout and epoch at once, and each write to the
    // socket costs a system call that showed in the profile.
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(100 * 2 ** (attempt - 1), MAX_RECONNECT_DELAY_MS),
  });

  reportOutages(client, logger);
  return client;
}

/**
 * Logs once when Redis becomes unreachable and once when it is back, not
 * on every failed reconnection. The listener also keeps ioredis from
 * printing its "unhandled error event" warning.
 */
function reportOutages(client: Redis, logger?: Logger): void {
  let reachable = true;

  client.on("error", (error: Error) => {
    if (!reachable) {
      return;
    }
    reachable = false;
    logger?.warn({ err: error }, "redis unreachable: key-value operations fail until it returns");
  });

  client.on("ready", () => {
    if (reachable) {
      return;
    }
    reachable = true;
    logger?.info("redis reachable again");
  });
}
