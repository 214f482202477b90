import { describe, expect, it } from "vitest";
import { FlowStore } from "../../../src/flows/flow-token.js";
import { generateCode, hashCode } from "../../../src/flows/one-time-code.js";
import { createMemoryStore } from "../../../src/store/kv/memory-store.js";

describe("FlowStore", () => {
  it("binds a token to its flow kind", async () => {
    const flows = new FlowStore(createMemoryStore(), 60);
    const started = await flows.start("recovery", ["email"], {});

    await expect(flows.open(started.token, "registration")).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(flows.open(started.token, "recovery")).resolves.toMatchObject({
      flow: { kind: "recovery", required: ["email"] },
    });
  });

  it("answers EXPIRED past the lifetime and UNAUTHORIZED for unknown tokens", async () => {
    let now = Date.now();
    const flows = new FlowStore(createMemoryStore(), 60, () => now);
    const started = await flows.start("registration", ["email"], {});

    now += 61_000;

    await expect(flows.open(started.token, "registration")).rejects.toMatchObject({
      code: "EXPIRED",
    });
    await expect(flows.open("B".repeat(43), "registration")).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(flows.open("not a token", "registration")).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("lets exactly one of many parallel claims win", async () => {
    const flows = new FlowStore(createMemoryStore(), 60);
    const started = await flows.start("authentication", [], {});
    const loaded = await Promise.all(
      Array.from({ length: 10 }, () => flows.open(started.token, "authentication")),
    );

    const outcomes = await Promise.allSettled(loaded.map((flow) => flows.claim(flow)));

    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
  });

  it("forgets nothing when a claim is released", async () => {
    const flows = new FlowStore(createMemoryStore(), 60);
    const started = await flows.start("registration", [], { verified: ["x"] });
    const claimed = await flows.claim(await flows.open(started.token, "registration"));

    await flows.release(claimed);

    const reopened = await flows.open(started.token, "registration");
    expect(reopened.flow.state).toEqual({ verified: ["x"] });
  });
});

describe("one-time codes", () => {
  it("are digits of the asked length, leading zeros kept", () => {
    const codes = Array.from({ length: 2000 }, () => generateCode(6));

    expect(codes.every((code) => /^\d{6}$/.test(code))).toBe(true);
    expect(codes.some((code) => code.startsWith("0"))).toBe(true);
    expect(new Set(codes).size).toBeGreaterThan(1900);
  });

  it("hash differently for another flow or kind, so a code completes nothing else", () => {
    const base = hashCode("flow-a", "email", "123456");

    expect(hashCode("flow-a", "email", "123456")).toBe(base);
    expect(hashCode("flow-b", "email", "123456")).not.toBe(base);
    expect(hashCode("flow-a", "phone", "123456")).not.toBe(base);
    expect(base).not.toContain("123456");
  });
});
