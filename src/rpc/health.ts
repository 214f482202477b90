import { Code, type ConnectRouter } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import { protocolError } from "./errors.js";

/** Answers whether the service can do its work now (its stores answer). */
export type Readiness = () => Promise<boolean>;

/**
 * Registers the standard gRPC health service (`grpc.health.v1.Health`).
 * The empty service name and every service on the router answer SERVING
 * or NOT_SERVING from `readiness`; a readiness check that throws counts as
 * NOT_SERVING. Other names are NOT_FOUND, as the protocol asks.
 */
export function registerHealth(router: ConnectRouter, readiness: Readiness): void {
  const known = () => new Set(router.handlers.map((handler) => handler.service.typeName));

  router.service(Health, {
    async check(request) {
      if (request.service !== "" && !known().has(request.service)) {
        throw protocolError("unknown service", Code.NotFound);
      }
      const ready = await readiness().catch(() => false);
      return {
        status: ready
          ? HealthCheckResponse_ServingStatus.SERVING
          : HealthCheckResponse_ServingStatus.NOT_SERVING,
      };
    },
  });
}
