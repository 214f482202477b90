import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, uniqueEmail } from "../../support/app.js";
import { register } from "../../support/registration.js";
import { post } from "../../support/rest.js";
import { elapsedMs, median } from "../../support/sign-in.js";

describe("password recovery timing", () => {
  let service: TestApp;

  beforeAll(async () => {
    service = await startTestApp();
  });

  afterAll(async () => {
    await service?.stop();
  });

  it("answers an address with no account in about the time of a known one", async () => {
    const known = uniqueEmail("timed");
    await register(service, known);

    /** Times `affirmation/init` alone, in a flow of its own. */
    async function nameAddress(value: string): Promise<number> {
      const init = await post(service.httpUrl, "/recovery/password/reset/init");
      let status = 0;
      const ms = await elapsedMs(async () => {
        const answer = await post(service.httpUrl, "/recovery/password/reset/affirmation/init", {
          reset_password_token: init.body.reset_password_token,
          action: "email",
          value,
        });
        status = answer.status;
      });
      expect(status).toBe(200);
      return ms;
    }

    for (let i = 0; i < 3; i++) {
      await nameAddress(known);
      await nameAddress(uniqueEmail("warm"));
    }
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      knownTimes.push(await nameAddress(known));
      unknownTimes.push(await nameAddress(uniqueEmail("stranger")));
    }

    const medians = [median(knownTimes), median(unknownTimes)];
    const [slow = 0, fast = 0] = [...medians].sort((a, b) => b - a);
    expect(slow, `medians known ${medians[0]} / unknown ${medians[1]} ms`).toBeLessThan(2 * fast);
  });
});
