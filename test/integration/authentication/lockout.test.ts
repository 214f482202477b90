import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KvBackend,
  startTestApp,
  type TestApp,
  uniqueEmail,
  useTestApp,
} from "../../support/app.js";
import { register } from "../../support/registration.js";
import { failureOf, type RestAnswer } from "../../support/rest.js";
import { REGISTERED_PASSWORD, startSignIn } from "../../support/sign-in.js";

const WRONG_PASSWORD = "not the password at all";

/** Expects a lockout answer whose Retry-After lies within the configured lockout. */
function expectLockedOut(answer: RestAnswer, lockoutSeconds: number): void {
  expect(failureOf(answer)).toEqual({ status: 403, code: "FORBIDDEN" });
  const retryAfter = Number(answer.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(lockoutSeconds);
}

describe("sign-in lockout after repeated failures", () => {
  const maxFailures = 3;
  const lockoutSeconds = 60;
  const service = useTestApp({
    IAM_LOGIN_MAX_FAILURES: String(maxFailures),
    IAM_LOGIN_LOCKOUT_SECONDS: String(lockoutSeconds),
  });

  async function failTimes(value: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      const answer = await startSignIn(service, value, WRONG_PASSWORD);
      expect(failureOf(answer), `failure ${i + 1}`).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
  }

  it("locks an address after the last allowed failure, even for the right password", async () => {
    const email = uniqueEmail("locked");
    await register(service, email);
    await failTimes(email, maxFailures);

    const right = await startSignIn(service, email, REGISTERED_PASSWORD);

    expectLockedOut(right, lockoutSeconds);
  });

  it("counts failures for the normalised address, however it is typed", async () => {
    const email = uniqueEmail("spelt");
    await register(service, email);
    await failTimes(email.toUpperCase(), 1);
    await failTimes(`  ${email} `, 1);
    await failTimes(email, maxFailures - 2);

    const right = await startSignIn(service, ` ${email.toUpperCase()}`, REGISTERED_PASSWORD);

    expectLockedOut(right, lockoutSeconds);
  });

  it("locks an address that belongs to no account the same way", async () => {
    const nobody = uniqueEmail("nobody");
    await failTimes(nobody, maxFailures);

    const next = await startSignIn(service, nobody, WRONG_PASSWORD);

    expectLockedOut(next, lockoutSeconds);
  });

  it("locks only the address that failed", async () => {
    const locked = uniqueEmail("victim");
    const other = uniqueEmail("bystander");
    await register(service, locked);
    await register(service, other);
    await failTimes(locked, maxFailures);
    expectLockedOut(await startSignIn(service, locked, REGISTERED_PASSWORD), lockoutSeconds);

    const answer = await startSignIn(service, other, REGISTERED_PASSWORD);

    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  });

  it("does not count a right password as a failure", async () => {
    const email = uniqueEmail("mixed");
    await register(service, email);
    await failTimes(email, maxFailures - 1);

    const right = await startSignIn(service, email, REGISTERED_PASSWORD);
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    const wrong = await startSignIn(service, email, WRONG_PASSWORD);

    expect(failureOf(wrong)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });
});

describe.each<KvBackend>(["redis", "memory"])(
  "sign-in lockout under parallel load (%s store)",
  (backend) => {
    let service: TestApp;

    beforeAll(async () => {
      service = await startTestApp({ IAM_LOGIN_MAX_FAILURES: "10" }, backend);
    });

    afterAll(async () => {
      await service?.stop();
    });

    it("checks no more passwords than the limit when 30 wrong ones arrive at once", async () => {
      const email = uniqueEmail("storm");
      await register(service, email);

      const answers = await Promise.all(
        Array.from({ length: 30 }, () => startSignIn(service, email, WRONG_PASSWORD)),
      );

      const codes = answers.map((answer) => failureOf(answer).code);
      expect(codes.filter((code) => code === "UNAUTHORIZED")).toHaveLength(10);
      expect(codes.filter((code) => code === "FORBIDDEN")).toHaveLength(20);
    });
  },
);

describe("sign-in lockout lifetime", () => {
  const service = useTestApp({ IAM_LOGIN_MAX_FAILURES: "1", IAM_LOGIN_LOCKOUT_SECONDS: "1" });

  it("lets the right password in again once the lockout has passed", async () => {
    const email = uniqueEmail("patient");
    await register(service, email);
    await startSignIn(service, email, WRONG_PASSWORD);
    const locked = await startSignIn(service, email, REGISTERED_PASSWORD);
    expectLockedOut(locked, 1);

    await new Promise((resolve) => setTimeout(resolve, 1200));
    const later = await startSignIn(service, email, REGISTERED_PASSWORD);

    expect(later.status, JSON.stringify(later.body)).toBe(200);
  });
});

describe("sign-in lockout counts only checked passwords", () => {
  const service = useTestApp({
    IAM_LOGIN_MAX_FAILURES: "3",
    IAM_FLOWS_PER_CLIENT_PER_MINUTE: "3",
    IAM_TRUSTED_PROXIES: "127.0.0.1/32,::1/128",
  });

  /** Starts a sign-in as the client at `address`, behind the trusted local proxy. */
  async function signInFrom(address: string, email: string, secret: string) {
    const response = await fetch(`${service.httpUrl}/authentication/init`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address },
      body: JSON.stringify({ action: "email", value: email, secret }),
    });
    const body = (await response.json()) as { failure_code?: string; failure_message?: string };
    return { status: response.status, body };
  }

  it("ignores attempts refused by the client's flow limit", async () => {
    const email = uniqueEmail("crowded");
    await register(service, email);
    await signInFrom("198.51.100.10", email, WRONG_PASSWORD);
    await signInFrom("198.51.100.10", email, WRONG_PASSWORD);
    expect((await signInFrom("198.51.100.10", email, REGISTERED_PASSWORD)).status).toBe(200);

    const refused = await Promise.all(
      Array.from({ length: 10 }, () => signInFrom("198.51.100.10", email, WRONG_PASSWORD)),
    );

    expect(refused.map((answer) => answer.body.failure_message)).toEqual(
      refused.map(() => "too many flows started from this address"),
    );
    const other = await signInFrom("198.51.100.20", email, REGISTERED_PASSWORD);
    expect(other.status, JSON.stringify(other.body)).toBe(200);
  });

  it("lets parallel right passwords over the limit retry at once, and counts none", async () => {
    const email = uniqueEmail("family");
    await register(service, email);

    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        signInFrom(`198.51.100.${30 + i}`, email, REGISTERED_PASSWORD),
      ),
    );

    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(3);
    for (const answer of answers.filter((answer) => answer.status !== 200)) {
      expect(answer.body.failure_code).toBe("FORBIDDEN");
    }
    for (let i = 0; i < 2; i++) {
      const wrong = await signInFrom(`198.51.100.${50 + i}`, email, WRONG_PASSWORD);
      expect(wrong.status, `wrong password ${i + 1}`).toBe(401);
    }
    const right = await signInFrom("198.51.100.60", email, REGISTERED_PASSWORD);
    expect(right.status, JSON.stringify(right.body)).toBe(200);
  });
});
