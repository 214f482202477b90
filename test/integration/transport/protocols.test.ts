import net from "node:net";
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../../src/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../../src/gen/google/rpc/status_pb.js";
import {
  Health,
  HealthCheckResponse_ServingStatus,
} from "../../../src/gen/grpc/health/v1/health_pb.js";
import {
  CodeAction,
  IdentifierAction,
  RequiredAction,
} from "../../../src/gen/iam/v1/actions_pb.js";
import { RegistrationService } from "../../../src/gen/iam/v1/registration_pb.js";
import { failureFromConnectError } from "../../../src/rpc/errors.js";
import { rpcInterceptors } from "../../../src/rpc/interceptors.js";
import { type RpcServer, startRpcServer } from "../../../src/rpc/listener.js";
import {
  BROKEN,
  LEAK,
  logger,
  RETRY_AFTER,
  SLOW,
  switchableReadiness,
  TAKEN,
  THROTTLED,
  testRoutes,
} from "./support.js";

const ready = switchableReadiness();
let server: RpcServer;
let base: string;
const sessions: Http2SessionManager[] = [];

beforeAll(async () => {
  server = await startRpcServer({
    host: "127.0.0.1",
    port: 0,
    routes: testRoutes,
    interceptors: rpcInterceptors(logger),
    trustedProxies: [],
    readiness: ready.readiness,
    extraHttp: (req, res) => {
      if (req.url === "/broken") throw new Error("extra handler bug");
      if (req.url !== "/metrics") return false;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("iam_up 1\n");
      return true;
    },
    logger,
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  for (const session of sessions) session.abort();
  await server?.close();
});

/** An HTTP/2 session the suite closes at the end, or vitest never exits. */
function h2(): Http2SessionManager {
  const session = new Http2SessionManager(base);
  sessions.push(session);
  return session;
}

const transports: [string, () => Transport][] = [
  [
    "Connect JSON over HTTP/1.1",
    () => createConnectTransport({ baseUrl: base, httpVersion: "1.1" }),
  ],
  [
    "Connect binary over h2c",
    () =>
      createConnectTransport({
        baseUrl: base,
        httpVersion: "2",
        useBinaryFormat: true,
        sessionManager: h2(),
      }),
  ],
  ["gRPC-Web over HTTP/1.1", () => createGrpcWebTransport({ baseUrl: base, httpVersion: "1.1" })],
  [
    "gRPC (Connect client) over h2c",
    () => createGrpcTransport({ baseUrl: base, sessionManager: h2() }),
  ],
];

describe.each(transports)("%s on the RPC port", (_name, makeTransport) => {
  let client: ReturnType<typeof createClient<typeof RegistrationService>>;

  beforeAll(() => {
    client = createClient(RegistrationService, makeTransport());
  });

  async function failure(call: Promise<unknown>) {
    const error = await call.then(
      () => undefined,
      (thrown: unknown) => ConnectError.from(thrown),
    );
    if (error === undefined) throw new Error("the call succeeded");
    return { error, failure: failureFromConnectError(error) };
  }

  it("answers a call, repeatedly on one connection", async () => {
    for (let round = 0; round < 3; round++) {
      const answer = await client.init({});
      expect(answer.registrationToken).toBe("reg-1");
      expect(answer.requiredActions).toEqual([RequiredAction.EMAIL]);
    }
  });

  it("resolves the client address from the socket, ignoring a forged X-Forwarded-For", async () => {
    const answer = await client.initAffirmation(
      { registrationToken: "r", action: IdentifierAction.EMAIL, value: "a@example.com" },
      { headers: { "x-forwarded-for": "198.51.100.66" } },
    );
    expect(answer.mask).toBe("127.0.0.1");
  });

  it("carries the failure code in ErrorInfo and the Connect code of the table", async () => {
    const { error, failure: mapped } = await failure(
      client.initAffirmation({
        registrationToken: "r",
        action: IdentifierAction.EMAIL,
        value: TAKEN,
      }),
    );
    expect(error.code).toBe(Code.AlreadyExists);
    expect(error.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: "CONFLICT",
      domain: "iam",
    });
    expect(mapped.code).toBe("CONFLICT");
  });

  it("carries a throttle's delay", async () => {
    const { error, failure: mapped } = await failure(
      client.completeAffirmation({
        registrationToken: "r",
        action: CodeAction.EMAIL_CODE,
        value: THROTTLED,
      }),
    );
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(mapped).toEqual({
      code: "FORBIDDEN",
      message: "try again later",
      retryAfterSeconds: RETRY_AFTER,
    });
  });

  it("hides a handler's bug as a generic internal error", async () => {
    const { error, failure: mapped } = await failure(
      client.initAffirmation({
        registrationToken: "r",
        action: IdentifierAction.EMAIL,
        value: BROKEN,
      }),
    );
    expect(error.code).toBe(Code.Internal);
    expect(mapped.code).toBe("SERVER_ERROR");
    expect(error.message).not.toContain(LEAK);
  });

  it("answers the health service", async () => {
    const health = createClient(Health, makeTransport());
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const named = await health.check({ service: "iam.v1.RegistrationService" });
    expect(named.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const unknown = await failure(health.check({ service: "no.such.Service" }));
    expect(unknown.error.code).toBe(Code.NotFound);
  });
});

describe("gRPC with @grpc/grpc-js as an independent peer", () => {
  const loaded = protoLoader.loadSync(
    ["iam/v1/registration.proto", "grpc/health/v1/health.proto"],
    { includeDirs: ["proto"], keepCase: true, enums: String, defaults: true },
  );
  // biome-ignore lint/suspicious/noExplicitAny: the loaded package is untyped by nature
  const pkg = grpc.loadPackageDefinition(loaded) as any;
  let registration: grpc.Client;
  let health: grpc.Client;

  beforeAll(() => {
    const address = `127.0.0.1:${server.port}`;
    registration = new pkg.iam.v1.RegistrationService(address, grpc.credentials.createInsecure());
    health = new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  });

  afterAll(() => {
    registration?.close();
    health?.close();
  });

  type Answer = { error?: grpc.ServiceError; answer?: Record<string, unknown> };
  type Callback = (error: grpc.ServiceError | null, answer: Record<string, unknown>) => void;
  type UnaryMethod = (request: object, callback: Callback) => void;

  /** Calls a method of a client made from the loaded definition. */
  function call(client: grpc.Client, method: string, request: object) {
    const unary = (client as unknown as Record<string, UnaryMethod>)[method];
    return new Promise<Answer>((resolve) => {
      unary?.call(client, request, (error, answer) =>
        resolve(error === null ? { answer } : { error }),
      );
    });
  }

  /** The ErrorInfo inside grpc-status-details-bin, decoded as any gRPC peer would. */
  function errorInfo(error: grpc.ServiceError) {
    const [bytes] = error.metadata.get("grpc-status-details-bin") as Buffer[];
    const status = fromBinary(StatusSchema, new Uint8Array(bytes ?? []));
    const [detail] = status.details;
    return detail === undefined ? undefined : anyUnpack(detail, ErrorInfoSchema);
  }

  it("answers with snake_case fields and enum names", async () => {
    const { answer } = await call(registration, "Init", {});
    expect(answer).toEqual({
      registration_token: "reg-1",
      required_actions: ["REQUIRED_ACTION_EMAIL"],
    });
  });

  it("carries the failure code in grpc-status-details-bin", async () => {
    const { error } = await call(registration, "CompleteAffirmation", {
      registration_token: "r",
      action: "CODE_ACTION_EMAIL_CODE",
      value: "EXPIRED",
    });
    expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(errorInfo(error as grpc.ServiceError)).toMatchObject({
      reason: "EXPIRED",
      domain: "iam",
    });
  });

  it("sends a throttle's retry-after in the trailers", async () => {
    const { error } = await call(registration, "CompleteAffirmation", {
      registration_token: "r",
      action: "CODE_ACTION_EMAIL_CODE",
      value: THROTTLED,
    });
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.metadata.get("retry-after")).toEqual([String(RETRY_AFTER)]);
    expect(errorInfo(error as grpc.ServiceError)?.metadata.retry_after_seconds).toBe(
      String(RETRY_AFTER),
    );
  });

  it("answers the standard health check, SERVING or NOT_SERVING", async () => {
    expect((await call(health, "Check", { service: "" })).answer).toEqual({ status: "SERVING" });
    ready.set(false);
    const notReady = await call(health, "Check", { service: "" });
    ready.set(true);
    expect(notReady.answer).toEqual({ status: "NOT_SERVING" });
  });
});

describe("h2c through the replaying socket", () => {
  it("answers small calls without a Nagle delay (regression: ~40 ms per call)", async () => {
    const client = createClient(
      RegistrationService,
      createConnectTransport({ baseUrl: base, httpVersion: "2", sessionManager: h2() }),
    );
    await client.init({});
    const started = performance.now();
    for (let round = 0; round < 10; round++) await client.init({});
    expect(performance.now() - started).toBeLessThan(300);
  });
});

describe("the RPC port's plain HTTP", () => {
  it("serves extra endpoints such as /metrics on the same port", async () => {
    const response = await fetch(`${base}/metrics`);
    expect(await response.text()).toBe("iam_up 1\n");
  });

  it("survives an extra endpoint that throws", async () => {
    expect((await fetch(`${base}/broken`)).status).toBe(500);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it("refuses a request message over 64 KiB as BAD_REQUEST", async () => {
    const client = createClient(
      RegistrationService,
      createConnectTransport({ baseUrl: base, httpVersion: "1.1" }),
    );
    const value = "a".repeat(65 * 1024);
    const error = await client
      .initAffirmation({ registrationToken: "r", action: IdentifierAction.EMAIL, value })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(failureFromConnectError(error).code).toBe("BAD_REQUEST");
  });

  it("answers bytes that are no HTTP at all with a 400 and a closed connection", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, "127.0.0.1", () => socket.write("HELLO\r\n\r\n"));
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk;
      });
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });
});

describe("startRpcServer close", () => {
  it("lets calls in flight finish, then refuses new connections", async () => {
    const own = await startRpcServer({
      host: "127.0.0.1",
      port: 0,
      routes: testRoutes,
      interceptors: rpcInterceptors(logger),
      trustedProxies: [],
      logger,
    });
    const url = `http://127.0.0.1:${own.port}`;
    const session = new Http2SessionManager(url);
    const overH2 = createClient(
      RegistrationService,
      createConnectTransport({ baseUrl: url, httpVersion: "2", sessionManager: session }),
    );
    const overH1 = createClient(
      RegistrationService,
      createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
    );
    await overH1.init({});
    const slow = { registrationToken: "r", action: CodeAction.EMAIL_CODE, value: SLOW };

    try {
      const inFlight = [overH2.completeAffirmation(slow), overH1.completeAffirmation(slow)];
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      await own.close();

      const answers = await Promise.all(inFlight);
      expect(answers.map((answer) => answer.requiredActions)).toEqual([[], []]);
      expect(Date.now() - started).toBeLessThan(1_500);
      const refused = await fetch(`${url}/`).then(
        () => false,
        () => true,
      );
      expect(refused).toBe(true);
    } finally {
      session.abort();
    }
  });
});
