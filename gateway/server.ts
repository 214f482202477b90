import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { ConnectError, type Transport } from "@connectrpc/connect";
import { IamError } from "../src/errors.js";
import type { Logger } from "../src/log.js";
import { acceptRequestId, REQUEST_ID_HEADER } from "../src/rpc/context.js";
import { failureFromConnectError, type RpcFailure } from "../src/rpc/errors.js";
import { declaresTooLarge, hasBody } from "./body.js";
import { callRpc, checkReadiness, listPublicKeys } from "./handlers.js";
import { type HttpFailure, sendFailure, sendJson } from "./respond.js";
import { ROUTES, type Route } from "./routes.js";

/** Options of `startGateway`. */
export interface GatewayOptions {
  readonly host: string;
  /** 0 picks a free port; the gateway reports the one it got. */
  readonly port: number;
  /** How RPCs are reached: in-process or remote (see transport.ts). */
  readonly transport: Transport;
  readonly logger: Logger;
  /** CIDRs whose X-Forwarded-For is passed on (IAM_TRUSTED_PROXIES). */
  readonly trustedProxies: readonly string[];
  /** Deadline of one RPC; past it the caller gets SERVER_ERROR. */
  readonly rpcTimeoutMs?: number;
  /** A request must send all its headers within this (default 10 s), else 408. */
  readonly headersTimeoutMs?: number;
  /** A request must arrive whole, body included, within this (default 30 s), else 408. */
  readonly requestTimeoutMs?: number;
}

/** A running gateway. */
export interface Gateway {
  readonly port: number;
  /** Stops accepting and closes every connection once its answer is sent. */
  close(): Promise<void>;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Why a call's signal aborts when its client left before the answer; one value for all. */
const CLIENT_GONE = new DOMException("the client closed the connection", "AbortError");

/**
 * Node checks the header and request timeouts on an interval, 30 s by
 * default: a slow client was answered up to 30 s past them. A tenth of
 * the header timeout, at most a second, keeps the answer close to them.
 */
function timeoutCheckInterval(headersTimeoutMs: number): number {
  return Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 10)));
}

/** What one request needs besides itself. */
export interface RequestScope {
  readonly options: GatewayOptions;
  readonly requestId: string;
  /** Aborted when the caller goes away before the answer. */
  readonly signal: AbortSignal;
}

/** The outcome of one request, for its log line. */
interface Outcome {
  failureCode?: string;
}

/**
 * Starts the REST gateway: each documented path becomes one RPC through
 * `transport`, plus the probes and JWKS of contract §8. No input yields
 * a 5xx unless the RPC itself answers SERVER_ERROR.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res, options).catch((error: unknown) => {
      options.logger.error({ err: error }, "gateway request failed unexpectedly");
      if (!res.headersSent) sendFailure(res, serverFailure());
      else res.destroy();
    });
  };
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const server = http.createServer(
    {
      headersTimeout,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: timeoutCheckInterval(headersTimeout),
    },
    onRequest,
  );
  // A client that waits for "100 Continue" is told to go on only if its
  // body may be read; an oversized one is refused before it is sent.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    if (!declaresTooLarge(req)) res.writeContinue();
    onRequest(req, res);
  });
  server.on("clientError", answerMalformed);

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  options.logger.info({ host: options.host, port }, "gateway listening");

  return { port, close: () => closeServer(server) };
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: GatewayOptions,
): Promise<void> {
  const started = performance.now();
  const requestId = acceptRequestId(firstHeader(req.headers[REQUEST_ID_HEADER]));
  res.setHeader(REQUEST_ID_HEADER, requestId);
  const aborter = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborter.abort(CLIENT_GONE);
  });
  const path = pathOf(req.url);
  const route = path === undefined ? undefined : ROUTES.get(path);
  const outcome: Outcome = {};

  res.once("finish", () => {
    options.logger.info(
      {
        method: req.method,
        path: route === undefined ? "(unknown)" : path,
        status: res.statusCode,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        request_id: requestId,
        failure_code: outcome.failureCode,
      },
      "http",
    );
  });

  const scope: RequestScope = { options, requestId, signal: aborter.signal };
  const failure = await dispatch(req, res, route, scope).catch(failureOf(options.logger));
  if (failure === undefined) return;

  outcome.failureCode = failure.code;
  if (!res.headersSent) sendFailure(res, failure);
}

/** Answers one request; a failure it answers with is returned, thrown or not. */
async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  route: Route | undefined,
  scope: RequestScope,
): Promise<HttpFailure | undefined> {
  if (route === undefined) {
    closeUnreadBody(req, res);
    return { code: "BAD_REQUEST", message: "there is no such path", httpStatus: 404 };
  }
  if (!methodAllowed(route, req.method)) {
    closeUnreadBody(req, res);
    res.setHeader("allow", route.method === "GET" ? "GET, HEAD" : "POST");
    const message = `this path takes ${route.method} only`;
    return { code: "BAD_REQUEST", message, httpStatus: 405 };
  }

  switch (route.kind) {
    case "rpc":
      return callRpc(req, res, route.rpc, scope);
    case "ping":
      closeUnreadBody(req, res);
      sendJson(res, 200, { status: "ok" });
      return undefined;
    case "alive":
      closeUnreadBody(req, res);
      sendJson(res, 200, { status: "alive" });
      return undefined;
    case "ready":
      closeUnreadBody(req, res);
      return checkReadiness(res, scope);
    case "jwks":
      closeUnreadBody(req, res);
      return listPublicKeys(res, scope);
  }
}

function methodAllowed(route: Route, method: string | undefined): boolean {
  return method === route.method || (route.method === "GET" && method === "HEAD");
}

/**
 * A body the gateway will not read is not drained either: the answer
 * closes the connection instead.
 */
function closeUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (hasBody(req)) res.setHeader("connection", "close");
}

/** The path of a request target; `undefined` when it cannot be parsed. */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? "/", "http://gateway.invalid").pathname;
  } catch {
    return undefined;
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Maps anything thrown while answering to the failure the caller gets. */
function failureOf(logger: Logger) {
  return (thrown: unknown): RpcFailure => {
    if (thrown instanceof IamError) return { code: thrown.code, message: thrown.message };
    if (thrown instanceof ConnectError) return failureFromConnectError(thrown);
    logger.error({ err: thrown }, "gateway request failed unexpectedly");
    return serverFailure();
  };
}

function serverFailure(): RpcFailure {
  return { code: "SERVER_ERROR", message: "the service could not complete the request" };
}

/**
 * Bytes that are not HTTP get the documented failure body too, never
 * Node's bare text; the connection is closed after it.
 */
function answerMalformed(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = MALFORMED_STATUS[error.code ?? ""] ?? 400;
  const body = JSON.stringify({
    failure_code: "BAD_REQUEST",
    failure_message: MALFORMED_MESSAGE[status] ?? "the request is not valid HTTP",
  });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
      "content-type: application/json; charset=utf-8\r\n" +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

/** Statuses Node itself would use for these parse failures. */
const MALFORMED_STATUS: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/** Messages for the statuses that are not about the request's syntax. */
const MALFORMED_MESSAGE: Readonly<Record<number, string>> = {
  408: "the request took too long to arrive",
  431: "the request headers are too large",
};

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 2_000);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
