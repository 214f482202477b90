import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, startGateway } from "../../../gateway/server.js";
import { inProcessTransport } from "../../../gateway/transport.js";
import { FAILURES, type FailureCode } from "../../../src/errors.js";
import { rpcInterceptors } from "../../../src/rpc/interceptors.js";
import {
  BROKEN,
  LEAK,
  logger,
  RETRY_AFTER,
  switchableReadiness,
  TAKEN,
  THROTTLED,
  testRoutes,
} from "./support.js";

const ready = switchableReadiness();
let gateway: Gateway;
let base: string;

beforeAll(async () => {
  const transport = inProcessTransport(testRoutes, {
    interceptors: rpcInterceptors(logger),
    trustedProxies: [],
    readiness: ready.readiness,
  });
  gateway = await startGateway({
    host: "127.0.0.1",
    port: 0,
    transport,
    logger,
    trustedProxies: [],
  });
  base = `http://127.0.0.1:${gateway.port}`;
});

afterAll(async () => {
  await gateway?.close();
});

/** POSTs a body (an object is sent as JSON, a string as it is) and reads the answer. */
async function post(path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined || typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const json: Record<string, unknown> = text === "" ? {} : JSON.parse(text);
  return { response, status: response.status, json };
}

const affirmation = { registration_token: "reg-1", action: "email", value: "a@example.com" };

