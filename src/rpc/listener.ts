import http from "node:http";
import http2 from "node:http2";
import net, { type AddressInfo, type Socket } from "node:net";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ContextValues,
  createConnectRouter,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { Logger } from "../log.js";
import { UNKNOWN_CLIENT } from "./client-address.js";
import { peerAddressKey, requestContextInterceptor } from "./context.js";
import { type Readiness, registerHealth } from "./health.js";
import { ReplaySocket } from "./replay-socket.js";
import { sniff } from "./sniff.js";
import { dispatchInterceptor, rejectUndecodable } from "./undecodable.js";

/** A request as either server hands it over. */
export type RpcHttpRequest = http.IncomingMessage | http2.Http2ServerRequest;

/** A response as either server hands it over. */
export type RpcHttpResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Options of `startRpcServer`. */
export interface RpcServerOptions {
  readonly host: string;
  /** 0 picks a free port; the server reports the one it got. */
  readonly port: number;
  /** Registers the services; the health service is added when `readiness` is given. */
  readonly routes: (router: ConnectRouter) => void;
  /** Run after the request-context interceptor, in order (see `rpcInterceptors`). */
  readonly interceptors?: Interceptor[];
  /** CIDRs whose X-Forwarded-For is believed (IAM_TRUSTED_PROXIES). */
  readonly trustedProxies: readonly string[];
  /** Backs `grpc.health.v1.Health/Check`. */
  readonly readiness?: Readiness;
  /** Plain HTTP endpoints on the same port (such as /metrics): true when it answered. */
  readonly extraHttp?: (req: RpcHttpRequest, res: RpcHttpResponse) => boolean;
  readonly logger: Logger;
  /** How long `close` lets calls in flight finish before cutting them. */
  readonly shutdownGraceMs?: number;
  /** The largest request message read; larger ones are refused unread (default 64 KiB). */
  readonly maxMessageBytes?: number;
  /** An HTTP/2 session with no open stream for this long is closed with GOAWAY (default 60 s). */
  readonly http2IdleTimeoutMs?: number;
}

/** A running RPC server. */
export interface RpcServer {
  readonly port: number;
  /** Stops accepting, lets calls in flight finish (up to the grace), closes every connection. */
  close(): Promise<void>;
}

/** Contract §3: bodies over 64 KiB are refused without being parsed, on every port. */
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

/** A connection that has not said which protocol it speaks by then is dropped. */
const SNIFF_TIMEOUT_MS = 10_000;

/** How long an HTTP/2 session may stay open without a stream. */
const DEFAULT_HTTP2_IDLE_TIMEOUT_MS = 60_000;

/** HTTP/1.1 requests must send their headers, and all of themselves, within these. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Node checks those two timeouts on this interval (30 s by default, which
 * let a slow request live up to 30 s past them).
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * Serves Connect, gRPC and gRPC-Web on one port, over HTTP/2 without TLS
 * (prior knowledge) and over HTTP/1.1. Node's http2 server cannot take
 * HTTP/1.1 without TLS, so a plain TCP server reads each connection's
 * first bytes and hands it to an http2 or an http server.
 */
export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const handler = rpcHandler(options, (req) =>
    createContextValues().set(peerAddressKey, connections.peerOf(req) ?? UNKNOWN_CLIENT),
  );
  const onRequest = (req: RpcHttpRequest, res: RpcHttpResponse) => {
    if (answeredByExtra(options, req, res)) return;
    handler(req, res);
  };

  const h1 = http.createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    onRequest,
  );
  // The http server never listens itself; "listening" starts its own
  // connection tracking, which its request timeouts and close rely on.
  h1.emit("listening");
  const h2 = http2.createServer({}, onRequest);
  const connections: Connections = trackConnections(
    h2,
    options.logger,
    options.http2IdleTimeoutMs ?? DEFAULT_HTTP2_IDLE_TIMEOUT_MS,
  );
  const tcp = net.createServer((socket) => {
    connections.accept(socket);
    sniff(socket, SNIFF_TIMEOUT_MS, (protocol, head) => {
      connections.undecided.delete(socket);
      if (protocol === "h2") {
        connections.handOverH2(socket, () => h2.emit("connection", new ReplaySocket(socket, head)));
        return;
      }
      socket.unshift(head);
      h1.emit("connection", socket);
      socket.resume();
    });
  });

  const port = await listen(tcp, options.host, options.port);
  options.logger.info({ host: options.host, port }, "rpc server listening");

  return {
    port,
    close: () => shutDown(tcp, h1, connections, options.shutdownGraceMs ?? 2_000),
  };
}

/**
 * The Node request handler of the router: what `connectNodeAdapter` does,
 * with every RPC handler wrapped by `rejectUndecodable` and
 * `dispatchInterceptor` in front of the interceptors.
 */
function rpcHandler(
  options: RpcServerOptions,
  contextValues: (req: RpcHttpRequest) => ContextValues,
): (req: RpcHttpRequest, res: RpcHttpResponse) => void {
  const router = createConnectRouter({
    interceptors: [
      dispatchInterceptor(),
      requestContextInterceptor(options.trustedProxies),
      ...(options.interceptors ?? []),
    ],
    readMaxBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  options.routes(router);
  if (options.readiness !== undefined) registerHealth(router, options.readiness);
  const paths = new Map<string, UniversalHandler>(
    router.handlers.map((handler) => [
      handler.requestPath,
      rejectUndecodable(handler, options.logger),
    ]),
  );

  return (req, res) => {
    const handler = paths.get(req.url?.split("?", 2)[0] ?? "");
    if (handler === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    const request = universalRequestFromNodeRequest(req, res, undefined, contextValues(req));
    if (req instanceof http2.Http2ServerRequest) stopUnreadBody(req);
    handler(request)
      .then((response) => universalResponseToNodeResponse(response, res))
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code === Code.Aborted) return;
        const method = `${handler.service.typeName}/${handler.method.name}`;
        options.logger.error({ err: reason, method }, "rpc answer failed");
      });
  };
}

