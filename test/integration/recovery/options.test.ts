import { describe, expect, it } from "vitest";
import { useTestApp } from "../../support/app.js";
import { completeRecovery, enterRecoveryCode } from "../../support/recovery.js";
import { post } from "../../support/rest.js";
import { registerByPhone, signIn, uniquePhone } from "../../support/sign-in.js";

const NEW_PASSWORD = "a brand new and unusual passphrase";

describe("password recovery where phone is the only identifier", () => {
  const service = useTestApp({ IAM_REGISTRATION_IDENTIFIERS: "phone" });

  it("owes a phone and texts the code to the stored number", async () => {
    const phone = uniquePhone();
    await registerByPhone(service, phone.e164);

    const init = await post(service.httpUrl, "/recovery/password/reset/init");
    expect(init.status).toBe(200);
    expect(init.body.required_actions).toEqual(["phone"]);
    const token: string = init.body.reset_password_token;
    const affirm = await post(service.httpUrl, "/recovery/password/reset/affirmation/init", {
      reset_password_token: token,
      action: "phone",
      value: phone.spaced,
    });
    expect(affirm.status, JSON.stringify(affirm.body)).toBe(200);
    expect(affirm.body.required_actions).toEqual(["phone_code"]);
    expect(affirm.body.mask).toBe(`+61 *** *** ${phone.e164.slice(-3)}`);
    const delivered = service.receiver.received.at(-1);
    expect(delivered).toMatchObject({ channel: "phone", to: phone.e164, purpose: "recovery" });

    const confirm = await enterRecoveryCode(
      service,
      token,
      delivered?.code ?? "",
      NEW_PASSWORD,
      "phone_code",
    );
    expect(confirm.body.required_actions).toEqual([]);
    const done = await completeRecovery(service, token);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({});

    const byPhone = { action: "phone", deliveredTo: phone.e164 } as const;
    await signIn(service, phone.spaced, NEW_PASSWORD, byPhone);
  });
});
