import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "../../support/app.js";
import { useGrpcPeer } from "../../support/grpc.js";
import { register } from "../../support/registration.js";

describe("refresh-token rotation through gRPC with @grpc/grpc-js", () => {
  const { app, call } = useGrpcPeer("RecoveryService");

  it("rotates a refresh token within the same session", async () => {
    const issued = await register(app(), uniqueEmail("grpc"));

    const done = await call<{ access_token: string; refresh_token: string; expires_at: string }>(
      "RefreshAccess",
      { refresh_token: issued.refresh_token },
    );

    expect(done.refresh_token).not.toBe(issued.refresh_token);
    expect(decodeJwt(done.access_token).sid).toBe(decodeJwt(issued.access_token).sid);
    expect(Date.parse(done.expires_at)).toBeGreaterThan(Date.now());
  });
});
