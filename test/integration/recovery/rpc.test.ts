import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, uniqueEmail } from "../../support/app.js";
import { type GrpcPeer, grpcPeer } from "../../support/grpc.js";
import { register } from "../../support/registration.js";
import { signIn } from "../../support/sign-in.js";

const NEW_PASSWORD = "a brand new and unusual passphrase";

describe("password recovery through gRPC with @grpc/grpc-js", () => {
  let service: TestApp;
  let client: GrpcPeer;

  beforeAll(async () => {
    service = await startTestApp();
    client = grpcPeer("RecoveryService", service.app.rpcPort);
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
  });

  const call = <T>(method: string, request: object) => client.call<T>(method, request);

  it("resets a password to an empty answer with snake_case fields and enum names", async () => {
    const email = uniqueEmail("grpc");
    await register(service, email);

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
      value: service.receiver.lastCodeFor(email),
      secret: NEW_PASSWORD,
    });
    expect(confirm.required_actions).toEqual([]);
    const done = await call<object>("Complete", { reset_password_token: token });

    expect(done).toEqual({});
    await signIn(service, email, NEW_PASSWORD);
  });
});
