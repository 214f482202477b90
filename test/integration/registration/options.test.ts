import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, uniqueEmail, useTestApp } from "../../support/app.js";
import { failureOf, post } from "../../support/rest.js";

/** A siteverify-style captcha endpoint that accepts the response "pass". */
async function startCaptchaVerifier(): Promise<{
  url: string;
  seen: URLSearchParams[];
  server: Server;
}> {
  const seen: URLSearchParams[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const form = new URLSearchParams(body);
      seen.push(form);
      const success = form.get("secret") === "captcha-secret" && form.get("response") === "pass";
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ success }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/siteverify`, seen, server };
}

describe("registration with e-mail and phone", () => {
  const service = useTestApp({ IAM_REGISTRATION_IDENTIFIERS: "email,phone" });

  it("proves both identifiers in order, masking each destination", async () => {
    const email = uniqueEmail("both");
    // A mobile number reserved for fiction; the run's database is new, so it is free.
    const phone = "+61491570006";
    const init = await post(service.httpUrl, "/registration/init");
    const token = init.body.registration_token;
    expect(init.body.required_actions).toEqual(["email", "phone"]);

    const phoneFirst = await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: token,
      action: "phone",
      value: phone,
    });
    expect(failureOf(phoneFirst)).toEqual({ status: 403, code: "FORBIDDEN" });

    const byMail = await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: token,
      action: "email",
      value: email,
    });
    expect(byMail.body.required_actions).toEqual(["email_code", "phone"]);
    const mailDone = await post(service.httpUrl, "/registration/affirmation/complete", {
      registration_token: token,
      action: "email_code",
      value: service.receiver.lastCodeFor(email),
    });
    expect(mailDone.body.required_actions).toEqual(["phone"]);

    const spaced = "+61 491 570 006";
    const byPhone = await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: token,
      action: "phone",
      value: spaced,
    });
    expect(byPhone.status).toBe(200);
    expect(byPhone.body.mask).toBe("+61 *** *** 006");
    expect(service.receiver.received.at(-1)).toMatchObject({ channel: "phone", to: phone });
    const phoneDone = await post(service.httpUrl, "/registration/affirmation/complete", {
      registration_token: token,
      action: "phone_code",
      value: service.receiver.lastCodeFor(phone),
    });
    expect(phoneDone.body.required_actions).toEqual([]);

    const done = await post(service.httpUrl, "/registration/complete", {
      registration_token: token,
      secret: "a long and unusual passphrase",
    });
    expect(done.status).toBe(200);
  });

  it("refuses numbers that cannot receive a text message", async () => {
    const email = uniqueEmail("tel");
    const init = await post(service.httpUrl, "/registration/init");
    const token = init.body.registration_token;
    await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: token,
      action: "email",
      value: email,
    });
    await post(service.httpUrl, "/registration/affirmation/complete", {
      registration_token: token,
      action: "email_code",
      value: service.receiver.lastCodeFor(email),
    });

    for (const value of ["+44 7700 900123", "+1 800 555 0100", "12345", "not a number"]) {
      const answer = await post(service.httpUrl, "/registration/affirmation/init", {
        registration_token: token,
        action: "phone",
        value,
      });
      expect(failureOf(answer), value).toEqual({ status: 400, code: "VALIDATION_ERROR" });
    }
  });
});

describe("registration with a captcha", () => {
  let service: TestApp;
  let verifier: Awaited<ReturnType<typeof startCaptchaVerifier>>;

  beforeAll(async () => {
    verifier = await startCaptchaVerifier();
    service = await startTestApp({
      IAM_CAPTCHA_VERIFY_URL: verifier.url,
      IAM_CAPTCHA_SECRET: "captcha-secret",
    });
  });

  afterAll(async () => {
    await service?.stop();
    verifier?.server.close();
  });

  it("answers CAPTCHA_FAILED for a missing or rejected captcha, sending nothing", async () => {
    const email = uniqueEmail("bot");
    const init = await post(service.httpUrl, "/registration/init");
    const base = {
      registration_token: init.body.registration_token,
      action: "email",
      value: email,
    };

    const missing = await post(service.httpUrl, "/registration/affirmation/init", base);
    const rejected = await post(service.httpUrl, "/registration/affirmation/init", {
      ...base,
      captcha: "fail",
    });

    expect(failureOf(missing)).toEqual({ status: 400, code: "CAPTCHA_FAILED" });
    expect(failureOf(rejected)).toEqual({ status: 400, code: "CAPTCHA_FAILED" });
    expect(service.receiver.countFor(email)).toBe(0);
  });

  it("sends the secret, the response and the client address, and accepts success", async () => {
    const email = uniqueEmail("human");
    const init = await post(service.httpUrl, "/registration/init");

    const accepted = await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: init.body.registration_token,
      action: "email",
      value: email,
      captcha: "pass",
    });

    expect(accepted.status).toBe(200);
    const form = verifier.seen.at(-1);
    expect(form?.get("secret")).toBe("captcha-secret");
    expect(form?.get("response")).toBe("pass");
    expect(form?.get("remoteip")).toBe("127.0.0.1");
  });

  it("fails closed when the verifier cannot be reached", async () => {
    const closed = await startTestApp({
      IAM_CAPTCHA_VERIFY_URL: "http://127.0.0.1:9/siteverify",
      IAM_CAPTCHA_SECRET: "captcha-secret",
    });
    try {
      const init = await post(closed.httpUrl, "/registration/init");
      const answer = await post(closed.httpUrl, "/registration/affirmation/init", {
        registration_token: init.body.registration_token,
        action: "email",
        value: uniqueEmail("closed"),
        captcha: "pass",
      });
      expect(failureOf(answer)).toEqual({ status: 400, code: "CAPTCHA_FAILED" });
    } finally {
      await closed.stop();
    }
  });
});
