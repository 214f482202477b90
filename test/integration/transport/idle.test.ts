import http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { rpcInterceptors } from "../../../src/rpc/interceptors.js";
import { startRpcServer } from "../../../src/rpc/listener.js";
import { logger, SLOW, testRoutes } from "./support.js";

function start(http2IdleTimeoutMs: number) {
  return startRpcServer({
    host: "127.0.0.1",
    port: 0,
    routes: testRoutes,
    interceptors: rpcInterceptors(logger),
    trustedProxies: [],
    logger,
    http2IdleTimeoutMs,
  });
}

/** Resolves with the milliseconds until the server ended the session. */
function closedAfter(session: http2.ClientHttp2Session, started: number) {
  return new Promise<number>((resolve) => {
    session.on("error", () => {});
    session.once("close", () => resolve(performance.now() - started));
  });
}

describe("HTTP/2 sessions on the RPC port", () => {
  it("are closed after the idle timeout when they open no stream", async () => {
    const server = await start(200);
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      const started = performance.now();
      const closed = closedAfter(session, started);
      const goaway = new Promise((resolve) => session.once("goaway", resolve));
      await goaway;
      expect(await closed).toBeLessThan(2_000);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it("stay open while a call runs longer than the idle timeout, and close once idle", async () => {
    const server = await start(100);
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      const closed = closedAfter(session, performance.now());
      // SLOW answers after 300 ms: three idle timeouts with one open stream.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/iam.v1.RegistrationService/CompleteAffirmation",
          "content-type": "application/json",
        });
        let answered: number | undefined;
        stream.on("response", (headers) => {
          answered = headers[":status"];
        });
        stream.on("error", reject);
        stream.on("close", () => resolve(answered));
        stream.resume();
        stream.end(JSON.stringify({ registrationToken: "r", value: SLOW }));
      });
      expect(status).toBe(200);
      const after = await closed;
      expect(after).toBeGreaterThan(300);
      expect(after).toBeLessThan(2_000);
    } finally {
      session.destroy();
      await server.close();
    }
  });
});
