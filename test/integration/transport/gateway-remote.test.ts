import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, startGateway } from "../../../gateway/server.js";
import { type RemoteTransport, remoteTransport } from "../../../gateway/transport.js";
import { rpcInterceptors } from "../../../src/rpc/interceptors.js";
import { type RpcServer, startRpcServer } from "../../../src/rpc/listener.js";
import { logger, RETRY_AFTER, switchableReadiness, THROTTLED, testRoutes } from "./support.js";

const ready = switchableReadiness();

const affirmation = { registration_token: "reg-1", action: "email", value: "a@example.com" };

describe("gateway alone, in front of a remote RPC server", () => {
  let rpc: RpcServer;
  let remote: RemoteTransport;
  let alone: Gateway;

  beforeAll(async () => {
    rpc = await startRpcServer({
      host: "127.0.0.1",
      port: 0,
      routes: testRoutes,
      interceptors: rpcInterceptors(logger),
      trustedProxies: ["127.0.0.1"],
      readiness: ready.readiness,
      logger,
    });
    remote = remoteTransport(`http://127.0.0.1:${rpc.port}`);
    alone = await startGateway({
      host: "127.0.0.1",
      port: 0,
      transport: remote,
      logger,
      trustedProxies: ["127.0.0.1"],
    });
  });

  afterAll(async () => {
    await alone?.close();
    remote?.close();
    await rpc?.close();
  });

  it("carries answers, failures, readiness and the client address", async () => {
    const url = `http://127.0.0.1:${alone.port}`;
    const ok = await fetch(`${url}/registration/affirmation/init`, {
      method: "POST",
      headers: { "x-forwarded-for": "198.51.100.8" },
      body: JSON.stringify(affirmation),
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { mask: string }).mask).toBe("198.51.100.8");

    const throttled = await fetch(`${url}/registration/affirmation/complete`, {
      method: "POST",
      body: JSON.stringify({ registration_token: "r", action: "email_code", value: THROTTLED }),
    });
    expect(throttled.status).toBe(403);
    expect(throttled.headers.get("retry-after")).toBe(String(RETRY_AFTER));
    expect(((await throttled.json()) as { failure_code: string }).failure_code).toBe("FORBIDDEN");

    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it("answers 503 on /readyz and 500 on calls when the RPC server is gone", async () => {
    const dead = remoteTransport("http://127.0.0.1:9");
    const orphan = await startGateway({
      host: "127.0.0.1",
      port: 0,
      transport: dead,
      logger,
      trustedProxies: [],
    });
    try {
      const url = `http://127.0.0.1:${orphan.port}`;
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      const call = await fetch(`${url}/registration/init`, { method: "POST" });
      expect(call.status).toBe(500);
      expect(await call.json()).toEqual({
        failure_code: "SERVER_ERROR",
        failure_message: "the service could not complete the request",
      });
    } finally {
      await orphan.close();
      dead.close();
    }
  });
});
