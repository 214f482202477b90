import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, startGateway } from "../../../gateway/server.js";
import { inProcessTransport } from "../../../gateway/transport.js";
import { rpcInterceptors } from "../../../src/rpc/interceptors.js";
import { routerTransport } from "./router-transport.js";
import {
  BROKEN,
  logger,
  RETRY_AFTER,
  SLOW,
  switchableReadiness,
  TAKEN,
  THROTTLED,
  testRoutes,
} from "./support.js";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** A REST body of /registration/affirmation/complete but for its value. */
const codeBody = { registration_token: "reg-1", action: "email_code" };

/**
 * The gateway must answer alike on the direct in-process transport and on
 * Connect's router transport, which it used before.
 */
describe("the gateway on the in-process transport and on the router transport", () => {
  const ready = switchableReadiness();
  const gateways: Gateway[] = [];

  beforeAll(async () => {
    for (const make of [inProcessTransport, routerTransport]) {
      gateways.push(
        await startGateway({
          host: "127.0.0.1",
          port: 0,
          transport: make(testRoutes, {
            interceptors: rpcInterceptors(logger),
            trustedProxies: ["127.0.0.0/8"],
            readiness: ready.readiness,
          }),
          logger,
          trustedProxies: ["127.0.0.0/8"],
          rpcTimeoutMs: 100,
        }),
      );
    }
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
  });

  const requests: [string, string, unknown, Record<string, string>][] = [
    ["a throttle", "/registration/affirmation/complete", { ...codeBody, value: THROTTLED }, {}],
    [
      "a conflict",
      "/registration/affirmation/init",
      { registration_token: "r", action: "email", value: TAKEN },
      {},
    ],
    [
      "a bug",
      "/registration/affirmation/init",
      { registration_token: "r", action: "email", value: BROKEN },
      {},
    ],
    [
      "the client address",
      "/registration/affirmation/init",
      { registration_token: "r", action: "email", value: "a@example.com" },
      { "x-forwarded-for": "203.0.113.9, 198.51.100.7" },
    ],
    [
      "the request id",
      "/registration/affirmation/resend",
      { token: "t" },
      { "x-request-id": "r-1" },
    ],
    [
      "a call past the RPC deadline",
      "/registration/affirmation/complete",
      { ...codeBody, value: SLOW },
      {},
    ],
    ["the JWKS", "/.well-known/jwks.json", undefined, {}],
    ["readiness", "/readyz", undefined, {}],
  ];

  it.each(requests)("answers %s alike", async (_name, path, body, headers) => {
    const answers = [];
    for (const gateway of gateways) {
      const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      answers.push({
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        requestId: response.headers.get("x-request-id")?.replace(UUID, "<uuid>"),
        body: (await response.text()).replace(UUID, "<uuid>"),
      });
    }
    expect(answers[0]).toEqual(answers[1]);
  });

  it("answers a throttle with 403, its body and Retry-After", async () => {
    const response = await fetch(
      `http://127.0.0.1:${gateways[0]?.port}/registration/affirmation/complete`,
      { method: "POST", body: JSON.stringify({ ...codeBody, value: THROTTLED }) },
    );
    expect(response.status).toBe(403);
    expect(response.headers.get("retry-after")).toBe(String(RETRY_AFTER));
    expect(await response.json()).toEqual({
      failure_code: "FORBIDDEN",
      failure_message: "try again later",
    });
  });

  it("answers a call past the RPC deadline with SERVER_ERROR at the deadline", async () => {
    const started = performance.now();
    const response = await fetch(
      `http://127.0.0.1:${gateways[0]?.port}/registration/affirmation/complete`,
      { method: "POST", body: JSON.stringify({ ...codeBody, value: SLOW }) },
    );
    expect(response.status).toBe(500);
    expect(((await response.json()) as { failure_code: string }).failure_code).toBe("SERVER_ERROR");
    expect(performance.now() - started).toBeLessThan(280);
  });

  it("answers 503 on /readyz when not ready, alike", async () => {
    ready.set(false);
    try {
      const statuses = [];
      for (const gateway of gateways) {
        statuses.push((await fetch(`http://127.0.0.1:${gateway.port}/readyz`)).status);
      }
      expect(statuses).toEqual([503, 503]);
    } finally {
      ready.set(true);
    }
  });
});
