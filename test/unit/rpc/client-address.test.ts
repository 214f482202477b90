import { describe, expect, it } from "vitest";
import {
  isTrustedProxy,
  normalizeAddress,
  resolveClientAddress,
  UNKNOWN_CLIENT,
} from "../../../src/rpc/client-address.js";

const PROXIES = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"];

describe("resolveClientAddress", () => {
  it("answers an untrusted peer and ignores its X-Forwarded-For", () => {
    expect(resolveClientAddress("203.0.113.5", "198.51.100.1", PROXIES)).toBe("203.0.113.5");
  });

  it("answers the peer when nothing is trusted", () => {
    expect(resolveClientAddress("10.1.2.3", "198.51.100.1", [])).toBe("10.1.2.3");
  });

  it("believes X-Forwarded-For from a trusted peer", () => {
    expect(resolveClientAddress("10.1.2.3", "198.51.100.1", PROXIES)).toBe("198.51.100.1");
  });

  it("takes the right-most address that is not a trusted proxy", () => {
    const chain = "1.1.1.1, 198.51.100.1, 10.9.9.9, 192.0.2.7";
    expect(resolveClientAddress("10.1.2.3", chain, PROXIES)).toBe("198.51.100.1");
  });

  it("cannot be fooled by addresses the client prepends", () => {
    const chain = "10.0.0.1, 198.51.100.1";
    expect(resolveClientAddress("10.1.2.3", chain, PROXIES)).toBe("198.51.100.1");
  });

  it("answers the left-most hop when every hop is trusted", () => {
    expect(resolveClientAddress("10.1.2.3", "10.0.0.9, 192.0.2.7", PROXIES)).toBe("10.0.0.9");
  });

  it("answers the trusted peer when there is no X-Forwarded-For", () => {
    expect(resolveClientAddress("10.1.2.3", undefined, PROXIES)).toBe("10.1.2.3");
    expect(resolveClientAddress("10.1.2.3", "", PROXIES)).toBe("10.1.2.3");
  });

  it("stops at a malformed hop and answers the nearest trusted one", () => {
    expect(resolveClientAddress("10.1.2.3", "198.51.100.1, garbage", PROXIES)).toBe("10.1.2.3");
    expect(resolveClientAddress("10.1.2.3", "garbage, 10.0.0.5", PROXIES)).toBe("10.0.0.5");
  });

  it("normalises IPv4-mapped IPv6 peers and hops", () => {
    expect(resolveClientAddress("::ffff:10.1.2.3", "::ffff:198.51.100.1", PROXIES)).toBe(
      "198.51.100.1",
    );
    expect(resolveClientAddress("::ffff:203.0.113.5", undefined, PROXIES)).toBe("203.0.113.5");
  });

  it("matches IPv6 CIDRs and lower-cases IPv6", () => {
    expect(resolveClientAddress("2001:DB8::1", "2001:DB9::AB", PROXIES)).toBe("2001:db9::ab");
  });

  it("strips ports and brackets that some proxies write", () => {
    expect(resolveClientAddress("10.1.2.3", "198.51.100.1:5555", PROXIES)).toBe("198.51.100.1");
    expect(resolveClientAddress("10.1.2.3", "[2001:db9::1]:443", PROXIES)).toBe("2001:db9::1");
  });

  it("treats an in-process call as a trusted peer", () => {
    expect(resolveClientAddress(undefined, "198.51.100.1", [])).toBe("198.51.100.1");
    expect(resolveClientAddress(undefined, "198.51.100.1, 10.0.0.1", PROXIES)).toBe("198.51.100.1");
  });

  it("answers unknown for an in-process call that names no one", () => {
    expect(resolveClientAddress(undefined, undefined, PROXIES)).toBe(UNKNOWN_CLIENT);
    expect(resolveClientAddress(undefined, "nonsense", PROXIES)).toBe(UNKNOWN_CLIENT);
  });

  it("skips malformed trusted entries instead of throwing", () => {
    expect(resolveClientAddress("10.1.2.3", "198.51.100.1", ["nonsense", "10.0.0.0/99"])).toBe(
      "10.1.2.3",
    );
  });
});

describe("isTrustedProxy", () => {
  it("matches single addresses and IPv4-mapped CIDRs", () => {
    expect(isTrustedProxy("192.0.2.7", PROXIES)).toBe(true);
    expect(isTrustedProxy("192.0.2.8", PROXIES)).toBe(false);
    expect(isTrustedProxy("10.200.0.1", ["::ffff:10.0.0.0/104"])).toBe(true);
  });
});

describe("normalizeAddress", () => {
  it("drops zone ids and refuses what is not an address", () => {
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeAddress("localhost")).toBeUndefined();
  });
});