/**
 * An answer can be complete before the request is (a message over the
 * limit is refused without being read). Over HTTP/2 the stream would then
 * stay half open, the client blocked on flow control, until the session
 * ends; RST_STREAM with NO_ERROR after a complete answer tells the client
 * to stop sending (RFC 9113 §8.1). HTTP/1.1 deals with an unread body itself.
 *
 * The reset must follow the trailers onto the wire, or the client loses
 * the status: nghttp2 drops a stream's queued frames when it resets it.
 * "wantTrailers" runs after the response has queued them (its listener
 * was registered first); the stream's `localClose` turns 1 once they are
 * sent. A client that already finished its request needs no reset.
 */
function stopUnreadBody(req: http2.Http2ServerRequest): void {
  const stream = req.stream;
  const resetOnceAnswered = (turns: number) => {
    if (stream.closed || stream.destroyed || stream.state.remoteClose === 1) return;
    if (stream.state.localClose === 1) {
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
    } else if (turns < MAX_RESET_TURNS) {
      setImmediate(resetOnceAnswered, turns + 1);
    }
  };
  stream.once("wantTrailers", () => setImmediate(resetOnceAnswered, 0));
}

/** Event-loop turns to wait for an answer's last frame before giving up the reset. */
const MAX_RESET_TURNS = 100;

/** Lets `extraHttp` answer; if it throws, the caller gets a bare 500 and the server lives on. */
function answeredByExtra(options: RpcServerOptions, req: RpcHttpRequest, res: RpcHttpResponse) {
  try {
    return options.extraHttp?.(req, res) === true;
  } catch (error) {
    options.logger.error({ err: error, path: req.url }, "extra http handler failed");
    if (!res.headersSent) res.writeHead(500);
    res.end();
    return true;
  }
}

/** The open sockets and HTTP/2 sessions, so that `close` can end them. */
interface Connections {
  readonly sockets: Set<Socket>;
  /** Sockets whose first bytes have not arrived yet. */
  readonly undecided: Set<Socket>;
  readonly sessions: Set<http2.ServerHttp2Session>;
  accept(socket: Socket): void;
  /** Runs `emit`, which creates the session, remembering the socket's peer for it. */
  handOverH2(socket: Socket, emit: () => void): void;
  /** The remote address a request came from, for either server. */
  peerOf(req: RpcHttpRequest): string | undefined;
}

function trackConnections(
  h2: http2.Http2Server,
  logger: Logger,
  idleTimeoutMs: number,
): Connections {
  const sockets = new Set<Socket>();
  const undecided = new Set<Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  // An HTTP/2 session reads through a wrapper whose own socket knows no
  // address, so each session's peer is noted while the session is created.
  const peers = new WeakMap<http2.Http2Session, string | undefined>();
  let arriving: string | undefined;

  h2.on("session", (session) => {
    peers.set(session, arriving);
    sessions.add(session);
    const idle = closeWhenIdle(session, idleTimeoutMs);
    session.once("close", () => {
      idle.stop();
      sessions.delete(session);
    });
  });
  h2.on("sessionError", (error) => logger.debug({ err: error }, "http/2 session error"));

  return {
    sockets,
    undecided,
    sessions,
    accept(socket) {
      // Small RPC frames must not wait for Nagle's algorithm; the http2
      // server cannot set this itself through the replaying wrapper.
      socket.setNoDelay(true);
      sockets.add(socket);
      undecided.add(socket);
      socket.once("close", () => {
        sockets.delete(socket);
        undecided.delete(socket);
      });
      socket.on("error", (error) => logger.debug({ err: error }, "rpc connection error"));
    },
    handOverH2(socket, emit) {
      arriving = socket.remoteAddress;
      try {
        emit();
      } finally {
        arriving = undefined;
      }
    },
    peerOf(req) {
      if (req instanceof http.IncomingMessage) return req.socket.remoteAddress;
      const session = req.stream.session;
      return session === undefined ? undefined : peers.get(session);
    },
  };
}

/**
 * Closes the session (GOAWAY) once it has had no open stream for
 * `idleTimeoutMs`: a client that sends only the preface and SETTINGS, or
 * that stops calling, does not hold a connection forever. Node's own
 * session timeout counts any frame as activity, a PING included, and would
 * also cut a session whose one call is still running.
 */
function closeWhenIdle(session: http2.ServerHttp2Session, idleTimeoutMs: number) {
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => session.close(), idleTimeoutMs);
    timer.unref();
  };
  const disarm = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    open++;
    disarm();
    stream.once("close", () => {
      open--;
      if (open === 0 && !session.closed && !session.destroyed) arm();
    });
  });
  arm();
  return { stop: disarm };
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Sends GOAWAY to every HTTP/2 session and closes idle HTTP/1.1
 * connections as they become idle; whatever is still open after the
 * grace period is destroyed.
 */
function shutDown(
  tcp: net.Server,
  h1: http.Server,
  connections: Connections,
  graceMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => h1.closeIdleConnections(), 50);
    const force = setTimeout(() => {
      h1.closeAllConnections();
      for (const session of connections.sessions) session.destroy();
      for (const socket of connections.sockets) socket.destroy();
    }, graceMs);

    tcp.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    for (const session of connections.sessions) session.close();
    h1.close();
    for (const socket of connections.undecided) socket.destroy();
  });
}
