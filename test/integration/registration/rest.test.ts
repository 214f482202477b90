import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { signWebhookBody } from "../../../src/delivery/webhook.js";
import { type KvBackend, uniqueEmail, useTestApp } from "../../support/app.js";
import { register, verifiedRegistration } from "../../support/registration.js";
import { failureOf, get, post } from "../../support/rest.js";

const backends: KvBackend[] = ["redis", "memory"];

describe.each(backends)("registration through REST (%s store)", (backend) => {
  const service = useTestApp({}, backend);

  it("carries a person from init to tokens that verify against the JWKS", async () => {
    const email = uniqueEmail("ann");

    const init = await post(service.httpUrl, "/registration/init");
    expect(init.status).toBe(200);
    expect(init.body.required_actions).toEqual(["email"]);
    expect(init.body.registration_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const affirm = await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: init.body.registration_token,
      action: "email",
      value: `  ${email.toUpperCase()} `,
    });
    expect(affirm.status).toBe(200);
    expect(affirm.body.required_actions).toEqual(["email_code"]);
    expect(affirm.body.mask).toMatch(/^[a-z]\*\*\*@e\*\*\*\*\*\.com$/);
    expect(Date.parse(affirm.body.resend_date)).not.toBeNaN();
    expect(affirm.body.registration_token).toBe(init.body.registration_token);

    const delivered = service.receiver.received.at(-1);
    expect(delivered).toMatchObject({ channel: "email", to: email, purpose: "registration" });
    expect(delivered?.code).toMatch(/^\d{6}$/);
    expect(delivered?.signature).toBe(signWebhookBody(delivered?.raw ?? "", "test-webhook-secret"));

    const confirm = await post(service.httpUrl, "/registration/affirmation/complete", {
      registration_token: init.body.registration_token,
      action: "email_code",
      value: delivered?.code,
    });
    expect(confirm.status).toBe(200);
    expect(confirm.body.required_actions).toEqual([]);

    const done = await post(service.httpUrl, "/registration/complete", {
      registration_token: init.body.registration_token,
      secret: "a long and unusual passphrase",
    });
    expect(done.status).toBe(200);
    expect(done.body.refresh_token.length).toBeGreaterThanOrEqual(43);

    const jwks = await get(service.httpUrl, "/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    for (const key of jwks.body.keys) expect(key).not.toHaveProperty("d");
    const verified = await jwtVerify(done.body.access_token, createLocalJWKSet(jwks.body), {
      issuer: "iam",
    });
    expect(decodeProtectedHeader(done.body.access_token).alg).toBe("EdDSA");
    expect(verified.payload).toMatchObject({ amr: ["pwd", "otp"] });
    for (const claim of ["sub", "sid", "iat", "exp", "jti"]) {
      expect(verified.payload[claim]).toBeDefined();
    }
    expect(new Date(done.body.expires_at).getTime()).toBe((verified.payload.exp ?? 0) * 1000);
  });

  it("answers CONFLICT when the address already has an account", async () => {
    const email = uniqueEmail("taken");
    await register(service, email);

    const init = await post(service.httpUrl, "/registration/init");
    const again = await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: init.body.registration_token,
      action: "email",
      value: email,
    });

    expect(failureOf(again)).toEqual({ status: 400, code: "CONFLICT" });
  });

  it("answers INCOMPLETE when complete comes before the code", async () => {
    const init = await post(service.httpUrl, "/registration/init");

    const early = await post(service.httpUrl, "/registration/complete", {
      registration_token: init.body.registration_token,
      secret: "a long and unusual passphrase",
    });

    expect(failureOf(early)).toEqual({ status: 400, code: "INCOMPLETE" });
  });

  it("refuses a weak password without spending the flow", async () => {
    const email = uniqueEmail("weak");
    const token = await verifiedRegistration(service, email);

    for (const secret of ["short", "password123", email, "12345678"]) {
      const weak = await post(service.httpUrl, "/registration/complete", {
        registration_token: token,
        secret,
      });
      expect(failureOf(weak), secret).toEqual({ status: 400, code: "VALIDATION_ERROR" });
    }

    const good = await post(service.httpUrl, "/registration/complete", {
      registration_token: token,
      secret: "a long and unusual passphrase",
    });
    expect(good.status).toBe(200);
  });

  it("completes a flow once: a second complete is UNAUTHORIZED", async () => {
    const token = await verifiedRegistration(service, uniqueEmail("once"));
    const body = { registration_token: token, secret: "a long and unusual passphrase" };

    expect((await post(service.httpUrl, "/registration/complete", body)).status).toBe(200);
    const again = await post(service.httpUrl, "/registration/complete", body);

    expect(failureOf(again)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });

  it("lets exactly one of ten parallel completes of one flow through", async () => {
    const token = await verifiedRegistration(service, uniqueEmail("parallel"));
    const body = { registration_token: token, secret: "a long and unusual passphrase" };

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(service.httpUrl, "/registration/complete", body)),
    );

    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.failure_code === "UNAUTHORIZED")).toHaveLength(9);
  });

  it("answers UNAUTHORIZED for unknown tokens and wrong codes", async () => {
    const unknown = await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: "x".repeat(43),
      action: "email",
      value: uniqueEmail(),
    });
    expect(failureOf(unknown)).toEqual({ status: 401, code: "UNAUTHORIZED" });

    const email = uniqueEmail("wrong");
    const init = await post(service.httpUrl, "/registration/init");
    await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: init.body.registration_token,
      action: "email",
      value: email,
    });
    const right = service.receiver.lastCodeFor(email);
    const wrongCode = right === "000000" ? "111111" : "000000";
    const wrong = await post(service.httpUrl, "/registration/affirmation/complete", {
      registration_token: init.body.registration_token,
      action: "email_code",
      value: wrongCode,
    });
    expect(failureOf(wrong)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });

  it("answers VALIDATION_ERROR for bad identifiers and codes, sending nothing", async () => {
    const init = await post(service.httpUrl, "/registration/init");
    const token = init.body.registration_token;
    const sentBefore = service.receiver.received.length;

    for (const value of ["", "   ", "no-at-sign", "a@b", "a@@example.com", "a,b@example.com"]) {
      const bad = await post(service.httpUrl, "/registration/affirmation/init", {
        registration_token: token,
        action: "email",
        value,
      });
      expect(failureOf(bad), value).toEqual({ status: 400, code: "VALIDATION_ERROR" });
    }
    expect(service.receiver.received.length).toBe(sentBefore);

    const email = uniqueEmail("format");
    await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: token,
      action: "email",
      value: email,
    });
    for (const value of ["12345", "1234567", "12a456", ""]) {
      const malformed = await post(service.httpUrl, "/registration/affirmation/complete", {
        registration_token: token,
        action: "email_code",
        value,
      });
      expect(failureOf(malformed), value).toEqual({ status: 400, code: "VALIDATION_ERROR" });
    }
  });

  it("answers BAD_REQUEST for bodies that are not the documented shape", async () => {
    const init = await post(service.httpUrl, "/registration/init");
    const token = init.body.registration_token;
    const path = "/registration/affirmation/init";

    const cases: unknown[] = [
      "{not json",
      "[]",
      { action: "email", value: uniqueEmail() },
      { registration_token: token, action: "email", value: 42 },
      { registration_token: token, action: "fax", value: uniqueEmail() },
      { registration_token: token, action: "email_code", value: uniqueEmail() },
    ];
    for (const body of cases) {
      const answer = await post(service.httpUrl, path, body);
      expect(failureOf(answer), JSON.stringify(body)).toEqual({ status: 400, code: "BAD_REQUEST" });
      expect(typeof answer.body.failure_message).toBe("string");
    }
  });

  it("answers FORBIDDEN for an action that is valid but not owed", async () => {
    const init = await post(service.httpUrl, "/registration/init");

    const phone = await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: init.body.registration_token,
      action: "phone",
      value: "+61491570006",
    });
    const code = await post(service.httpUrl, "/registration/affirmation/complete", {
      registration_token: init.body.registration_token,
      action: "email_code",
      value: "123456",
    });
    const resend = await post(service.httpUrl, "/registration/affirmation/resend", {
      token: init.body.registration_token,
    });

    expect(failureOf(phone)).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(failureOf(code)).toEqual({ status: 403, code: "FORBIDDEN" });
    expect(failureOf(resend)).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  it("re-sends a new code that replaces the old one", async () => {
    const email = uniqueEmail("resend");
    const init = await post(service.httpUrl, "/registration/init");
    const token = init.body.registration_token;
    await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: token,
      action: "email",
      value: email,
    });
    const first = service.receiver.lastCodeFor(email);

    const resend = await post(service.httpUrl, "/registration/affirmation/resend", { token });
    expect(resend.status).toBe(200);
    expect(resend.body.token).toBe(token);
    expect(resend.body.required_actions).toEqual(["email_code"]);
    expect(service.receiver.countFor(email)).toBe(2);
    const second = service.receiver.lastCodeFor(email);

    if (first !== second) {
      const stale = await post(service.httpUrl, "/registration/affirmation/complete", {
        registration_token: token,
        action: "email_code",
        value: first,
      });
      expect(failureOf(stale)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
    const fresh = await post(service.httpUrl, "/registration/affirmation/complete", {
      registration_token: token,
      action: "email_code",
      value: second,
    });
    expect(fresh.status).toBe(200);
  });

  it("replaces a mistyped address when affirmation/init is called again", async () => {
    const typo = uniqueEmail("typo");
    const fixed = uniqueEmail("fixed");
    const init = await post(service.httpUrl, "/registration/init");
    const token = init.body.registration_token;

    for (const value of [typo, fixed]) {
      const answer = await post(service.httpUrl, "/registration/affirmation/init", {
        registration_token: token,
        action: "email",
        value,
      });
      expect(answer.status).toBe(200);
    }
    const confirm = await post(service.httpUrl, "/registration/affirmation/complete", {
      registration_token: token,
      action: "email_code",
      value: service.receiver.lastCodeFor(fixed),
    });
    expect(confirm.status).toBe(200);
  });
});
