import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "../log.js";
import { errorInterceptor } from "./errors.js";
import { loggingInterceptor } from "./logging.js";

/**
 * The service's own interceptors in the order they must run: logging
 * outside error mapping, so the logged failure code is the one sent.
 * The listener and the in-process transport put the request-context
 * interceptor in front of these themselves.
 */
export function rpcInterceptors(logger: Logger): Interceptor[] {
  return [loggingInterceptor(logger), errorInterceptor(logger)];
}
