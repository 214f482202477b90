import { describe, expect, it } from "vitest";
import { ClaimBatcher } from "../../../src/store/db/claim-batcher.js";

/** A statement that answers when the test says so, recording what it carried. */
function controlledStatements() {
  const batches: string[][] = [];
  const finish: (() => void)[] = [];
  const claimAll = (requests: ReadonlyMap<string, number>) => {
    batches.push([...requests.keys()]);
    return new Promise<ReadonlyMap<string, number>>((resolve) => {
      finish.push(() => resolve(new Map(requests)));
    });
  };
  const finishNext = async () => {
    finish.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batches, claimAll, finishNext };
}

describe("ClaimBatcher", () => {
  it("sends a lone claim at once, alone", async () => {
    const statements = controlledStatements();
    const batcher = new ClaimBatcher(statements.claimAll, { maxInFlight: 1, maxBatch: 8 });

    const claim = batcher.claim("a", 1);

    expect(statements.batches).toEqual([["a"]]);
    await statements.finishNext();
    await expect(claim).resolves.toBe(1);
  });

  it("sends the claims that arrive meanwhile together, in arrival order", async () => {
    const statements = controlledStatements();
    const batcher = new ClaimBatcher(statements.claimAll, { maxInFlight: 1, maxBatch: 8 });

    const claims = ["a", "b", "c", "d"].map((key, i) => batcher.claim(key, i));
    await statements.finishNext();
    await statements.finishNext();

    expect(statements.batches).toEqual([["a"], ["b", "c", "d"]]);
    await expect(Promise.all(claims)).resolves.toEqual([0, 1, 2, 3]);
  });

  it("never puts one key twice in a statement, so one claim of it at most wins", async () => {
    const statements = controlledStatements();
    const batcher = new ClaimBatcher(statements.claimAll, { maxInFlight: 1, maxBatch: 8 });

    const claims = ["x", "x", "y", "x"].map((key, i) => batcher.claim(key, i));
    for (let i = 0; i < 4; i++) await statements.finishNext();

    expect(statements.batches).toEqual([["x"], ["x", "y"], ["x"]]);
    await expect(Promise.all(claims)).resolves.toEqual([0, 1, 2, 3]);
  });

  it("keeps to maxBatch and maxInFlight", async () => {
    const statements = controlledStatements();
    const batcher = new ClaimBatcher(statements.claimAll, { maxInFlight: 2, maxBatch: 2 });

    const claims = ["a", "b", "c", "d", "e", "f"].map((key, i) => batcher.claim(key, i));
    expect(statements.batches).toEqual([["a"], ["b"]]);
    for (let i = 0; i < 4; i++) await statements.finishNext();

    expect(statements.batches).toEqual([["a"], ["b"], ["c", "d"], ["e", "f"]]);
    await expect(Promise.all(claims)).resolves.toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("fails every claim of a failed statement and goes on with the next", async () => {
    let calls = 0;
    const batcher = new ClaimBatcher<string, string>(
      async (requests) => {
        calls += 1;
        if (calls === 1) throw new Error("database down");
        return new Map([...requests].filter(([key]) => key !== "gone"));
      },
      { maxInFlight: 1, maxBatch: 8 },
    );

    const first = batcher.claim("a", "A");
    const later = [batcher.claim("b", "B"), batcher.claim("gone", "G")];

    await expect(first).rejects.toThrow("database down");
    await expect(Promise.all(later)).resolves.toEqual(["B", undefined]);
  });

  it("tries each claim of a failed shared statement alone: one failure stays its own", async () => {
    const statements: string[][] = [];
    const batcher = new ClaimBatcher<string, string>(
      async (requests) => {
        const keys = [...requests.keys()];
        statements.push(keys);
        if (keys.includes("poison")) throw new Error("bad claim");
        return new Map(requests);
      },
      { maxInFlight: 1, maxBatch: 8 },
    );

    const first = batcher.claim("a", "A");
    const shared = ["b", "poison", "c"].map((key) => batcher.claim(key, key.toUpperCase()));
    const outcomes = await Promise.allSettled([first, ...shared]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect(statements).toEqual([["a"], ["b", "poison", "c"], ["b"], ["poison"], ["c"]]);
  });
});
