import { describe, expect, it } from "vitest";
import {
  ARGON2_MEMORY_COST_KIB,
  ARGON2_PARALLELISM,
  ARGON2_TIME_COST,
  hashPassword,
  verifyAgainstDummy,
  verifyPassword,
} from "../../../src/identity/password-hash.js";

describe("hashPassword", () => {
  it("uses argon2id at the OWASP parameters", async () => {
    expect(ARGON2_MEMORY_COST_KIB).toBe(19_456);
    expect(ARGON2_TIME_COST).toBe(2);
    expect(ARGON2_PARALLELISM).toBe(1);
    const stored = await hashPassword("correct horse battery staple");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it("salts each hash", async () => {
    const first = await hashPassword("correct horse battery staple");
    const second = await hashPassword("correct horse battery staple");
    expect(first).not.toBe(second);
  });
});

describe("verifyPassword", () => {
  it("accepts the password a hash was made from", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyPassword(stored, "correct horse battery staple")).toBe(true);
  });

  it("answers false for a wrong password", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyPassword(stored, "correct horse battery stapler")).toBe(false);
    expect(await verifyPassword(stored, "Correct horse battery staple")).toBe(false);
  });

  it("treats NFKC spellings of a password as the same password", async () => {
    const stored = await hashPassword("ﬁsh-and-chips");
    expect(await verifyPassword(stored, "fish-and-chips")).toBe(true);
  });

  it.each([
    ["an empty hash", ""],
    ["plain text", "not a hash"],
    ["a bcrypt hash", "$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"],
    ["a truncated argon2 hash", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ"],
    ["a hash with broken base64", "$argon2id$v=19$m=19456,t=2,p=1$!!!!$@@@@"],
  ])("answers false, without throwing, for %s", async (_name, stored) => {
    await expect(verifyPassword(stored, "correct horse battery staple")).resolves.toBe(false);
  });
});

describe("verifyAgainstDummy", () => {
  it("always answers false", async () => {
    expect(await verifyAgainstDummy("correct horse battery staple")).toBe(false);
    expect(await verifyAgainstDummy("")).toBe(false);
  });

  it("costs about what a real verification costs", async () => {
    const stored = await hashPassword("correct horse battery staple");
    await verifyAgainstDummy("warm-up");

    const real = await timed(() => verifyPassword(stored, "wrong password"));
    const dummy = await timed(() => verifyAgainstDummy("wrong password"));

    expect(dummy).toBeGreaterThan(real / 4);
    expect(dummy).toBeLessThan(real * 4);
  });
});

async function timed(run: () => Promise<unknown>): Promise<number> {
  const rounds = 5;
  const started = performance.now();
  for (let round = 0; round < rounds; round += 1) await run();
  return (performance.now() - started) / rounds;
}
