import * as grpc from "@grpc/grpc-js";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "../../support/app.js";
import { useGrpcPeer } from "../../support/grpc.js";
import { register } from "../../support/registration.js";
import { REGISTERED_PASSWORD } from "../../support/sign-in.js";

describe("sign-in through gRPC with @grpc/grpc-js", () => {
  const { app, call } = useGrpcPeer("AuthenticationService");

  it("signs a person in with the password and an e-mailed code", async () => {
    const email = uniqueEmail("grpc");
    await register(app(), email);

    const init = await call<{ auth_token: string; required_actions: string[] }>("Init", {
      action: "IDENTIFIER_ACTION_EMAIL",
      value: email,
      secret: REGISTERED_PASSWORD,
    });
    expect(init.required_actions).toEqual(["REQUIRED_ACTION_EMAIL"]);
    const affirm = await call<{ required_actions: string[]; mask: string }>("InitAffirmation", {
      auth_token: init.auth_token,
      action: "IDENTIFIER_ACTION_EMAIL",
    });
    expect(affirm.required_actions).toEqual(["REQUIRED_ACTION_EMAIL_CODE"]);
    expect(affirm.mask).toContain("***@");
    const confirm = await call<{ required_actions: string[] }>("CompleteAffirmation", {
      auth_token: init.auth_token,
      action: "CODE_ACTION_EMAIL_CODE",
      value: app().receiver.lastCodeFor(email),
    });
    expect(confirm.required_actions).toEqual([]);
    const done = await call<{ access_token: string; refresh_token: string; expires_at: string }>(
      "Complete",
      { auth_token: init.auth_token },
    );

    expect(decodeJwt(done.access_token).amr).toEqual(["pwd", "otp", "mfa"]);
    expect(done.refresh_token.length).toBeGreaterThanOrEqual(43);
    expect(Date.parse(done.expires_at)).toBeGreaterThan(Date.now());
  });

  it("refuses a wrong password with UNAUTHENTICATED", async () => {
    const email = uniqueEmail("grpc-wrong");
    await register(app(), email);

    const failure = await call("Init", {
      action: "IDENTIFIER_ACTION_EMAIL",
      value: email,
      secret: "not the password at all",
    }).catch((error: grpc.ServiceError) => error);

    expect((failure as grpc.ServiceError).code).toBe(grpc.status.UNAUTHENTICATED);
  });
});
