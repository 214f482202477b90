import { isTrustedProxy, normalizeAddress } from "../src/rpc/client-address.js";

/**
 * The X-Forwarded-For the gateway sends to the RPC service: the chain it
 * received, followed by its own socket peer. A chain from a peer that is
 * not a trusted proxy is dropped here already, so that only what the RPC
 * side would believe travels on.
 */
export function forwardedChain(
  peer: string | undefined,
  received: string | undefined,
  trusted: readonly string[],
): string {
  const self = peer === undefined ? "" : (normalizeAddress(peer) ?? "");
  const chain = received?.trim() ?? "";
  if (self === "") return "";
  return isTrustedProxy(self, trusted) && chain !== "" ? `${chain}, ${self}` : self;
}
