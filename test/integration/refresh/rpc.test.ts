import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, uniqueEmail } from "../../support/app.js";
import { register } from "../../support/registration.js";

/** The recovery service, which holds RefreshAccess, as @grpc/grpc-js sees it. */
interface GrpcRecovery extends grpc.Client {
  [method: string]: unknown;
}

describe("refresh-token rotation through gRPC with @grpc/grpc-js", () => {
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

  it("rotates a refresh token within the same session", async () => {
    const issued = await register(service, uniqueEmail("grpc"));

    const done = await call<{ access_token: string; refresh_token: string; expires_at: string }>(
      "RefreshAccess",
      { refresh_token: issued.refresh_token },
    );

    expect(done.refresh_token).not.toBe(issued.refresh_token);
    expect(decodeJwt(done.access_token).sid).toBe(decodeJwt(issued.access_token).sid);
    expect(Date.parse(done.expires_at)).toBeGreaterThan(Date.now());
  });
});
