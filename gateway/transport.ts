import type { ConnectRouter, Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { requestContextInterceptor } from "../src/rpc/context.js";
import { type Readiness, registerHealth } from "../src/rpc/health.js";
import { createInProcessTransport } from "./in-process.js";

/** Options of `inProcessTransport`. */
export interface InProcessOptions {
  /** The service's interceptors (`rpcInterceptors`), after the request-context one. */
  readonly interceptors?: Interceptor[];
  /** CIDRs applied to the X-Forwarded-For the gateway sends (IAM_TRUSTED_PROXIES). */
  readonly trustedProxies?: readonly string[];
  /** Backs the health service that GET /readyz asks; without it /readyz answers 503. */
  readonly readiness?: Readiness;
}

/**
 * Calls the services in this process: the gateway and the RPC handlers
 * share one process and no socket. The calls pass through the same
 * interceptors as network calls; having no socket, they count as coming
 * from a trusted proxy, so the gateway's X-Forwarded-For decides the
 * client address. The handlers are called directly, with the messages
 * passed through (see in-process.ts), not through Connect's router
 * transport and its serialisation.
 */
export function inProcessTransport(
  routes: (router: ConnectRouter) => void,
  options: InProcessOptions = {},
): Transport {
  return createInProcessTransport(
    (router) => {
      routes(router);
      if (options.readiness !== undefined) registerHealth(router, options.readiness);
    },
    [requestContextInterceptor(options.trustedProxies ?? []), ...(options.interceptors ?? [])],
  );
}

/** A transport to a remote RPC server, with a way to close its HTTP/2 session. */
export interface RemoteTransport extends Transport {
  /** Closes the HTTP/2 session; calls after this fail. */
  close(): void;
}

/**
 * Calls an RPC server elsewhere over the Connect protocol on HTTP/2
 * (h2c for `http:` URLs, TLS for `https:`), for a gateway that runs
 * alone. The RPC server must list this gateway's address in its
 * IAM_TRUSTED_PROXIES, or it ignores the forwarded client address.
 */
export function remoteTransport(rpcUrl: string): RemoteTransport {
  const sessionManager = new Http2SessionManager(rpcUrl, {
    pingIntervalMs: 30_000,
    idleConnectionTimeoutMs: 60_000,
  });
  const transport = createConnectTransport({
    baseUrl: rpcUrl,
    httpVersion: "2",
    useBinaryFormat: true,
    sessionManager,
  });
  return {
    unary: (...args) => transport.unary(...args),
    stream: (...args) => transport.stream(...args),
    close: () => sessionManager.abort(),
  };
}
