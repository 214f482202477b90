import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, uniqueEmail } from "../../support/app.js";
import { register } from "../../support/registration.js";
import { post } from "../../support/rest.js";
import { elapsedMs, median } from "../../support/sign-in.js";

/** How long the slow webhook takes to accept a code: far above the service's own work. */
const DELIVERY_MS = 40;

describe("password recovery timing", () => {
  let webhook: Server;
  let service: TestApp;

  beforeAll(async () => {
    // A delivery that takes visible time, so that skipping it for an unknown
    // address would show in the answer time.
    webhook = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        setTimeout(() => {
          response.statusCode = 204;
          response.end();
        }, DELIVERY_MS);
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const { port } = webhook.address() as AddressInfo;
    service = await startTestApp({ IAM_NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${port}/codes` });
  });

  afterAll(async () => {
    await service?.stop();
    webhook?.closeAllConnections();
    await new Promise((resolve) => webhook?.close(resolve));
  });

  it("answers an address with no account in about the time of a known one", async () => {
    const known = uniqueEmail("timed");
    const registrar = await startTestApp();
    try {
      await register(registrar, known);
    } finally {
      await registrar.stop();
    }

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

    for (let i = 0; i < 5; i++) {
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
