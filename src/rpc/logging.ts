import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "../log.js";
import { requestIdKey } from "./context.js";
import { failureFromConnectError } from "./errors.js";

/** Methods polled by probes; their lines go to debug so they do not drown the rest. */
const QUIET_SERVICES = new Set(["grpc.health.v1.Health"]);

/**
 * Writes one structured line per call: `method`, `duration_ms`,
 * `request_id` and, for failures, `failure_code`. Bodies are never
 * logged. It sits outside the error interceptor so that it sees the
 * failure code the caller gets.
 */
export function loggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const line = () => ({
      method: `${req.service.typeName}/${req.method.name}`,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      request_id: req.contextValues.get(requestIdKey),
    });
    const quiet = QUIET_SERVICES.has(req.service.typeName);

    try {
      const response = await next(req);
      (quiet ? logger.debug : logger.info).call(logger, line(), "rpc");
      return response;
    } catch (thrown) {
      const failure_code = failureFromConnectError(thrown).code;
      (quiet ? logger.debug : logger.info).call(logger, { ...line(), failure_code }, "rpc");
      throw thrown;
    }
  };
}