describe("gateway documented paths", () => {
  it("answers POST /registration/init without a body", async () => {
    const { status, json, response } = await post("/registration/init");
    expect(status).toBe(200);
    expect(json).toEqual({ registration_token: "reg-1", required_actions: ["email"] });
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("turns a documented JSON body into the RPC and its answer back into JSON", async () => {
    const { status, json } = await post("/registration/affirmation/init", affirmation);
    expect(status).toBe(200);
    expect(json).toEqual({
      registration_token: "reg-1",
      required_actions: ["email_code"],
      resend_date: "2026-01-01T00:01:00.000Z",
      mask: "127.0.0.1",
    });
  });

  it("answers the ping, liveness and JWKS", async () => {
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "alive" });
    const jwks = await fetch(`${base}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(await jwks.json()).toEqual({
      keys: [
        {
          kty: "OKP",
          crv: "Ed25519",
          x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
          kid: "k1",
        },
      ],
    });
  });

  it("answers HEAD on GET paths", async () => {
    const response = await fetch(`${base}/healthz`, { method: "HEAD" });
    expect(response.status).toBe(200);
  });

  it("reports readiness from the health service", async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    ready.set(false);
    const notReady = await fetch(`${base}/readyz`);
    ready.set(true);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { failure_code: string }).failure_code).toBe("SERVER_ERROR");
  });
});

describe("gateway failures", () => {
  const codes = Object.keys(FAILURES) as FailureCode[];

  it.each(codes)("answers %s with its status and the documented body", async (code) => {
    const body = { registration_token: "reg-1", action: "email_code", value: code };
    const { status, json, response } = await post("/registration/affirmation/complete", body);
    expect(status).toBe(FAILURES[code].httpStatus);
    expect(json).toEqual({ failure_code: code, failure_message: `failed: ${code}` });
    expect(response.headers.get("retry-after")).toBeNull();
  });

  it("adds Retry-After to a throttle", async () => {
    const body = { registration_token: "reg-1", action: "email_code", value: THROTTLED };
    const { status, json, response } = await post("/registration/affirmation/complete", body);
    expect(status).toBe(403);
    expect(json.failure_code).toBe("FORBIDDEN");
    expect(response.headers.get("retry-after")).toBe(String(RETRY_AFTER));
  });

  it("answers CONFLICT from a named constructor", async () => {
    const { status, json } = await post("/registration/affirmation/init", {
      ...affirmation,
      value: TAKEN,
    });
    expect(status).toBe(400);
    expect(json.failure_code).toBe("CONFLICT");
  });

  it("hides a handler's bug behind a generic SERVER_ERROR", async () => {
    const { status, json } = await post("/registration/affirmation/init", {
      ...affirmation,
      value: BROKEN,
    });
    expect(status).toBe(500);
    expect(json.failure_code).toBe("SERVER_ERROR");
    expect(JSON.stringify(json)).not.toContain("hunter2");
    expect(JSON.stringify(json)).not.toContain(LEAK);
  });

  it.each([
    ["text that is not JSON", "{not json", /not valid JSON/],
    ["a JSON array", "[]", /JSON object/],
    ["a JSON string", '"hello"', /JSON object/],
    ["a missing field", JSON.stringify({ action: "email", value: "x" }), /registration_token/],
    ["a wrong type", JSON.stringify({ ...affirmation, value: 5 }), /value must be a string/],
    ["an unknown enum", JSON.stringify({ ...affirmation, action: "fax" }), /action/],
    ["an unspecified enum", JSON.stringify({ ...affirmation, action: "unspecified" }), /action/],
  ])("answers %s with BAD_REQUEST", async (_name, body, message) => {
    const { status, json } = await post("/registration/affirmation/init", body);
    expect(status).toBe(400);
    expect(json.failure_code).toBe("BAD_REQUEST");
    expect(json.failure_message).toMatch(message);
  });

  it("ignores unknown fields", async () => {
    const { status } = await post("/registration/affirmation/init", { ...affirmation, x: [1] });
    expect(status).toBe(200);
  });

  it("refuses a 65 KiB body by its Content-Length and closes the connection", async () => {
    const big = JSON.stringify({ ...affirmation, value: "a".repeat(65 * 1024) });
    const { status, json, response } = await post("/registration/affirmation/init", big);
    expect(status).toBe(400);
    expect(json.failure_code).toBe("BAD_REQUEST");
    expect(response.headers.get("connection")).toBe("close");
  });

  it("refuses a chunked body once it passes 64 KiB", async () => {
    const answer = await rawChunkedPost("/registration/affirmation/init", 80, 1024);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).failure_code).toBe("BAD_REQUEST");
  });

  it("accepts a chunked body under the limit", async () => {
    const answer = await rawChunkedPost("/registration/init", 0, 0);
    expect(answer.status).toBe(200);
  });

  it("refuses an oversized body before it is sent when the client expects 100", async () => {
    const head =
      "POST /registration/affirmation/init HTTP/1.1\r\nhost: x\r\n" +
      "content-length: 70000\r\nexpect: 100-continue\r\n\r\n";
    const answer = await rawExchange(head);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).not.toMatch(/100 Continue/);
    expect(answer).toContain('"failure_code":"BAD_REQUEST"');
  });

  it("answers bytes that are not HTTP with the documented failure body", async () => {
    const answer = await rawExchange("NOT HTTP AT ALL\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"failure_code":"BAD_REQUEST"');
  });

  it("answers an unknown path with 404 and a BAD_REQUEST body", async () => {
    const { status, json } = await post("/registration/nope", {});
    expect(status).toBe(404);
    expect(json.failure_code).toBe("BAD_REQUEST");
    expect((await fetch(`${base}/registration/init/`)).status).toBe(404);
  });

  it("answers a wrong method with 405, Allow and a BAD_REQUEST body", async () => {
    const get = await fetch(`${base}/registration/init`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(((await get.json()) as { failure_code: string }).failure_code).toBe("BAD_REQUEST");
    const postPing = await post("/healthz", {});
    expect(postPing.status).toBe(405);
    expect(postPing.response.headers.get("allow")).toBe("GET, HEAD");
  });

  it("never answers a 5xx to odd input", async () => {
    const odd = ["", "null", "{}", '{"registration_token": null}', "\u0000", "{".repeat(5000)];
    for (const body of odd) {
      const { status } = await post("/registration/affirmation/init", body);
      expect(status, body.slice(0, 20)).toBeLessThan(500);
    }
  });
});

describe("gateway request context", () => {
  it("echoes a well-formed X-Request-Id and hands it to the RPC", async () => {
    const { json, response } = await post(
      "/registration/affirmation/resend",
      { token: "t" },
      { "x-request-id": "trace-123" },
    );
    expect(response.headers.get("x-request-id")).toBe("trace-123");
    expect(json.token).toBe("trace-123");
  });

  it("generates a request id when there is none or it is malformed", async () => {
    const { json, response } = await post(
      "/registration/affirmation/resend",
      { token: "t" },
      { "x-request-id": "bad id\twith spaces" },
    );
    const id = response.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(json.token).toBe(id);
  });

  it("does not believe X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const { json } = await post("/registration/affirmation/init", affirmation, {
      "x-forwarded-for": "198.51.100.7",
    });
    expect(json.mask).toBe("127.0.0.1");
  });

  it("believes X-Forwarded-For from a trusted proxy", async () => {
    const transport = inProcessTransport(testRoutes, {
      interceptors: rpcInterceptors(logger),
      trustedProxies: ["127.0.0.0/8"],
    });
    const trusting = await startGateway({
      host: "127.0.0.1",
      port: 0,
      transport,
      logger,
      trustedProxies: ["127.0.0.0/8"],
    });
    try {
      const response = await fetch(
        `http://127.0.0.1:${trusting.port}/registration/affirmation/init`,
        {
          method: "POST",
          headers: { "x-forwarded-for": "203.0.113.9, 198.51.100.7" },
          body: JSON.stringify(affirmation),
        },
      );
      expect(((await response.json()) as { mask: string }).mask).toBe("198.51.100.7");
    } finally {
      await trusting.close();
    }
  });
});

/** Writes raw bytes to the gateway and reads until it closes the connection. */
function rawExchange(bytes: string) {
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect(gateway.port, "127.0.0.1", () => socket.write(bytes));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
  });
}

/** Sends a chunked body of `chunks` × `size` bytes with node:http and reads the answer. */
function rawChunkedPost(path: string, chunks: number, size: number) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request(`${base}${path}`, { method: "POST" }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (text: string) => {
        body += text;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    for (let index = 0; index < chunks; index++) {
      if (request.destroyed) break;
      request.write("x".repeat(size));
    }
    request.end();
  });
}
