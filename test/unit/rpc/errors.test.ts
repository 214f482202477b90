import { Writable } from "node:stream";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { failures, IamError } from "../../../src/errors.js";
import { ErrorInfoSchema } from "../../../src/gen/google/rpc/error_details_pb.js";
import { RegistrationService } from "../../../src/gen/iam/v1/registration_pb.js";
import { createLogger } from "../../../src/log.js";
import {
  errorInterceptor,
  failureFromConnectError,
  protocolError,
  toConnectError,
} from "../../../src/rpc/errors.js";

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger("debug", sink), lines };
}

/** A client whose Init throws whatever the test hands it, through the wire format. */
function clientThrowing(thrown: unknown, logger = capturingLogger().logger) {
  const transport = createRouterTransport(
    (router) =>
      router.service(RegistrationService, {
        init: () => {
          throw thrown;
        },
      }),
    { router: { interceptors: [errorInterceptor(logger)] } },
  );
  return createClient(RegistrationService, transport);
}

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return { error: ConnectError.from(error), failure: failureFromConnectError(error) };
  }
  throw new Error("the call succeeded");
}

describe("toConnectError", () => {
  it("keeps the code and message of an IamError and names it in ErrorInfo", () => {
    const error = toConnectError(new IamError("CONFLICT", "already taken"));
    expect(error.code).toBe(Code.AlreadyExists);
    expect(error.rawMessage).toBe("already taken");
    const [info] = error.findDetails(ErrorInfoSchema);
    expect(info?.reason).toBe("CONFLICT");
    expect(info?.domain).toBe("iam");
  });

  it("uses resource_exhausted and a retry-after for throttles", () => {
    const error = toConnectError(failures.throttled("wait", 12.2));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.metadata.get("retry-after")).toBe("13");
    expect(error.findDetails(ErrorInfoSchema)[0]?.metadata.retry_after_seconds).toBe("13");
  });

  it("uses unavailable for a dependency that is down", () => {
    expect(toConnectError(failures.unavailable(new Error("redis"))).code).toBe(Code.Unavailable);
  });

  it("hides anything else behind a generic SERVER_ERROR", () => {
    const error = toConnectError(new Error("SELECT * FROM users failed"));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).not.toMatch(/SELECT/);
    expect(error.findDetails(ErrorInfoSchema)[0]?.reason).toBe("SERVER_ERROR");
  });
});

describe("errorInterceptor", () => {
  it.each([
    ["BAD_REQUEST", Code.InvalidArgument],
    ["VALIDATION_ERROR", Code.InvalidArgument],
    ["CONFLICT", Code.AlreadyExists],
    ["INCOMPLETE", Code.FailedPrecondition],
    ["CAPTCHA_FAILED", Code.InvalidArgument],
    ["UNAUTHORIZED", Code.Unauthenticated],
    ["EXPIRED", Code.Unauthenticated],
    ["FORBIDDEN", Code.PermissionDenied],
    ["SERVER_ERROR", Code.Internal],
  ] as const)("carries %s across the wire", async (code, connectCode) => {
    const { error, failure } = await failureOf(
      clientThrowing(new IamError(code, "for people")).init({}),
    );
    expect(error.code).toBe(connectCode);
    expect(failure).toEqual({ code, message: "for people" });
  });

  it("carries a throttle's delay across the wire", async () => {
    const { failure } = await failureOf(clientThrowing(failures.throttled("wait", 30)).init({}));
    expect(failure).toEqual({ code: "FORBIDDEN", message: "wait", retryAfterSeconds: 30 });
  });

  it("logs an unexpected error once, with its stack, and hides it from the caller", async () => {
    const { logger, lines } = capturingLogger();
    const { failure } = await failureOf(
      clientThrowing(new TypeError("secret detail"), logger).init({}),
    );
    expect(failure.code).toBe("SERVER_ERROR");
    expect(failure.message).not.toMatch(/secret/);
    const errors = lines.filter((line) => line.level === "error");
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toMatch(/TypeError: secret detail\\n\s+at /);
  });

  it("logs the cause of a SERVER_ERROR IamError", async () => {
    const { logger, lines } = capturingLogger();
    await failureOf(clientThrowing(failures.server(new Error("pool exhausted")), logger).init({}));
    expect(JSON.stringify(lines.find((line) => line.level === "error"))).toMatch(/pool exhausted/);
  });

  it("does not log the caller's own failures", async () => {
    const { logger, lines } = capturingLogger();
    await failureOf(clientThrowing(failures.conflict(), logger).init({}));
    expect(lines.filter((line) => line.level === "error")).toEqual([]);
  });

  it("lets a deliberate protocol error through unchanged", async () => {
    const { error } = await failureOf(
      clientThrowing(protocolError("no such thing", Code.NotFound)).init({}),
    );
    expect(error.code).toBe(Code.NotFound);
  });
});

describe("failureFromConnectError", () => {
  it("falls back on the Connect code, with a generic message", () => {
    expect(failureFromConnectError(new ConnectError("x", Code.Unauthenticated))).toEqual({
      code: "UNAUTHORIZED",
      message: "the request is not authorised",
    });
    expect(failureFromConnectError(new ConnectError("x", Code.PermissionDenied)).code).toBe(
      "FORBIDDEN",
    );
    // Throttles always carry ErrorInfo; a bare one is the protocol's size limit.
    expect(failureFromConnectError(new ConnectError("x", Code.ResourceExhausted)).code).toBe(
      "BAD_REQUEST",
    );
    expect(
      failureFromConnectError(new ConnectError("ECONNREFUSED 10.0.0.1", Code.Unavailable)),
    ).toEqual({ code: "SERVER_ERROR", message: "the service could not complete the request" });
  });

  it("ignores ErrorInfo of another domain or with an unknown reason", () => {
    const foreign = new ConnectError("x", Code.PermissionDenied, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "CONFLICT", domain: "elsewhere" } },
    ]);
    expect(failureFromConnectError(foreign).code).toBe("FORBIDDEN");
    const odd = new ConnectError("x", Code.InvalidArgument, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "NOPE", domain: "iam" } },
    ]);
    expect(failureFromConnectError(odd).code).toBe("BAD_REQUEST");
  });

  it("reads the delay from the retry-after header when ErrorInfo lacks it", () => {
    const error = new ConnectError("wait", Code.ResourceExhausted, { "retry-after": "9" }, [
      { desc: ErrorInfoSchema, value: { reason: "FORBIDDEN", domain: "iam" } },
    ]);
    expect(failureFromConnectError(error).retryAfterSeconds).toBe(9);
  });

  it("maps something that is not an error at all to SERVER_ERROR", () => {
    expect(failureFromConnectError("weird").code).toBe("SERVER_ERROR");
  });
});
