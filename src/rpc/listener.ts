import http from "node:http";
import http2 from "node:http2";
import net, { type AddressInfo, type Socket } from "node:net";
import { type ConnectRouter, createContextValues, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "../log.js";
import { UNKNOWN_CLIENT } from "./client-address.js";
import { peerAddressKey, requestContextInterceptor } from "./context.js";
import { type Readiness, registerHealth } from "./health.js";
import { ReplaySocket } from "./replay-socket.js";
import { sniff } from "./sniff.js";

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

/**
 * Serves Connect, gRPC and gRPC-Web on one port, over HTTP/2 without TLS
 * (prior knowledge) and over HTTP/1.1. Node's http2 server cannot take
 * HTTP/1.1 without TLS, so a plain TCP server reads each connection's
 * first bytes and hands it to an http2 or an http server.
 */
export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const handler = connectNodeAdapter({
    routes: (router) => {
      options.routes(router);
      if (options.readiness !== undefined) registerHealth(router, options.readiness);
    },
    interceptors: [
      requestContextInterceptor(options.trustedProxies),
      ...(options.interceptors ?? []),
    ],
    readMaxBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    contextValues: (req) =>
      createContextValues().set(peerAddressKey, connections.peerOf(req) ?? UNKNOWN_CLIENT),
  });
  const onRequest = (req: RpcHttpRequest, res: RpcHttpResponse) => {
    if (answeredByExtra(options, req, res)) return;
    handler(req, res);
  };

  const h1 = http.createServer(onRequest);
  h1.headersTimeout = 10_000;
  h1.requestTimeout = 30_000;
  // The http server never listens itself; "listening" starts its own
  // connection tracking, which its request timeouts and close rely on.
  h1.emit("listening");
  const h2 = http2.createServer({}, onRequest);
  const connections: Connections = trackConnections(h2, options.logger);
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

function trackConnections(h2: http2.Http2Server, logger: Logger): Connections {
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
    session.once("close", () => sessions.delete(session));
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
