import http2 from "node:http2";
import { Writable } from "node:stream";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorFromJsonBytes } from "@connectrpc/connect/protocol-connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../../src/gen/google/rpc/error_details_pb.js";
import { createLogger } from "../../../src/log.js";
import { failureFromConnectError } from "../../../src/rpc/errors.js";
import { rpcInterceptors } from "../../../src/rpc/interceptors.js";
import { type RpcServer, startRpcServer } from "../../../src/rpc/listener.js";
import { UNDECODABLE_MESSAGE } from "../../../src/rpc/undecodable.js";
import { BROKEN, switchableReadiness, testRoutes } from "./support.js";

const INIT_AFFIRMATION = "/iam.v1.RegistrationService/InitAffirmation";

/** Bytes no protobuf parser accepts: a field number beyond the limit. */
const ILLEGAL_TAG = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
/** Field 3 (`value`, a string) holding bytes that are not UTF-8. */
const BAD_UTF8 = Uint8Array.from([0x1a, 0x02, 0xc3, 0x28]);
/** Field 3 announcing five bytes and carrying one. */
const TRUNCATED = Uint8Array.from([0x1a, 0x05, 0x61]);
/** A well-formed message over the 64 KiB limit. */
const OVERSIZED = Uint8Array.from([0x1a, 0x80, 0x88, 0x04, ...new Uint8Array(66_560).fill(0x61)]);

/** What `errorFromJsonBytes` returns when the body is no Connect error. */
const NO_ERROR_BODY = new ConnectError("no Connect error body", Code.Unknown);

/** Words of the parser's own messages, which must not reach the caller. */
const PARSER_WORDS = /parse|illegal|utf-?8|premature|tag|binary|readMaxBytes|JSON/i;

const malformed: [string, Uint8Array][] = [
  ["an illegal tag", ILLEGAL_TAG],
  ["a string field that is not UTF-8", BAD_UTF8],
  ["a truncated field", TRUNCATED],
  ["a message over 64 KiB", OVERSIZED],
];

interface LogLine {
  level: string;
  msg: string;
  request_id?: string;
  failure_code?: string;
  err?: unknown;
  stack?: unknown;
}

const lines: LogLine[] = [];
const logger = createLogger(
  "debug",
  new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as LogLine);
      done();
    },
  }),
);

let server: RpcServer;
let base: string;

