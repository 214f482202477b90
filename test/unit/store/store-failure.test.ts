import { describe, expect, it } from "vitest";
import { storeFailure } from "../../../src/store/db/errors.js";

describe("storeFailure", () => {
  it("keeps only the SQLSTATE and names of a failure the pg driver raised", () => {
    const raw = Object.assign(
      new Error("duplicate key value violates unique constraint, Key (token_hash)=(abc123)"),
      { code: "23505", table: "refresh_tokens", constraint: "refresh_tokens_token_hash_unique" },
    );

    const failure = storeFailure(raw);

    expect(failure.code).toBe("SERVER_ERROR");
    const cause = failure.cause as Error;
    expect(cause.message).toBe(
      "database error 23505 on refresh_tokens/refresh_tokens_token_hash_unique",
    );
    expect(JSON.stringify({ message: cause.message, stack: cause.stack })).not.toContain("abc123");
  });

  it("reports an unreachable database as unavailable", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
      code: "ECONNREFUSED",
    });

    expect(storeFailure(refused).code).toBe("SERVER_ERROR");
    expect(storeFailure(refused).message).not.toContain("127.0.0.1");
  });
});
