import { describe, expect, it } from "vitest";
import { uniqueEmail, useTestApp } from "../../support/app.js";
import {
  completeRecovery,
  readyRecovery,
  refreshAccess,
  startRecovery,
} from "../../support/recovery.js";
import { register } from "../../support/registration.js";
import { failureOf, post } from "../../support/rest.js";
import { proveSecondFactor, REGISTERED_PASSWORD, startSignIn } from "../../support/sign-in.js";

const NEW_PASSWORD = "a brand new and unusual passphrase";

describe("password recovery racing other flows of the account", () => {
  const service = useTestApp({ IAM_LOGIN_MAX_FAILURES: "1000" });

  it("leaves no usable sign-in flow that checked the old password during the reset", async () => {
    const email = uniqueEmail("race-init");
    await register(service, email);
    const reset = await readyRecovery(service, email, NEW_PASSWORD);

    const [done, ...signIns] = await Promise.all([
      completeRecovery(service, reset),
      ...Array.from({ length: 10 }, () => startSignIn(service, email, REGISTERED_PASSWORD)),
    ]);
    expect(done?.status).toBe(200);

    for (const signIn of signIns.filter((answer) => answer.status === 200)) {
      const next = await post(service.httpUrl, "/authentication/affirmation/init", {
        auth_token: signIn.body.auth_token,
        action: "email",
      });
      expect(failureOf(next)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
  });

  // The race is won by timing: a sign-in that checks the account's epoch before the reset
  // moves it, but writes its session after the reset revoked every session. Many
  // completes make that interleaving likely; none may leave a working session.
  it("leaves no session opened by a sign-in that completed during the reset", async () => {
    const email = uniqueEmail("race-complete");
    await register(service, email);
    const ready: string[] = [];
    for (let i = 0; i < 25; i++) {
      const init = await startSignIn(service, email, REGISTERED_PASSWORD);
      await proveSecondFactor(service, init.body.auth_token, ["email"], email);
      ready.push(init.body.auth_token);
    }
    const reset = await readyRecovery(service, email, NEW_PASSWORD);

    const [done, ...completes] = await Promise.all([
      completeRecovery(service, reset),
      ...ready.map((token) =>
        post(service.httpUrl, "/authentication/complete", { auth_token: token }),
      ),
    ]);
    expect(done?.status).toBe(200);

    for (const complete of completes.filter((answer) => answer.status === 200)) {
      const refreshed = await refreshAccess(service, complete.body.refresh_token);
      expect(failureOf(refreshed)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
  });

  it("does not revive an ended recovery flow by naming the address again", async () => {
    const email = uniqueEmail("revive");
    await register(service, email);
    const ended = await startRecovery(service, email);
    const reset = await readyRecovery(service, email, NEW_PASSWORD);
    expect((await completeRecovery(service, reset)).status).toBe(200);

    const again = await post(service.httpUrl, "/recovery/password/reset/affirmation/init", {
      reset_password_token: ended,
      action: "email",
      value: email,
    });

    expect(failureOf(again)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });
});
