import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, uniqueEmail, useTestApp } from "../../support/app.js";
import { register } from "../../support/registration.js";
import { failureOf, post } from "../../support/rest.js";
import {
  REGISTERED_PASSWORD,
  registerByPhone,
  startSignIn,
  uniquePhone,
} from "../../support/sign-in.js";

describe("sign-in with the second factor off", () => {
  const service = useTestApp({ IAM_LOGIN_SECOND_FACTOR: "off" });

  it("issues tokens right after the password, with amr pwd", async () => {
    const email = uniqueEmail("single");
    await register(service, email);
    const sentBefore = service.receiver.received.length;

    const init = await startSignIn(service, email, REGISTERED_PASSWORD);
    expect(init.status).toBe(200);
    expect(init.body.required_actions).toEqual([]);
    const done = await post(service.httpUrl, "/authentication/complete", {
      auth_token: init.body.auth_token,
    });

    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(decodeJwt(done.body.access_token).amr).toEqual(["pwd"]);
    expect(service.receiver.received.length).toBe(sentBefore);
  });

  it("answers FORBIDDEN when a code is asked for though none is owed", async () => {
    const email = uniqueEmail("no-code");
    await register(service, email);
    const init = await startSignIn(service, email, REGISTERED_PASSWORD);

    const affirm = await post(service.httpUrl, "/authentication/affirmation/init", {
      auth_token: init.body.auth_token,
      action: "email",
    });

    expect(failureOf(affirm)).toEqual({ status: 403, code: "FORBIDDEN" });
  });
});

describe("sign-in with a phone number", () => {
  const service = useTestApp({ IAM_REGISTRATION_IDENTIFIERS: "phone" });

  it("owes a phone code and texts it to the stored number", async () => {
    const phone = uniquePhone();
    await registerByPhone(service, phone.e164);

    const init = await startSignIn(service, phone.spaced, REGISTERED_PASSWORD, "phone");
    expect(init.status, JSON.stringify(init.body)).toBe(200);
    expect(init.body.required_actions).toEqual(["phone"]);
    const token: string = init.body.auth_token;
    const affirm = await post(service.httpUrl, "/authentication/affirmation/init", {
      auth_token: token,
      action: "phone",
    });
    expect(affirm.body.required_actions).toEqual(["phone_code"]);
    expect(affirm.body.mask).toBe(`+61 *** *** ${phone.e164.slice(-3)}`);
    const delivered = service.receiver.received.at(-1);
    expect(delivered).toMatchObject({
      channel: "phone",
      to: phone.e164,
      purpose: "authentication",
    });
    await post(service.httpUrl, "/authentication/affirmation/complete", {
      auth_token: token,
      action: "phone_code",
      value: delivered?.code,
    });
    const done = await post(service.httpUrl, "/authentication/complete", { auth_token: token });

    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(decodeJwt(done.body.access_token).amr).toEqual(["pwd", "otp", "mfa"]);
  });
});

describe("sign-in flow lifetime", () => {
  let service: TestApp;
  let registrar: TestApp;

  beforeAll(async () => {
    service = await startTestApp({ IAM_FLOW_TTL_SECONDS: "1" });
    // Registers accounts with flows that outlive a slow machine.
    registrar = await startTestApp();
  });

  afterAll(async () => {
    await service?.stop();
    await registrar?.stop();
  });

  it("answers EXPIRED for a sign-in flow past its lifetime", async () => {
    const email = uniqueEmail("slow");
    await register(registrar, email);
    const init = await startSignIn(service, email, REGISTERED_PASSWORD);
    expect(init.status, JSON.stringify(init.body)).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1200));
    const late = await post(service.httpUrl, "/authentication/affirmation/init", {
      auth_token: init.body.auth_token,
      action: "email",
    });

    expect(failureOf(late)).toEqual({ status: 401, code: "EXPIRED" });
  });
});
