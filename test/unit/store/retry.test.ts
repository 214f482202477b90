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

  it("gives up after three runs, throwing the last failure", async () => {
    let runs = 0;
    const work = async () => {
      runs += 1;
      throw withState("40P01");
    };

    await expect(retryOnConflict(work)).rejects.toMatchObject({ code: "40P01" });
    expect(runs).toBe(3);
  });

  it("throws any other failure at once", async () => {
    let runs = 0;
    const work = async () => {
      runs += 1;
      throw withState("23505");
    };

    await expect(retryOnConflict(work)).rejects.toMatchObject({ code: "23505" });
    expect(runs).toBe(1);
  });
});
