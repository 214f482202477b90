import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { type FailureCode, IamError, isFailureCode } from "../errors.js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import type { Logger } from "../log.js";
import { requestIdKey } from "./context.js";

/** The `domain` of every ErrorInfo detail this service attaches. */
export const ERROR_DOMAIN = "iam";

/** The ErrorInfo metadata key that carries a throttle's delay in seconds. */
export const RETRY_AFTER_METADATA = "retry_after_seconds";

/** What the caller is told when something unexpected failed. */
const GENERIC_SERVER_MESSAGE = "the service could not complete the request";

/** Errors made by `protocolError`, which the error interceptor lets through unchanged. */
const deliberate = new WeakSet<ConnectError>();

/**
 * A protocol-level error that is not one of the documented failures, such
 * as the health protocol's NOT_FOUND for an unknown service name. The
 * error interceptor passes it on as it is instead of hiding it as a
 * SERVER_ERROR.
 */
export function protocolError(message: string, code: Code): ConnectError {
  const error = new ConnectError(message, code);
  deliberate.add(error);
  return error;
}

/** A failure as it arrived from an RPC, whatever the protocol. */
export interface RpcFailure {
  readonly code: FailureCode;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

/**
 * Turns whatever a handler threw into the ConnectError the caller sees.
 * An IamError keeps its code and message; anything else becomes a generic
 * SERVER_ERROR. Every SERVER_ERROR is logged here, once, with its cause
 * and stack; other failures are the caller's and are not logged here.
 */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (thrown) {
      if (thrown instanceof ConnectError && passesThrough(thrown, req.signal)) throw thrown;
      const error = toConnectError(thrown);
      if (failureFromConnectError(error).code === "SERVER_ERROR") {
        logger.error(
          {
            err: unexpectedCause(thrown),
            method: `${req.service.typeName}/${req.method.name}`,
            request_id: req.contextValues.get(requestIdKey),
          },
          "rpc failed unexpectedly",
        );
      }
      throw error;
    }
  };
}

/**
 * The ConnectError for a thrown value: its Connect code from the failure
 * table, a `google.rpc.ErrorInfo` detail naming the failure code, and for
 * throttles a `retry-after` header (a trailer in gRPC).
 */
export function toConnectError(thrown: unknown): ConnectError {
  if (thrown instanceof IamError) return fromIamError(thrown);
  if (thrown instanceof ConnectError && hasIamDetail(thrown)) return thrown;
  return failureError("SERVER_ERROR", GENERIC_SERVER_MESSAGE, Code.Internal, undefined, thrown);
}

function fromIamError(error: IamError): ConnectError {
  const cause = error.cause ?? error;
  return failureError(error.code, error.message, error.connectCode, error.retryAfterSeconds, cause);
}

function failureError(
  code: FailureCode,
  message: string,
  connectCode: Code,
  retryAfterSeconds: number | undefined,
  cause: unknown,
): ConnectError {
  const metadata: Record<string, string> = {};
  const headers = new Headers();
  if (retryAfterSeconds !== undefined) {
    metadata[RETRY_AFTER_METADATA] = String(retryAfterSeconds);
    headers.set("retry-after", String(retryAfterSeconds));
  }
  const detail = {
    desc: ErrorInfoSchema,
    value: { reason: code, domain: ERROR_DOMAIN, metadata },
  };
  return new ConnectError(message, connectCode, headers, [detail], cause);
}

/**
 * Reads the failure back out of an RPC error, on the gateway or in a
 * client. The ErrorInfo detail decides; without one (a transport error,
 * a peer that is not this service) the Connect code does, with a generic
 * message so that nothing internal reaches a person.
 */
export function failureFromConnectError(thrown: unknown): RpcFailure {
  const error = ConnectError.from(thrown);
  const info = iamDetail(error);
  if (info !== undefined && isFailureCode(info.reason)) {
    const retryAfterSeconds =
      parseSeconds(info.metadata[RETRY_AFTER_METADATA]) ??
      parseSeconds(error.metadata.get("retry-after"));
    return retryAfterSeconds === undefined
      ? { code: info.reason, message: error.rawMessage }
      : { code: info.reason, message: error.rawMessage, retryAfterSeconds };
  }
  const code = failureOfConnectCode(error.code);
  return { code, message: FALLBACK_MESSAGES[code] };
}

function iamDetail(error: ConnectError) {
  try {
    return error.findDetails(ErrorInfoSchema).find((info) => info.domain === ERROR_DOMAIN);
  } catch {
    return undefined;
  }
}

/** Deliberate protocol errors, and cancellations of calls the caller already gave up on. */
function passesThrough(error: ConnectError, signal: AbortSignal): boolean {
  return deliberate.has(error) || (signal.aborted && !hasIamDetail(error));
}

function hasIamDetail(error: ConnectError): boolean {
  const info = iamDetail(error);
  return info !== undefined && isFailureCode(info.reason);
}

/** A non-IamError is logged as it was thrown; an IamError by its cause when it has one. */
function unexpectedCause(thrown: unknown): unknown {
  return thrown instanceof IamError && thrown.cause !== undefined ? thrown.cause : thrown;
}

function parseSeconds(text: string | null | undefined): number | undefined {
  if (text == null || !/^\d{1,9}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

/** The failure code a bare Connect code stands for, the reverse of the failure table. */
function failureOfConnectCode(code: Code): FailureCode {
  switch (code) {
    case Code.InvalidArgument:
      return "BAD_REQUEST";
    case Code.AlreadyExists:
      return "CONFLICT";
    case Code.FailedPrecondition:
      return "INCOMPLETE";
    case Code.Unauthenticated:
      return "UNAUTHORIZED";
    case Code.PermissionDenied:
      return "FORBIDDEN";
    case Code.ResourceExhausted:
      // This service's throttles always carry ErrorInfo; a bare
      // resource_exhausted comes from the protocol: a message over the limit.
      return "BAD_REQUEST";
    default:
      return "SERVER_ERROR";
  }
}

const FALLBACK_MESSAGES: Readonly<Record<FailureCode, string>> = {
  BAD_REQUEST: "the request is not valid",
  VALIDATION_ERROR: "a value in the request is not acceptable",
  CONFLICT: "this identifier already belongs to an account",
  INCOMPLETE: "required actions are still owed",
  CAPTCHA_FAILED: "the captcha is missing or was rejected",
  UNAUTHORIZED: "the request is not authorised",
  EXPIRED: "the token has expired",
  FORBIDDEN: "this step is not allowed now",
  SERVER_ERROR: GENERIC_SERVER_MESSAGE,
};
