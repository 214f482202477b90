import { describe, expect, it } from "vitest";
import { retryOnConflict } from "../../../src/store/db/retry.js";

/** An error as the pg driver and MikroORM carry a SQLSTATE. */
const withState = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

describe("retryOnConflict", () => {
  it("runs a transaction again after a deadlock or a serialization failure", async () => {
    const failures = [withState("40P01"), withState("40001")];
    let runs = 0;

    const result = await retryOnConflict(async () => {
      runs += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return "done";
    });

    expect(result).toBe("done");
    expect(runs).toBe(3);
  });

  /** Runs retryOnConflict on work that always fails with `code`; answers the runs made. */
  async function runsUntilGivenUp(code: string): Promise<number> {
    let runs = 0;
    const work = async () => {
      runs += 1;
      throw withState(code);
    };

    await expect(retryOnConflict(work)).rejects.toMatchObject({ code });
    return runs;
  }

  it("gives up after three runs, throwing the last failure", async () => {
    expect(await runsUntilGivenUp("40P01")).toBe(3);
  });

  it("throws any other failure at once", async () => {
    expect(await runsUntilGivenUp("23505")).toBe(1);
  });
});
