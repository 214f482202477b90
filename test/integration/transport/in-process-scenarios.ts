// What in-process.test.ts runs on both transports: routes that report what
// a handler saw, and the scenarios with the outcome each must have.
import { setTimeout as sleep } from "node:timers/promises";
import { type DescMethodUnary, isMessage, toJson } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type HandlerContext,
  type Transport,
} from "@connectrpc/connect";
import { expect } from "vitest";
import { failures } from "../../../src/errors.js";
import { ErrorInfoSchema } from "../../../src/gen/google/rpc/error_details_pb.js";
import { Health } from "../../../src/gen/grpc/health/v1/health_pb.js";
import { AuthenticationService } from "../../../src/gen/iam/v1/authentication_pb.js";
import { KeyService } from "../../../src/gen/iam/v1/keys_pb.js";
import { RecoveryService } from "../../../src/gen/iam/v1/recovery_pb.js";
import { RegistrationService } from "../../../src/gen/iam/v1/registration_pb.js";
import { clientAddressKey, requestIdKey } from "../../../src/rpc/context.js";
import { failureFromConnectError, protocolError } from "../../../src/rpc/errors.js";
import { BROKEN, RETRY_AFTER, SLOW, TAKEN, THROTTLED, testRoutes } from "./support.js";

/** A request id as the interceptor mints it, masked in what handlers saw. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** What a handler saw of its context, as a string the tests can compare. */
function seen(context: HandlerContext): string {
  const left = context.timeoutMs();
  return JSON.stringify({
    protocol: context.protocolName,
    requestMethod: context.requestMethod,
    url: context.url,
    service: context.service.typeName,
    method: context.method.name,
    timeout: left === undefined ? "none" : left > 0 && left <= 1_000 ? "within 1 s" : left,
    aborted: context.signal.aborted,
    requestId: context.values.get(requestIdKey),
    client: context.values.get(clientAddressKey),
    custom: context.requestHeader.get("x-custom"),
  }).replace(UUID, "<uuid>");
}

/** Signals the handlers got, to look at once their call is over. */
export const handlerSignals: AbortSignal[] = [];

/** testRoutes plus RecoveryService methods that show what reaches a handler. */
export function probeRoutes(router: ConnectRouter): void {
  testRoutes(router);
  router.service(RecoveryService, {
    init: (_request, context) => {
      context.responseHeader.set("x-probe", "header");
      context.responseTrailer.set("x-probe-trailer", "trailer");
      return { resetPasswordToken: seen(context) };
    },
    initAffirmation: (_request, context) => {
      context.responseHeader.set("x-probe", "header");
      context.responseTrailer.set("x-probe-trailer", "trailer");
      throw failures.throttled("slow down", 7);
    },
    completeAffirmation: () => {
      throw protocolError("no such thing", Code.NotFound);
    },
    resend: async (request, context) => {
      handlerSignals.push(context.signal);
      if (request.token === SLOW) await sleep(300);
      return { token: seen(context) };
    },
    refreshAccess: () => {
      throw new ConnectError("a bare error a handler let out", Code.PermissionDenied);
    },
  });
}

/** An outcome of one call, in the terms a caller can observe. */
export async function outcome(
  call: Promise<{ message: unknown; header: Headers; trailer: Headers }>,
) {
  try {
    const response = await call;
    const r = response as unknown as {
      method: DescMethodUnary;
      message: Parameters<typeof toJson>[1];
    };
    return {
      ok: true,
      real: isMessage(r.message, r.method.output),
      message: toJson(r.method.output, r.message),
      header: response.header.get("x-probe"),
      trailer: response.trailer.get("x-probe-trailer"),
    };
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(ConnectError);
    const error = thrown as ConnectError;
    return {
      ok: false,
      code: Code[error.code],
      message: error.rawMessage.replace(UUID, "<uuid>"),
      info: error.findDetails(ErrorInfoSchema).map((info) => ({
        reason: info.reason,
        domain: info.domain,
        metadata: info.metadata,
      })),
      retryAfter: error.metadata.get("retry-after"),
      probeHeader: error.metadata.get("x-probe"),
      probeTrailer: error.metadata.get("x-probe-trailer"),
      failure: failureFromConnectError(error),
    };
  }
}

type Scenario = (transport: Transport) => Promise<unknown>;

const xff = "203.0.113.9, 198.51.100.7";
export const unary = <M extends DescMethodUnary>(
  transport: Transport,
  method: M,
  input: Record<string, unknown>,
  header: Record<string, string> = {},
  timeoutMs: number | undefined = 1_000,
  signal?: AbortSignal,
) =>
  outcome(
    transport.unary(method, signal, timeoutMs, header, input as never) as Promise<{
      message: unknown;
      header: Headers;
      trailer: Headers;
    }>,
  );

export const affirmation = { registrationToken: "reg-1", value: "a@example.com" };

