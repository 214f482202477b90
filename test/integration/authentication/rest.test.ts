import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { signWebhookBody } from "../../../src/delivery/webhook.js";
import { type KvBackend, uniqueEmail, useTestApp } from "../../support/app.js";
import { accountOf, blockAccount } from "../../support/database.js";
import { register } from "../../support/registration.js";
import { failureOf, get, post } from "../../support/rest.js";
import {
  proveSecondFactor,
  REGISTERED_PASSWORD,
  signIn,
  startSignIn,
  wrongCode,
} from "../../support/sign-in.js";

const backends: KvBackend[] = ["redis", "memory"];

describe.each(backends)("sign-in with a second factor through REST (%s store)", (backend) => {
  const service = useTestApp({}, backend);

  /** A registered account, and a sign-in flow of it waiting for the second factor. */
  async function openSignIn(label: string): Promise<{ email: string; token: string }> {
    const email = uniqueEmail(label);
    await register(service, email);
    const init = await startSignIn(service, email, REGISTERED_PASSWORD);
    expect(init.status, JSON.stringify(init.body)).toBe(200);
    return { email, token: init.body.auth_token };
  }

  function sendCode(token: string, action = "email") {
    const body = { auth_token: token, action };
    return post(service.httpUrl, "/authentication/affirmation/init", body);
  }

  function enterCode(token: string, value: string, action = "email_code") {
    return post(service.httpUrl, "/authentication/affirmation/complete", {
      auth_token: token,
      action,
      value,
    });
  }

  function complete(token: string) {
    return post(service.httpUrl, "/authentication/complete", { auth_token: token });
  }

  it("signs in with the password and a code sent to the stored address", async () => {
    const email = uniqueEmail("ann");
    const registered = await register(service, email);

    const init = await startSignIn(service, `  ${email.toUpperCase()} `, REGISTERED_PASSWORD);
    expect(init.status).toBe(200);
    expect(init.body.required_actions).toEqual(["email"]);
    const token: string = init.body.auth_token;
    expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);

    const affirm = await sendCode(token);
    expect(affirm.status).toBe(200);
    expect(affirm.body.auth_token).toBe(token);
    expect(affirm.body.required_actions).toEqual(["email_code"]);
    expect(affirm.body.mask).toMatch(/^a\*\*\*@e\*\*\*\*\*\.com$/);
    expect(Date.parse(affirm.body.resend_date)).not.toBeNaN();

    const delivered = service.receiver.received.at(-1);
    expect(delivered).toMatchObject({ channel: "email", to: email, purpose: "authentication" });
    expect(delivered?.code).toMatch(/^\d{6}$/);
    const signature = signWebhookBody(delivered?.raw ?? "", "test-webhook-secret");
    expect(delivered?.signature).toBe(signature);

    const confirm = await enterCode(token, delivered?.code ?? "");
    expect(confirm.status).toBe(200);
    expect(confirm.body.required_actions).toEqual([]);

    const done = await complete(token);
    expect(done.status).toBe(200);
    expect(done.body.refresh_token.length).toBeGreaterThanOrEqual(43);
    const jwks = await get(service.httpUrl, "/.well-known/jwks.json");
    const verified = await jwtVerify(done.body.access_token, createLocalJWKSet(jwks.body), {
      issuer: "iam",
    });
    expect(verified.payload.sub).toBe(accountOf(registered.access_token));
    expect(verified.payload.sid).not.toBe(decodeJwt(registered.access_token).sid);
    expect(new Date(done.body.expires_at).getTime()).toBe((verified.payload.exp ?? 0) * 1000);
  });

  it("records a password, a one-time code and two factors in amr", async () => {
    const email = uniqueEmail("amr");
    await register(service, email);

    const tokens = await signIn(service, email, REGISTERED_PASSWORD);

    expect(decodeJwt(tokens.access_token).amr).toEqual(["pwd", "otp", "mfa"]);
  });

  it("answers INCOMPLETE when sign-in complete comes before the code", async () => {
    const { token } = await openSignIn("early");

    const beforeSend = await complete(token);
    expect(failureOf(beforeSend)).toEqual({ status: 400, code: "INCOMPLETE" });

    await sendCode(token);
    const beforeCode = await complete(token);
    expect(failureOf(beforeCode)).toEqual({ status: 400, code: "INCOMPLETE" });
  });

  it("answers UNAUTHORIZED for a wrong sign-in code and still takes the right one", async () => {
    const { email, token } = await openSignIn("wrong-code");
    await sendCode(token);
    const right = service.receiver.lastCodeFor(email);

    const wrong = await enterCode(token, wrongCode(right));
    expect(failureOf(wrong)).toEqual({ status: 401, code: "UNAUTHORIZED" });

    expect((await enterCode(token, right)).status).toBe(200);
    expect((await complete(token)).status).toBe(200);
  });

  it("answers VALIDATION_ERROR for a sign-in code that is not six digits", async () => {
    const { token } = await openSignIn("malformed-code");
    await sendCode(token);

    for (const value of ["12345", "1234567", "12a456"]) {
      const malformed = await enterCode(token, value);
      expect(failureOf(malformed), value).toEqual({ status: 400, code: "VALIDATION_ERROR" });
    }
  });

  it("burns sign-in codes after the last wrong attempt, even for the right code", async () => {
    const { email, token } = await openSignIn("burn");
    await sendCode(token);
    const right = service.receiver.lastCodeFor(email);

    for (let attempt = 0; attempt < service.config.codeMaxAttempts; attempt++) {
      const wrong = await enterCode(token, wrongCode(right));
      expect(failureOf(wrong)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
    const burned = await enterCode(token, right);

    expect(failureOf(burned)).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  it("re-sends a new code to the stored address that replaces the old one", async () => {
    const { email, token } = await openSignIn("resend");
    await sendCode(token);
    const first = service.receiver.lastCodeFor(email);

    const resend = await post(service.httpUrl, "/authentication/affirmation/resend", { token });
    expect(resend.status).toBe(200);
    expect(resend.body.token).toBe(token);
    expect(resend.body.required_actions).toEqual(["email_code"]);
    expect(resend.body.mask).toMatch(/^r\*\*\*@e\*\*\*\*\*\.com$/);
    expect(service.receiver.countFor(email)).toBe(3);
    const second = service.receiver.lastCodeFor(email);

    if (first !== second) {
      const stale = await enterCode(token, first);
      expect(failureOf(stale)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
    expect((await enterCode(token, second)).status).toBe(200);
  });

  it("answers FORBIDDEN for a sign-in action that is valid but not owed", async () => {
    const { token } = await openSignIn("not-owed");

    const phone = await sendCode(token, "phone");
    const code = await enterCode(token, "123456");
    const resend = await post(service.httpUrl, "/authentication/affirmation/resend", { token });

    expect(failureOf(phone)).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(failureOf(code)).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(failureOf(resend)).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  it("answers an unknown address and a wrong password with the same UNAUTHORIZED", async () => {
    const email = uniqueEmail("known");
    await register(service, email);

    const wrongPassword = await startSignIn(service, email, "not the password at all");
    const unknown = await startSignIn(service, uniqueEmail("nobody"), REGISTERED_PASSWORD);

    expect(failureOf(wrongPassword)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect(failureOf(unknown)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect(unknown.body.failure_message).toBe(wrongPassword.body.failure_message);
    expect(unknown.body).not.toHaveProperty("auth_token");
  });

  it("answers VALIDATION_ERROR for a sign-in address of bad syntax", async () => {
    const sentBefore = service.receiver.received.length;

    for (const value of ["", "   ", "no-at-sign", "a@b", "a@@example.com", "a,b@example.com"]) {
      const bad = await startSignIn(service, value, REGISTERED_PASSWORD);
      expect(failureOf(bad), value).toEqual({ status: 400, code: "VALIDATION_ERROR" });
    }

    expect(service.receiver.received.length).toBe(sentBefore);
  });

  it("answers BAD_REQUEST for sign-in bodies that are not the documented shape", async () => {
    const email = uniqueEmail("shape");
    const cases: unknown[] = [
      "{not json",
      "[]",
      { value: email, secret: REGISTERED_PASSWORD },
      { action: "fax", value: email, secret: REGISTERED_PASSWORD },
      { action: "email_code", value: email, secret: REGISTERED_PASSWORD },
      { action: "email", value: 42, secret: REGISTERED_PASSWORD },
      { action: "email", value: email, secret: 42 },
    ];

    for (const body of cases) {
      const answer = await post(service.httpUrl, "/authentication/init", body);
      const expected = { status: 400, code: "BAD_REQUEST" };
      expect(failureOf(answer), JSON.stringify(body)).toEqual(expected);
      expect(typeof answer.body.failure_message).toBe("string");
    }
  });

  it("answers FORBIDDEN for a blocked account, but only after the right password", async () => {
    const email = uniqueEmail("blocked");
    const tokens = await register(service, email);
    await blockAccount(accountOf(tokens.access_token));

    const right = await startSignIn(service, email, REGISTERED_PASSWORD);
    const wrong = await startSignIn(service, email, "not the password at all");

    expect(failureOf(right)).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(failureOf(wrong)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });

  it("lets exactly one of ten parallel completes of one sign-in through", async () => {
    const { email, token } = await openSignIn("parallel");
    await proveSecondFactor(service, token, ["email"], email);

    const answers = await Promise.all(Array.from({ length: 10 }, () => complete(token)));

    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    const refused = answers.filter((answer) => answer.body.failure_code === "UNAUTHORIZED");
    expect(refused).toHaveLength(9);
  });

  it("completes a sign-in once: a later complete is UNAUTHORIZED", async () => {
    const { email, token } = await openSignIn("once");
    await proveSecondFactor(service, token, ["email"], email);

    expect((await complete(token)).status).toBe(200);
    const again = await complete(token);

    expect(failureOf(again)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });

  it("answers UNAUTHORIZED for unknown auth tokens and tokens of another flow", async () => {
    const registration = await post(service.httpUrl, "/registration/init");
    const recovery = await post(service.httpUrl, "/recovery/password/reset/init");
    const foreign = [
      "A".repeat(43),
      registration.body.registration_token,
      recovery.body.reset_password_token,
    ];

    for (const token of foreign) {
      const answers = [
        await sendCode(token),
        await enterCode(token, "123456"),
        await post(service.httpUrl, "/authentication/affirmation/resend", { token }),
        await complete(token),
      ];
      for (const answer of answers) {
        expect(failureOf(answer)).toEqual({ status: 401, code: "UNAUTHORIZED" });
      }
    }
  });
});
