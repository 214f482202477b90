import { describe, expect, it } from "vitest";
import { signWebhookBody } from "../../../src/delivery/webhook.js";
import { type KvBackend, uniqueEmail, useTestApp } from "../../support/app.js";
import { accountOf, blockAccount } from "../../support/database.js";
import {
  completeRecovery,
  enterRecoveryCode,
  readyRecovery,
  recoverPassword,
  refreshAccess,
  startRecovery,
} from "../../support/recovery.js";
import { register } from "../../support/registration.js";
import { failureOf, post } from "../../support/rest.js";
import {
  proveSecondFactor,
  REGISTERED_PASSWORD,
  signIn,
  startSignIn,
  wrongCode,
} from "../../support/sign-in.js";

const NEW_PASSWORD = "a brand new and unusual passphrase";

const backends: KvBackend[] = ["redis", "memory"];

describe.each(backends)("password recovery through REST (%s store)", (backend) => {
  const service = useTestApp({}, backend);

  function nameAddress(token: string, value: string) {
    return post(service.httpUrl, "/recovery/password/reset/affirmation/init", {
      reset_password_token: token,
      action: "email",
      value,
    });
  }

  async function newFlow(): Promise<string> {
    const init = await post(service.httpUrl, "/recovery/password/reset/init");
    expect(init.status, JSON.stringify(init.body)).toBe(200);
    return init.body.reset_password_token;
  }

  it("resets a password from init to {} with a code sent to the stored address", async () => {
    const email = uniqueEmail("ann");
    await register(service, email);

    const init = await post(service.httpUrl, "/recovery/password/reset/init");
    expect(init.status).toBe(200);
    expect(init.body.required_actions).toEqual(["email"]);
    const token: string = init.body.reset_password_token;
    expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);

    const affirm = await nameAddress(token, `  ${email.toUpperCase()} `);
    expect(affirm.status).toBe(200);
    expect(affirm.body.reset_password_token).toBe(token);
    expect(affirm.body.required_actions).toEqual(["email_code"]);
    expect(affirm.body.mask).toMatch(/^a\*\*\*@e\*\*\*\*\*\.com$/);
    expect(Date.parse(affirm.body.resend_date)).not.toBeNaN();

    const delivered = service.receiver.received.at(-1);
    expect(delivered).toMatchObject({ channel: "email", to: email, purpose: "recovery" });
    const signature = signWebhookBody(delivered?.raw ?? "", "test-webhook-secret");
    expect(delivered?.signature).toBe(signature);

    const confirm = await enterRecoveryCode(service, token, delivered?.code ?? "", NEW_PASSWORD);
    expect(confirm.status).toBe(200);
    expect(confirm.body.reset_password_token).toBe(token);
    expect(confirm.body.required_actions).toEqual([]);

    const done = await completeRecovery(service, token);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({});
  });

  it("lets the new password sign in and refuses the old one", async () => {
    const email = uniqueEmail("changed");
    await register(service, email);

    await recoverPassword(service, email, NEW_PASSWORD);

    const old = await startSignIn(service, email, REGISTERED_PASSWORD);
    expect(failureOf(old)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    await signIn(service, email, NEW_PASSWORD);
  });

  it("ends every session the account had on every device", async () => {
    const email = uniqueEmail("devices");
    const first = await register(service, email);
    const second = await signIn(service, email, REGISTERED_PASSWORD);

    await recoverPassword(service, email, NEW_PASSWORD);

    for (const tokens of [first, second]) {
      const refreshed = await refreshAccess(service, tokens.refresh_token);
      expect(failureOf(refreshed)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
  });

  it("ends the account's open sign-in flows at their next step", async () => {
    const email = uniqueEmail("signing-in");
    await register(service, email);
    const waiting = await startSignIn(service, email, REGISTERED_PASSWORD);
    const proven = await startSignIn(service, email, REGISTERED_PASSWORD);
    await proveSecondFactor(service, proven.body.auth_token, ["email"], email);

    await recoverPassword(service, email, NEW_PASSWORD);

    const send = await post(service.httpUrl, "/authentication/affirmation/init", {
      auth_token: waiting.body.auth_token,
      action: "email",
    });
    const complete = await post(service.httpUrl, "/authentication/complete", {
      auth_token: proven.body.auth_token,
    });
    expect(failureOf(send)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect(failureOf(complete)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });

  it("ends the account's other open recovery flows at their next step", async () => {
    const email = uniqueEmail("twice");
    await register(service, email);
    const awaitingCode = await startRecovery(service, email);
    const itsCode = service.receiver.lastCodeFor(email);
    const ready = await readyRecovery(service, email, "another unusual passphrase");

    await recoverPassword(service, email, NEW_PASSWORD);

    const late = await enterRecoveryCode(service, awaitingCode, itsCode, "a third passphrase");
    expect(failureOf(late)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect(failureOf(await completeRecovery(service, ready))).toEqual({
      status: 401,
      code: "UNAUTHORIZED",
    });
    await signIn(service, email, NEW_PASSWORD);
  });

  it("clears the sign-in lockout of the account", async () => {
    const email = uniqueEmail("locked-out");
    await register(service, email);
    for (let i = 0; i < service.config.loginMaxFailures; i++) {
      await startSignIn(service, email, "not the password at all");
    }
    const locked = await startSignIn(service, email, REGISTERED_PASSWORD);
    expect(failureOf(locked)).toEqual({ status: 403, code: "FORBIDDEN" });

    await recoverPassword(service, email, NEW_PASSWORD);

    const after = await startSignIn(service, email, NEW_PASSWORD);
    expect(after.status, JSON.stringify(after.body)).toBe(200);
  });

  it("answers an address with no account like a known one, and sends nothing", async () => {
    const known = uniqueEmail("known");
    await register(service, known);
    const knownAnswer = await nameAddress(await newFlow(), known);
    const sentBefore = service.receiver.received.length;

    const unknownAnswer = await nameAddress(await newFlow(), `  ${uniqueEmail("unknown")} `);

    expect(unknownAnswer.status).toBe(knownAnswer.status);
    expect(Object.keys(unknownAnswer.body).sort()).toEqual(Object.keys(knownAnswer.body).sort());
    expect(unknownAnswer.body.required_actions).toEqual(["email_code"]);
    expect(unknownAnswer.body.mask).toMatch(/^u\*\*\*@e\*\*\*\*\*\.com$/);
    expect(Date.parse(unknownAnswer.body.resend_date)).not.toBeNaN();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(service.receiver.received.length).toBe(sentBefore);
  });

  it("answers the later steps of a flow for an unknown address like a known one's", async () => {
    const token = await newFlow();
    await nameAddress(token, uniqueEmail("ghost"));
    const sentBefore = service.receiver.received.length;

    const resend = await post(service.httpUrl, "/recovery/password/reset/affirmation/resend", {
      token,
    });
    const guess = await enterRecoveryCode(service, token, "123456", NEW_PASSWORD);

    expect(resend.status).toBe(200);
    expect(Object.keys(resend.body).sort()).toEqual([
      "mask",
      "required_actions",
      "resend_date",
      "token",
    ]);
    expect(failureOf(guess)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect(service.receiver.received.length).toBe(sentBefore);
  });

  it("sends nothing to the address of a blocked account", async () => {
    const email = uniqueEmail("blocked");
    const tokens = await register(service, email);
    await blockAccount(accountOf(tokens.access_token));

    const affirm = await nameAddress(await newFlow(), email);

    expect(affirm.status).toBe(200);
    expect(affirm.body.required_actions).toEqual(["email_code"]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(service.receiver.countFor(email)).toBe(1);
  });

  it("checks the new password before the code and keeps the code for a better one", async () => {
    const email = uniqueEmail("policy");
    await register(service, email);
    const token = await startRecovery(service, email);
    const code = service.receiver.lastCodeFor(email);

    for (const secret of ["short", "password123", email, "12345678"]) {
      const weak = await enterRecoveryCode(service, token, code, secret);
      expect(failureOf(weak), secret).toEqual({ status: 400, code: "VALIDATION_ERROR" });
    }

    const good = await enterRecoveryCode(service, token, code, NEW_PASSWORD);
    expect(good.status, JSON.stringify(good.body)).toBe(200);
  });

  it("answers UNAUTHORIZED for a wrong recovery code and still takes the right one", async () => {
    const email = uniqueEmail("wrong-code");
    await register(service, email);
    const token = await startRecovery(service, email);
    const right = service.receiver.lastCodeFor(email);

    const wrong = await enterRecoveryCode(service, token, wrongCode(right), NEW_PASSWORD);
    expect(failureOf(wrong)).toEqual({ status: 401, code: "UNAUTHORIZED" });

    const good = await enterRecoveryCode(service, token, right, NEW_PASSWORD);
    expect(good.status, JSON.stringify(good.body)).toBe(200);
  });

  it("answers INCOMPLETE when recovery complete comes before the code", async () => {
    const email = uniqueEmail("early");
    await register(service, email);
    const fresh = await newFlow();
    const named = await startRecovery(service, email);

    for (const token of [fresh, named]) {
      const early = await completeRecovery(service, token);
      expect(failureOf(early)).toEqual({ status: 400, code: "INCOMPLETE" });
    }
    await signIn(service, email, REGISTERED_PASSWORD);
  });

  it("answers FORBIDDEN for a code entered before any was sent", async () => {
    const token = await newFlow();

    const code = await enterRecoveryCode(service, token, "123456", NEW_PASSWORD);

    expect(failureOf(code)).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  it("answers VALIDATION_ERROR for a recovery address of bad syntax, sending none", async () => {
    const token = await newFlow();
    const sentBefore = service.receiver.received.length;

    for (const value of ["", "   ", "no-at-sign", "a@b", "a,b@example.com"]) {
      const bad = await nameAddress(token, value);
      expect(failureOf(bad), value).toEqual({ status: 400, code: "VALIDATION_ERROR" });
    }

    expect(service.receiver.received.length).toBe(sentBefore);
  });

  it("lets exactly one of ten parallel completes of one recovery through", async () => {
    const email = uniqueEmail("parallel");
    await register(service, email);
    const token = await readyRecovery(service, email, NEW_PASSWORD);

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => completeRecovery(service, token)),
    );

    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    const refused = answers.filter((answer) => answer.body.failure_code === "UNAUTHORIZED");
    expect(refused).toHaveLength(9);
  });

  it("answers UNAUTHORIZED for unknown reset tokens and tokens of another flow", async () => {
    const registration = await post(service.httpUrl, "/registration/init");
    const email = uniqueEmail("foreign");
    await register(service, email);
    const signingIn = await startSignIn(service, email, REGISTERED_PASSWORD);
    const foreign = [
      "A".repeat(43),
      registration.body.registration_token,
      signingIn.body.auth_token,
    ];

    for (const token of foreign) {
      const answers = [
        await nameAddress(token, email),
        await enterRecoveryCode(service, token, "123456", NEW_PASSWORD),
        await post(service.httpUrl, "/recovery/password/reset/affirmation/resend", { token }),
        await completeRecovery(service, token),
      ];
      for (const answer of answers) {
        expect(failureOf(answer)).toEqual({ status: 401, code: "UNAUTHORIZED" });
      }
    }
  });
});

describe("password recovery code attempts", () => {
  const service = useTestApp({ IAM_CODE_MAX_ATTEMPTS: "2" });

  it("spends no code attempt on a weak password", async () => {
    const email = uniqueEmail("patient");
    await register(service, email);
    const token = await startRecovery(service, email);
    const right = service.receiver.lastCodeFor(email);

    for (let i = 0; i < 3; i++) {
      const weak = await enterRecoveryCode(service, token, wrongCode(right), "12345678");
      expect(failureOf(weak)).toEqual({ status: 400, code: "VALIDATION_ERROR" });
    }
    const good = await enterRecoveryCode(service, token, right, NEW_PASSWORD);

    expect(good.status, JSON.stringify(good.body)).toBe(200);
  });

  it("burns recovery codes after the last wrong attempt, even for the right code", async () => {
    const email = uniqueEmail("guesser");
    await register(service, email);
    const token = await startRecovery(service, email);
    const right = service.receiver.lastCodeFor(email);

    for (let i = 0; i < 2; i++) {
      const wrong = await enterRecoveryCode(service, token, wrongCode(right), NEW_PASSWORD);
      expect(failureOf(wrong)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
    const burned = await enterRecoveryCode(service, token, right, NEW_PASSWORD);

    expect(failureOf(burned)).toEqual({ status: 403, code: "FORBIDDEN" });
  });
});

describe("password recovery flow lifetime", () => {
  const service = useTestApp({ IAM_FLOW_TTL_SECONDS: "1" });

  it("answers EXPIRED for a recovery flow past its lifetime", async () => {
    const init = await post(service.httpUrl, "/recovery/password/reset/init");
    const token = init.body.reset_password_token;

    await new Promise((resolve) => setTimeout(resolve, 1200));
    const late = await post(service.httpUrl, "/recovery/password/reset/affirmation/init", {
      reset_password_token: token,
      action: "email",
      value: uniqueEmail("late"),
    });

    expect(failureOf(late)).toEqual({ status: 401, code: "EXPIRED" });
  });
});
