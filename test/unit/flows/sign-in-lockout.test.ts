import { afterEach, describe, expect, it } from "vitest";
import { IamError } from "../../../src/errors.js";
import { type Reservation, SignInLockout } from "../../../src/flows/sign-in-lockout.js";
import { createMemoryStore } from "../../../src/store/kv/memory-store.js";

const MAX_FAILURES = 3;

describe("SignInLockout", () => {
  const kv = createMemoryStore();
  const lockout = new SignInLockout(kv, { maxFailures: MAX_FAILURES, lockoutSeconds: 60 });

  afterEach(async () => {
    await lockout.clear("email", "ada@example.com");
  });

  /** Reserves and fails one evaluation, answering the reservation. */
  async function failOnce(): Promise<Reservation> {
    const reservation = await lockout.reserve("email", "ada@example.com");
    await lockout.failed(reservation);
    return reservation;
  }

  it("locks after the last allowed failure and refuses with FORBIDDEN", async () => {
    for (let i = 0; i < MAX_FAILURES; i++) await failOnce();

    const refused = await lockout.reserve("email", "ada@example.com").catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(IamError);
    expect((refused as IamError).code).toBe("FORBIDDEN");
  });

  it("counts no failure for attempts refused while locked", async () => {
    let last: Reservation | undefined;
    for (let i = 0; i < MAX_FAILURES; i++) last = await failOnce();

    for (let i = 0; i < 5; i++) {
      await expect(lockout.reserve("email", "ada@example.com")).rejects.toThrow();
    }

    const counter = await kv.peekCounter((last as Reservation).failuresKey);
    expect(counter.count).toBe(MAX_FAILURES);
  });

  it("gives a right password's reservation back", async () => {
    await failOnce();
    const right = await lockout.reserve("email", "ada@example.com");
    await lockout.succeeded(right);

    expect((await kv.peekCounter(right.failuresKey)).count).toBe(1);
  });

  it("refuses evaluations over the limit for a second, and counts none of them", async () => {
    const inFlight = await Promise.all(
      Array.from({ length: MAX_FAILURES }, () => lockout.reserve("email", "ada@example.com")),
    );

    const refused = await lockout.reserve("email", "ada@example.com").catch((e: unknown) => e);

    expect(refused).toMatchObject({ code: "FORBIDDEN", retryAfterSeconds: 1 });
    const key = (inFlight[0] as Reservation).failuresKey;
    expect((await kv.peekCounter(key)).count).toBe(MAX_FAILURES);
    for (const reservation of inFlight) await lockout.succeeded(reservation);
    expect((await kv.peekCounter(key)).count).toBe(0);
  });
});
