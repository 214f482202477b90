import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, uniqueEmail } from "../../support/app.js";
import { register } from "../../support/registration.js";
import { signIn } from "../../support/sign-in.js";

const NEW_PASSWORD = "a brand new and unusual passphrase";

/** The recovery service as an independent gRPC peer sees it (@grpc/grpc-js). */
interface GrpcRecovery extends grpc.Client {
  [method: string]: unknown;
}

describe("password recovery through gRPC with @grpc/grpc-js", () => {
  let service: TestApp;
  let client: GrpcRecovery;

  beforeAll(async () => {
    service = await startTestApp();
    const definition = protoLoader.loadSync("iam/v1/recovery.proto", {
      includeDirs: ["proto"],
      keepCase: true,
      enums: String,
      defaults: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      iam: { v1: { RecoveryService: new (...args: unknown[]) => GrpcRecovery } };
    };
    client = new loaded.iam.v1.RecoveryService(
      `127.0.0.1:${service.app.rpcPort}`,
      grpc.credentials.createInsecure(),
    );
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
  });

  function call<T>(method: string, request: object): Promise<T> {
    return new Promise((resolve, reject) => {
      const fn = client[method] as (
        request: object,
        callback: (error: grpc.ServiceError | null, response: T) => void,
      ) => void;
      fn.call(client, request, (error, response) => (error ? reject(error) : resolve(response)));
    });
  }

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
