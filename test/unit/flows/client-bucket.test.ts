import { describe, expect, it } from "vitest";
import { clientBucket } from "../../../src/flows/client-bucket.js";

describe("clientBucket", () => {
  it("keeps an IPv4 address as it is", () => {
    expect(clientBucket("203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts IPv6 addresses by their /64 network", () => {
    expect(clientBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientBucket("2001:db8::2")).toBe(clientBucket("2001:db8::1"));
    expect(clientBucket("2001:db8:0:0:ffff::9")).toBe(clientBucket("2001:db8::1"));
    expect(clientBucket("2001:db8:0:1::1")).not.toBe(clientBucket("2001:db8::1"));
  });

  it("gives one key to every spelling of an address", () => {
    expect(clientBucket("2001:DB8:0:0::1")).toBe(clientBucket("2001:db8::1"));
    expect(clientBucket("2001:0db8:0000:0000:0000:0000:0000:0001")).toBe(
      clientBucket("2001:db8::1"),
    );
    expect(clientBucket("::1")).toBe("0:0:0:0::/64");
    expect(clientBucket("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
  });
});