/** Each scenario with what the caller must get, on both transports. */
export const scenarios: [string, Scenario, Record<string, unknown>][] = [
  [
    "a plain answer, as a real message",
    (t) => unary(t, RegistrationService.method.init, {}),
    {
      ok: true,
      real: true,
      message: { registrationToken: "reg-1", requiredActions: ["REQUIRED_ACTION_EMAIL"] },
    },
  ],
  [
    "the client address from X-Forwarded-For, no socket counting as trusted",
    (t) =>
      unary(t, RegistrationService.method.initAffirmation, affirmation, { "x-forwarded-for": xff }),
    { ok: true, message: expect.objectContaining({ mask: "198.51.100.7" }) },
  ],
  [
    "the request id handed to the handler",
    (t) =>
      unary(t, RegistrationService.method.resend, { token: "t" }, { "x-request-id": "trace-9" }),
    { ok: true, message: expect.objectContaining({ token: "trace-9" }) },
  ],
  [
    "the handler's context, headers and trailers",
    (t) =>
      unary(
        t,
        RecoveryService.method.init,
        {},
        {
          "x-request-id": "bad id",
          "x-forwarded-for": xff,
          "x-custom": "custom",
        },
      ),
    {
      ok: true,
      header: "header",
      trailer: "trailer",
      message: {
        resetPasswordToken: JSON.stringify({
          protocol: "connect",
          requestMethod: "POST",
          url: "https://in-memory/iam.v1.RecoveryService/Init",
          service: "iam.v1.RecoveryService",
          method: "Init",
          timeout: "within 1 s",
          aborted: false,
          requestId: "<uuid>",
          client: "198.51.100.7",
          custom: "custom",
        }),
      },
    },
  ],
  [
    "no deadline for a timeout of 0",
    (t) => unary(t, RecoveryService.method.init, {}, {}, 0),
    {
      ok: true,
      message: { resetPasswordToken: expect.stringContaining('"timeout":"none"') },
    },
  ],
  [
    "an IamError with its ErrorInfo",
    (t) => unary(t, RegistrationService.method.initAffirmation, { ...affirmation, value: TAKEN }),
    {
      ok: false,
      code: "AlreadyExists",
      info: [{ reason: "CONFLICT", domain: "iam", metadata: {} }],
      failure: expect.objectContaining({ code: "CONFLICT" }),
    },
  ],
  [
    "a throttle's retry-after, in ErrorInfo and metadata",
    (t) =>
      unary(t, RegistrationService.method.completeAffirmation, {
        registrationToken: "r",
        value: THROTTLED,
      }),
    {
      ok: false,
      code: "ResourceExhausted",
      message: "try again later",
      info: [
        {
          reason: "FORBIDDEN",
          domain: "iam",
          metadata: { retry_after_seconds: String(RETRY_AFTER) },
        },
      ],
      retryAfter: String(RETRY_AFTER),
      failure: { code: "FORBIDDEN", message: "try again later", retryAfterSeconds: RETRY_AFTER },
    },
  ],
  [
    "a failure with the handler's headers and trailers as metadata",
    (t) => unary(t, RecoveryService.method.initAffirmation, {}),
    { ok: false, retryAfter: "7", probeHeader: "header", probeTrailer: "trailer" },
  ],
  [
    "a bug hidden as SERVER_ERROR",
    (t) => unary(t, RegistrationService.method.initAffirmation, { ...affirmation, value: BROKEN }),
    {
      ok: false,
      code: "Internal",
      message: "the service could not complete the request",
      failure: expect.objectContaining({ code: "SERVER_ERROR" }),
    },
  ],
  [
    "a bare ConnectError from a handler as SERVER_ERROR",
    (t) => unary(t, RecoveryService.method.refreshAccess, {}),
    { ok: false, code: "Internal" },
  ],
  [
    "a deliberate protocol error as it is",
    (t) => unary(t, RecoveryService.method.completeAffirmation, {}),
    { ok: false, code: "NotFound", message: "no such thing", info: [] },
  ],
  [
    "an unimplemented method of a registered service, through the interceptors",
    (t) => unary(t, RecoveryService.method.complete, {}),
    { ok: false, code: "Internal", failure: expect.objectContaining({ code: "SERVER_ERROR" }) },
  ],
  [
    "a method of a service nobody registered as unimplemented",
    (t) => unary(t, AuthenticationService.method.init, {}),
    {
      ok: false,
      code: "Unimplemented",
      message: "RouterHttpClient: no handler registered for /iam.v1.AuthenticationService/Init",
    },
  ],
  [
    "readiness from the health service",
    (t) => unary(t, Health.method.check, { service: "" }),
    { ok: true, message: { status: "SERVING" } },
  ],
  [
    "a registered service's health",
    (t) => unary(t, Health.method.check, { service: KeyService.typeName }),
    { ok: true, message: { status: "SERVING" } },
  ],
  [
    "NOT_FOUND for an unknown service's health",
    (t) => unary(t, Health.method.check, { service: "nope.Service" }),
    { ok: false, code: "NotFound", message: "unknown service" },
  ],
  [
    "deadline_exceeded at the deadline",
    (t) => unary(t, RegistrationService.method.completeAffirmation, { value: SLOW }, {}, 50),
    { ok: false, code: "DeadlineExceeded", message: "the operation timed out", info: [] },
  ],
  [
    "canceled when the caller aborts",
    (t) =>
      unary(
        t,
        RegistrationService.method.completeAffirmation,
        { value: SLOW },
        {},
        1_000,
        AbortSignal.timeout(30),
      ),
    { ok: false, code: "Canceled", failure: expect.objectContaining({ code: "SERVER_ERROR" }) },
  ],
  [
    "canceled when the caller aborted before the call",
    (t) => {
      const aborter = new AbortController();
      aborter.abort();
      return unary(t, RegistrationService.method.init, {}, {}, 1_000, aborter.signal);
    },
    { ok: false, code: "Canceled", message: "This operation was aborted" },
  ],
];
