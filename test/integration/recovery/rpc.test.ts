import { describe, expect, it } from "vitest";
import { uniqueEmail } from "../../support/app.js";
import { useGrpcPeer } from "../../support/grpc.js";
import { register } from "../../support/registration.js";
import { signIn } from "../../support/sign-in.js";

const NEW_PASSWORD = "a brand new and unusual passphrase";

describe("password recovery through gRPC with @grpc/grpc-js", () => {
  const { app, call } = useGrpcPeer("RecoveryService");

  it("resets a password to an empty answer with snake_case fields and enum names", async () => {
    const email = uniqueEmail("grpc");
    await register(app(), email);

    const init = await call<{ reset_password_token: string; required_actions: string[] }>(
      "Init",
      {},
    );
    expect(init.required_actions).toEqual(["REQUIRED_ACTION_EMAIL"]);
    const token = init.reset_password_token;
    const affirm = await call<{ required_actions: string[]; mask: string }>("InitAffirmation", {
      reset_password_token: token,
      action: "IDENTIFIER_ACTION_EMAIL",
      value: email,
    });
    expect(affirm.required_actions).toEqual(["REQUIRED_ACTION_EMAIL_CODE"]);
    expect(affirm.mask).toContain("***@");
    const confirm = await call<{ required_actions: string[] }>("CompleteAffirmation", {
      reset_password_token: token,
      action: "CODE_ACTION_EMAIL_CODE",
      value: app().receiver.lastCodeFor(email),
      secret: NEW_PASSWORD,
    });
    expect(confirm.required_actions).toEqual([]);
    const done = await call<object>("Complete", { reset_password_token: token });

    expect(done).toEqual({});
    await signIn(app(), email, NEW_PASSWORD);
  });
});
