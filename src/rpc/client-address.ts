import { BlockList, isIP } from "node:net";

/** What `resolveClientAddress` answers when no address is known at all. */
export const UNKNOWN_CLIENT = "unknown";

/**
 * Finds the address of the client behind a request (contract §4).
 *
 * `peer` is the connection's remote address; `undefined` means an
 * in-process call with no socket, which is treated as a trusted peer so
 * the co-located gateway can forward its caller's address.
 * `X-Forwarded-For` counts only when the peer is trusted; then the chain
 * is walked from the right and the first address that is not itself a
 * trusted proxy is the client. Every hop examined was written by a
 * trusted party, so a malformed one means a broken proxy: the nearest
 * trusted hop is answered instead. When every hop is trusted, the
 * left-most one is the client.
 */
export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trusted: readonly string[],
): string {
  const proxies = trustedList(trusted);
  const peerAddress = peer === undefined ? undefined : normalizeAddress(peer);
  if (peer !== undefined && (peerAddress === undefined || !isTrusted(proxies, peerAddress))) {
    return peerAddress ?? peer.trim().toLowerCase();
  }

  let nearest = peerAddress;
  const hops = forwardedFor === undefined ? [] : forwardedFor.split(",");
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = normalizeAddress(stripPort(hops[index] ?? ""));
    if (hop === undefined) return nearest ?? UNKNOWN_CLIENT;
    if (!isTrusted(proxies, hop)) return hop;
    nearest = hop;
  }
  return nearest ?? UNKNOWN_CLIENT;
}

/** Whether an address lies in one of the trusted proxy CIDRs. */
export function isTrustedProxy(address: string, trusted: readonly string[]): boolean {
  const normalized = normalizeAddress(address);
  return normalized !== undefined && isTrusted(trustedList(trusted), normalized);
}

/**
 * Canonical text of an IP address, or `undefined` when the text is not
 * one. IPv4-mapped IPv6 addresses become plain IPv4, zone ids are dropped,
 * IPv6 is lower-cased.
 */
export function normalizeAddress(text: string): string | undefined {
  let address = text.trim().toLowerCase();
  const zone = address.indexOf("%");
  if (zone !== -1) address = address.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped?.[1] !== undefined) address = mapped[1];
  return isIP(address) === 0 ? undefined : address;
}

/** Drops a port or brackets some proxies add: `1.2.3.4:80`, `[::1]:80`, `[::1]`. */
function stripPort(hop: string): string {
  const text = hop.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4WithPort?.[1] ?? text;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/** Built lists, per configuration array: requests reuse the same array. */
const built = new WeakMap<readonly string[], BlockList>();

function trustedList(trusted: readonly string[]): BlockList {
  const cached = built.get(trusted);
  if (cached !== undefined) return cached;

  const list = new BlockList();
  for (const entry of trusted) addEntry(list, entry);
  built.set(trusted, list);
  return list;
}

/** Adds one CIDR or address; entries that are neither are skipped (config validates them). */
function addEntry(list: BlockList, entry: string): void {
  const [text = "", bits] = entry.trim().split("/");
  const address = normalizeAddress(text);
  if (address === undefined) return;

  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  const max = family === "ipv6" ? 128 : 32;
  const mappedShift = isIP(text.replace(/%.*$/, "")) === 6 && family === "ipv4" ? 96 : 0;
  const prefix = bits === undefined ? max : Number(bits) - mappedShift;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return;
  list.addSubnet(address, prefix, family);
}
