import { describe, expect, it } from "vitest";
import { forwardedChain } from "../../../gateway/forwarded.js";

describe("forwardedChain", () => {
  it("sends only the peer when the peer is not a trusted proxy", () => {
    expect(forwardedChain("203.0.113.5", "6.6.6.6", [])).toBe("203.0.113.5");
  });

  it("appends the peer to the chain a trusted proxy sent", () => {
    expect(forwardedChain("10.0.0.2", "198.51.100.1", ["10.0.0.0/8"])).toBe(
      "198.51.100.1, 10.0.0.2",
    );
  });

  it("sends the trusted peer alone when it sent no chain", () => {
    expect(forwardedChain("10.0.0.2", undefined, ["10.0.0.0/8"])).toBe("10.0.0.2");
  });

  it("normalises an IPv4-mapped peer", () => {
    expect(forwardedChain("::ffff:203.0.113.5", undefined, [])).toBe("203.0.113.5");
  });

  it("sends nothing when the peer is unknown", () => {
    expect(forwardedChain(undefined, "6.6.6.6", [])).toBe("");
  });
});