beforeAll(async () => {
  server = await startRpcServer({
    host: "127.0.0.1",
    port: 0,
    routes: testRoutes,
    interceptors: rpcInterceptors(logger),
    trustedProxies: [],
    readiness: switchableReadiness().readiness,
    logger,
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  lines.length = 0;
});

/** Asserts the documented BAD_REQUEST: invalid_argument, ErrorInfo, a generic message. */
function expectBadRequest(error: ConnectError | undefined) {
  expect(error?.code).toBe(Code.InvalidArgument);
  expect(error?.rawMessage).toBe(UNDECODABLE_MESSAGE);
  expect(error?.rawMessage).not.toMatch(PARSER_WORDS);
  expect(error?.findDetails(ErrorInfoSchema)).toEqual([
    expect.objectContaining({ reason: "BAD_REQUEST", domain: "iam" }),
  ]);
  expect(failureFromConnectError(error).code).toBe("BAD_REQUEST");
}

/** The log lines of one request id. */
function linesOf(requestId: string) {
  return lines.filter((line) => line.request_id === requestId);
}

function frame(flags: number, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(5 + data.byteLength);
  bytes[0] = flags;
  new DataView(bytes.buffer).setUint32(1, data.byteLength);
  bytes.set(data, 5);
  return bytes;
}

interface H2Answer {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** One POST over a fresh h2c session, which is closed afterwards. */
function h2Post(path: string, headers: Record<string, string>, body: Uint8Array) {
  return new Promise<H2Answer>((resolve, reject) => {
    const session = http2.connect(base);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, ...headers });
    const answer: H2Answer = { headers: {}, trailers: {}, body: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    stream.on("response", (received) => {
      answer.headers = received;
    });
    stream.on("trailers", (received) => {
      answer.trailers = received;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("close", () => {
      answer.body = Buffer.concat(chunks);
      session.close();
      resolve(answer);
    });
    stream.end(body);
  });
}

/** The error of a gRPC answer, from its trailers (or headers, trailers-only). */
function grpcError(answer: H2Answer): ConnectError | undefined {
  const trailer = new Headers();
  for (const source of [answer.headers, answer.trailers]) {
    for (const [key, value] of Object.entries(source)) {
      if (!key.startsWith(":") && typeof value === "string") trailer.set(key, value);
    }
  }
  return findTrailerError(trailer);
}

describe("a request message the RPC port cannot decode", () => {
  describe.each(malformed)("%s", (_name, payload) => {
    it("is BAD_REQUEST over Connect binary (HTTP 400, not 500)", async () => {
      const response = await fetch(base + INIT_AFFIRMATION, {
        method: "POST",
        headers: { "content-type": "application/proto", "x-request-id": "connect-binary" },
        body: payload,
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/json");
      const bytes = new Uint8Array(await response.arrayBuffer());
      expectBadRequest(errorFromJsonBytes(bytes, undefined, NO_ERROR_BODY));
    });

    it("is BAD_REQUEST over gRPC (grpc-status 3 + grpc-status-details-bin)", async () => {
      const answer = await h2Post(
        INIT_AFFIRMATION,
        { "content-type": "application/grpc", te: "trailers" },
        frame(0, payload),
      );
      expect(answer.headers[":status"]).toBe(200);
      expect(answer.trailers["grpc-status"] ?? answer.headers["grpc-status"]).toBe("3");
      expect(answer.trailers["grpc-status-details-bin"]).toBeTypeOf("string");
      expectBadRequest(grpcError(answer));
    });

    it("is BAD_REQUEST over gRPC-Web", async () => {
      const response = await fetch(base + INIT_AFFIRMATION, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto" },
        body: frame(0, payload),
      });
      expect(response.status).toBe(200);
      const body = new Uint8Array(await response.arrayBuffer());
      expect(body[0]).toBe(trailerFlag);
      const trailer = trailerParse(body.subarray(5));
      expect(trailer.get("grpc-status")).toBe("3");
      expectBadRequest(findTrailerError(trailer));
    });
  });

  it("is BAD_REQUEST over Connect JSON, with the ErrorInfo detail", async () => {
    for (const body of ['{"value": ', '{"value": 5}', "[1, 2]", '{"value": "\\ud800"}']) {
      const response = await fetch(base + INIT_AFFIRMATION, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(response.status).toBe(400);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expectBadRequest(errorFromJsonBytes(bytes, undefined, NO_ERROR_BODY));
    }
  });

  it("answers a message over 64 KiB over h2c and resets the upload", async () => {
    const answer = await h2Post(
      INIT_AFFIRMATION,
      { "content-type": "application/proto" },
      new Uint8Array(256 * 1024),
    );
    expect(answer.headers[":status"]).toBe(400);
    expectBadRequest(errorFromJsonBytes(answer.body, undefined, NO_ERROR_BODY));
  });

  it("is BAD_REQUEST for @grpc/grpc-js as an independent peer", async () => {
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const error = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(
          INIT_AFFIRMATION,
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          Buffer.from(ILLEGAL_TAG),
          (thrown) => resolve(thrown),
        );
      });
      expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error?.details).toBe(UNDECODABLE_MESSAGE);
      expect(error?.metadata.get("grpc-status-details-bin")).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it("is logged once, at info, without a stack", async () => {
    await fetch(base + INIT_AFFIRMATION, {
      method: "POST",
      headers: { "content-type": "application/proto", "x-request-id": "logged-once" },
      body: ILLEGAL_TAG,
    });
    const logged = linesOf("logged-once");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: "info", msg: "rpc", failure_code: "BAD_REQUEST" });
    expect(logged[0]?.err).toBeUndefined();
    expect(lines.filter((line) => line.level === "error")).toEqual([]);
    expect(JSON.stringify(logged[0])).not.toMatch(/\n\s+at /);
  });

  it("leaves a handler's real failure internal", async () => {
    const response = await fetch(base + INIT_AFFIRMATION, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        registrationToken: "r",
        action: "IDENTIFIER_ACTION_EMAIL",
        value: BROKEN,
      }),
    });
    expect(response.status).toBe(500);
    const error = errorFromJsonBytes(
      new Uint8Array(await response.arrayBuffer()),
      undefined,
      NO_ERROR_BODY,
    );
    expect(error.code).toBe(Code.Internal);
    expect(failureFromConnectError(error).code).toBe("SERVER_ERROR");
  });

  it("leaves an unknown compression as unimplemented", async () => {
    const answer = await h2Post(
      INIT_AFFIRMATION,
      { "content-type": "application/grpc", te: "trailers", "grpc-encoding": "no-such-codec" },
      frame(1, ILLEGAL_TAG),
    );
    expect(grpcError(answer)?.code).toBe(Code.Unimplemented);
  });
});
