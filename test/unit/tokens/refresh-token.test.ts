import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  hashRefreshToken,
  isWellFormedRefreshToken,
  newRefreshToken,
} from "../../../src/tokens/refresh-token.js";

describe("refresh tokens", () => {
  it("are 32 random bytes in unpadded base64url", () => {
    const { token } = newRefreshToken();

    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(isWellFormedRefreshToken(token)).toBe(true);
  });

  it("come with the SHA-256 hex hash the store keeps", () => {
    const { token, hash } = newRefreshToken();

    expect(hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(hashRefreshToken(token)).toBe(hash);
    expect(hash).not.toContain(token);
  });

  it("never repeat across ten thousand draws", () => {
    const tokens = new Set(Array.from({ length: 10_000 }, () => newRefreshToken().token));

    expect(tokens.size).toBe(10_000);
  });

  it("have each bit set about half the time, as a CSPRNG's output does", () => {
    const draws = 4_000;
    const ones = new Array<number>(256).fill(0);
    for (let i = 0; i < draws; i++) {
      const bytes = Buffer.from(newRefreshToken().token, "base64url");
      for (let bit = 0; bit < 256; bit++) {
        ones[bit] = (ones[bit] ?? 0) + (((bytes[bit >> 3] ?? 0) >> (bit & 7)) & 1);
      }
    }

    // Six standard deviations either side of draws / 2: a fair bit fails this about never.
    const spread = 6 * Math.sqrt(draws / 4);
    for (const count of ones) {
      expect(Math.abs(count - draws / 2)).toBeLessThan(spread);
    }
  });

  it("rejects strings of another shape before any lookup", () => {
    const { token } = newRefreshToken();

    for (const bad of ["", token.slice(1), `${token}=`, `${token.slice(1)}+`, " ".repeat(43)]) {
      expect(isWellFormedRefreshToken(bad)).toBe(false);
    }
  });

  it("hash different tokens differently", () => {
    expect(hashRefreshToken("a")).not.toBe(hashRefreshToken("b"));
  });
});
