import type { IncomingMessage, ServerResponse } from "node:http";
import type { DescMethodUnary } from "@bufbuild/protobuf";
import { HealthCheckResponse_ServingStatus } from "../src/gen/grpc/health/v1/health_pb.js";
import { PublicKeySchema } from "../src/gen/iam/v1/keys_pb.js";
import { REQUEST_ID_HEADER } from "../src/rpc/context.js";
import type { RpcFailure } from "../src/rpc/errors.js";
import { MAX_BODY_BYTES, readBody } from "./body.js";
import { forwardedChain } from "./forwarded.js";
import { type JsonObject, messageFromJson, messageToJson, parseJsonBody } from "./json.js";
import { sendJson } from "./respond.js";
import { JWKS_RPC, READINESS_RPC } from "./routes.js";
import type { RequestScope } from "./server.js";

const DEFAULT_RPC_TIMEOUT_MS = 30_000;
const READINESS_TIMEOUT_MS = 5_000;

/**
 * A documented path: reads and limits the body, builds the request
 * message, calls the RPC and writes its answer as JSON. Failures are
 * thrown (IamError, ConnectError) or returned, for the server to answer.
 */
export async function callRpc(
  req: IncomingMessage,
  res: ServerResponse,
  rpc: DescMethodUnary,
  scope: RequestScope,
): Promise<RpcFailure | undefined> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body.ok) {
    res.setHeader("connection", "close");
    if (body.reason === "aborted") {
      res.destroy();
      return undefined;
    }
    return { code: "BAD_REQUEST", message: `the body is larger than ${MAX_BODY_BYTES} bytes` };
  }

  const input = messageFromJson(rpc.input, parseJsonBody(body.bytes));

  const timeoutMs = scope.options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
  const response = await scope.options.transport.unary(
    rpc,
    scope.signal,
    timeoutMs,
    rpcHeaders(req, scope),
    input,
  );
  sendJson(res, 200, messageToJson(rpc.output, response.message));
  return undefined;
}

/**
 * GET /readyz: asks the RPC side's health service. Ready is 200; not
 * ready, or no answer, is 503 with a failure body, so that a load
 * balancer takes the instance out without a 500 in anyone's alerts.
 */
export async function checkReadiness(
  res: ServerResponse,
  scope: RequestScope,
): Promise<RpcFailure | undefined> {
  let ready = false;
  try {
    const response = await scope.options.transport.unary(
      READINESS_RPC,
      scope.signal,
      READINESS_TIMEOUT_MS,
      { [REQUEST_ID_HEADER]: scope.requestId },
      { service: "" },
    );
    ready = response.message.status === HealthCheckResponse_ServingStatus.SERVING;
  } catch (error) {
    scope.options.logger.warn({ err: error, request_id: scope.requestId }, "readiness unknown");
  }

  if (ready) {
    sendJson(res, 200, { status: "ready" });
  } else {
    sendJson(res, 503, {
      failure_code: "SERVER_ERROR",
      failure_message: "the service is not ready",
    });
  }
  return undefined;
}

/**
 * GET /.well-known/jwks.json: the public keys as a JSON Web Key Set. It
 * may be cached briefly: a new key is published before it signs.
 */
export async function listPublicKeys(
  res: ServerResponse,
  scope: RequestScope,
): Promise<RpcFailure | undefined> {
  const response = await scope.options.transport.unary(
    JWKS_RPC,
    scope.signal,
    scope.options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS,
    { [REQUEST_ID_HEADER]: scope.requestId },
    {},
  );
  const keys = response.message.keys.map((key) =>
    withoutEmptyMembers(messageToJson(PublicKeySchema, key)),
  );
  sendJson(res, 200, { keys }, { "cache-control": "public, max-age=60" });
  return undefined;
}

/** JWK members are optional: an empty one is left out rather than sent as "". */
function withoutEmptyMembers(json: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(json).filter(([, value]) => value !== ""));
}

/** The caller's address chain and the request id travel with the RPC. */
function rpcHeaders(req: IncomingMessage, scope: RequestScope): Record<string, string> {
  const received = req.headers["x-forwarded-for"];
  const chain = forwardedChain(
    req.socket.remoteAddress,
    Array.isArray(received) ? received.join(", ") : received,
    scope.options.trustedProxies,
  );
  const headers: Record<string, string> = { [REQUEST_ID_HEADER]: scope.requestId };
  if (chain !== "") headers["x-forwarded-for"] = chain;
  return headers;
}
