import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp, uniqueEmail } from "../../support/app.js";
import { type GrpcPeer, grpcPeer } from "../../support/grpc.js";
import { register } from "../../support/registration.js";

describe("refresh-token rotation through gRPC with @grpc/grpc-js", () => {
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
