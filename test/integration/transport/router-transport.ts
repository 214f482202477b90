import { type ConnectRouter, createRouterTransport, type Transport } from "@connectrpc/connect";
import type { InProcessOptions } from "../../../gateway/transport.js";
import { requestContextInterceptor } from "../../../src/rpc/context.js";
import { registerHealth } from "../../../src/rpc/health.js";

/** The previous in-process transport, kept here as the reference. */
export function routerTransport(
  routes: (router: ConnectRouter) => void,
  options: InProcessOptions = {},
): Transport {
  return createRouterTransport(
    (router) => {
      routes(router);
      if (options.readiness !== undefined) registerHealth(router, options.readiness);
    },
    {
      router: {
        interceptors: [
          requestContextInterceptor(options.trustedProxies ?? []),
          ...(options.interceptors ?? []),
        ],
      },
    },
  );
}
