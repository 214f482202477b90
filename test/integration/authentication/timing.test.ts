import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, uniqueEmail } from "../../support/app.js";
import { register } from "../../support/registration.js";
import { failureOf } from "../../support/rest.js";
import { elapsedMs, median, startSignIn } from "../../support/sign-in.js";

const WRONG_PASSWORD = "not the password at all";

describe("sign-in timing", () => {
  let service: TestApp;

  beforeAll(async () => {
    // Lockout would turn the later wrong passwords into quick refusals.
    service = await startTestApp({ IAM_LOGIN_MAX_FAILURES: "1000" });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it("refuses an unknown address in about the time of a wrong password", async () => {
    const known = uniqueEmail("timed");
    await register(service, known);

    async function refusal(value: string): Promise<number> {
      let code: string | undefined;
      const ms = await elapsedMs(async () => {
        code = failureOf(await startSignIn(service, value, WRONG_PASSWORD)).code;
      });
      expect(code).toBe("UNAUTHORIZED");
      return ms;
    }

    for (let i = 0; i < 3; i++) {
      await refusal(known);
      await refusal(uniqueEmail("warm"));
    }
    const wrongPassword: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      wrongPassword.push(await refusal(known));
      unknown.push(await refusal(uniqueEmail("stranger")));
    }

    const [slow, fast] = [median(wrongPassword), median(unknown)].sort((a, b) => b - a);
    expect(slow, `medians ${median(wrongPassword)} / ${median(unknown)} ms`).toBeLessThan(
      2 * (fast ?? 0),
    );
  });
});
