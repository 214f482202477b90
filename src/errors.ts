import { Code } from "@connectrpc/connect";

/**
 * The documented failure codes. Every failure the service reports carries
 * exactly one of them, whichever protocol the caller speaks.
 */
export type FailureCode =
  | "BAD_REQUEST"
  | "VALIDATION_ERROR"
  | "CONFLICT"
  | "INCOMPLETE"
  | "CAPTCHA_FAILED"
  | "UNAUTHORIZED"
  | "EXPIRED"
  | "FORBIDDEN"
  | "SERVER_ERROR";

/** How one failure code travels: its HTTP status and its Connect (gRPC) code. */
interface FailureMapping {
  readonly httpStatus: number;
  readonly connectCode: Code;
}

/**
 * The one table from failure code to HTTP status and Connect code.
 *
 * FORBIDDEN has two Connect codes: `permission_denied` for a step that is
 * not allowed, `resource_exhausted` for throttles (those carry a retry
 * delay). SERVER_ERROR likewise uses `unavailable` when a dependency is
 * down, so gRPC clients may retry it.
 */
export const FAILURES: Readonly<Record<FailureCode, FailureMapping>> = {
  BAD_REQUEST: { httpStatus: 400, connectCode: Code.InvalidArgument },
  VALIDATION_ERROR: { httpStatus: 400, connectCode: Code.InvalidArgument },
  CONFLICT: { httpStatus: 400, connectCode: Code.AlreadyExists },
  INCOMPLETE: { httpStatus: 400, connectCode: Code.FailedPrecondition },
  CAPTCHA_FAILED: { httpStatus: 400, connectCode: Code.InvalidArgument },
  UNAUTHORIZED: { httpStatus: 401, connectCode: Code.Unauthenticated },
  EXPIRED: { httpStatus: 401, connectCode: Code.Unauthenticated },
  FORBIDDEN: { httpStatus: 403, connectCode: Code.PermissionDenied },
  SERVER_ERROR: { httpStatus: 500, connectCode: Code.Internal },
};

/** Every failure code, for validation of codes that arrive from the wire. */
export const FAILURE_CODES = Object.keys(FAILURES) as FailureCode[];

/** Options of a domain error beyond its code and message. */
export interface IamErrorOptions {
  /** Seconds the caller should wait before trying again (throttles). */
  readonly retryAfterSeconds?: number;
  /** The underlying cause, kept for the log and never sent to the caller. */
  readonly cause?: unknown;
  /** A dependency is down rather than the request being at fault. */
  readonly unavailable?: boolean;
}

/**
 * The domain error. Its message is written for people and is sent to the
 * caller; it never holds a stack, a query, a secret or a code.
 */
export class IamError extends Error {
  override readonly name = "IamError";
  readonly code: FailureCode;
  readonly retryAfterSeconds: number | undefined;
  readonly unavailable: boolean;

  constructor(code: FailureCode, message: string, options: IamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.unavailable = options.unavailable ?? false;
  }

  /** The Connect code for this error, refining the table for throttles and outages. */
  get connectCode(): Code {
    if (this.code === "FORBIDDEN" && this.retryAfterSeconds !== undefined) {
      return Code.ResourceExhausted;
    }
    if (this.code === "SERVER_ERROR" && this.unavailable) {
      return Code.Unavailable;
    }
    return FAILURES[this.code].connectCode;
  }

  /** The HTTP status for this error. */
  get httpStatus(): number {
    return FAILURES[this.code].httpStatus;
  }
}

/** Named constructors for the failures that many steps share. */
export const failures = {
  badRequest: (message: string) => new IamError("BAD_REQUEST", message),
  validation: (message: string) => new IamError("VALIDATION_ERROR", message),
  conflict: (message = "this identifier already belongs to an account") =>
    new IamError("CONFLICT", message),
  incomplete: () => new IamError("INCOMPLETE", "required actions are still owed"),
  captcha: (message = "the captcha is missing or was rejected") =>
    new IamError("CAPTCHA_FAILED", message),
  unauthorized: (message = "the token is not valid for this step") =>
    new IamError("UNAUTHORIZED", message),
  expired: (message = "the token has expired") => new IamError("EXPIRED", message),
  forbidden: (message: string) => new IamError("FORBIDDEN", message),
  throttled: (message: string, retryAfterSeconds: number) =>
    new IamError("FORBIDDEN", message, {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
    }),
  server: (cause: unknown, message = "the service could not complete the request") =>
    new IamError("SERVER_ERROR", message, { cause }),
  unavailable: (cause: unknown, message = "a dependency of the service is unavailable") =>
    new IamError("SERVER_ERROR", message, { cause, unavailable: true }),
} as const;

/** Whether a value is one of the documented failure codes. */
export function isFailureCode(value: unknown): value is FailureCode {
  return typeof value === "string" && value in FAILURES;
}
