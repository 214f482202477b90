import { randomUUID } from "node:crypto";
import { createContextKey, type Interceptor } from "@connectrpc/connect";
import { resolveClientAddress, UNKNOWN_CLIENT } from "./client-address.js";

/**
 * The remote address of the connection a call arrived on. The listener
 * sets it from the socket; it stays `undefined` for in-process calls
 * (the co-located gateway), which are therefore treated as trusted.
 */
export const peerAddressKey = createContextKey<string | undefined>(undefined, {
  description: "remote address of the connection",
});

/** The client's address after the trusted-proxy rules (contract §4). */
export const clientAddressKey = createContextKey<string>(UNKNOWN_CLIENT, {
  description: "client address",
});

/** The request id: the caller's `x-request-id` when well formed, else a new one. */
export const requestIdKey = createContextKey<string>("", { description: "request id" });

/** The header that carries the request id in both directions. */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * How many (peer, X-Forwarded-For) pairs keep their resolved client address.
 * Resolving checks each hop against the trusted proxies, which allocates;
 * a busy client sends the same pair again and again. The memo is dropped
 * whole when full, so it never grows past this.
 */
const RESOLVED_ADDRESSES_KEPT = 4096;

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is safe to log and echo, else a fresh UUID. */
export function acceptRequestId(candidate: string | null | undefined): string {
  return candidate != null && REQUEST_ID_PATTERN.test(candidate) ? candidate : randomUUID();
}

/**
 * Sets `requestIdKey` and `clientAddressKey` for every call. It must run
 * first so that the other interceptors and the handlers can read them.
 */
export function requestContextInterceptor(trustedProxies: readonly string[]): Interceptor {
  const resolved = new Map<string, string>();
  const clientAddress = (peer: string | undefined, forwardedFor: string | undefined) => {
    const key = `${peer ?? ""}\u0000${forwardedFor ?? ""}`;
    let address = resolved.get(key);
    if (address === undefined) {
      address = resolveClientAddress(peer, forwardedFor, trustedProxies);
      if (resolved.size >= RESOLVED_ADDRESSES_KEPT) resolved.clear();
      resolved.set(key, address);
    }
    return address;
  };

  return (next) => async (req) => {
    const peer = req.contextValues.get(peerAddressKey);
    const forwardedFor = req.header.get("x-forwarded-for") ?? undefined;
    req.contextValues.set(clientAddressKey, clientAddress(peer, forwardedFor));
    req.contextValues.set(requestIdKey, acceptRequestId(req.header.get(REQUEST_ID_HEADER)));

    return next(req);
  };
}
