import { type Client, Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { ErrorInfoSchema } from "../../src/gen/google/rpc/error_details_pb.js";
import { AuthenticationService } from "../../src/gen/iam/v1/authentication_pb.js";
import { KeyService } from "../../src/gen/iam/v1/keys_pb.js";
import { RecoveryService } from "../../src/gen/iam/v1/recovery_pb.js";
import { RegistrationService } from "../../src/gen/iam/v1/registration_pb.js";

export * from "../../src/gen/iam/v1/actions_pb.js";
export * from "../../src/gen/iam/v1/authentication_pb.js";
export * from "../../src/gen/iam/v1/keys_pb.js";
export * from "../../src/gen/iam/v1/recovery_pb.js";
export * from "../../src/gen/iam/v1/registration_pb.js";

/** The wire protocol a client speaks to the RPC port. */
export type IamProtocol = "connect" | "grpc" | "grpc-web";

/** Options of `createIamClient`. */
export interface IamClientOptions {
  /** The RPC port's base URL, e.g. `http://iam.internal:50051`. */
  readonly baseUrl: string;
  /** Default `connect`. */
  readonly protocol?: IamProtocol;
  /** Default HTTP/2 (h2c without TLS); gRPC always uses HTTP/2. */
  readonly httpVersion?: "1.1" | "2";
}

/** One typed client per service of `iam.v1`. */
export interface IamClient {
  readonly registration: Client<typeof RegistrationService>;
  readonly recovery: Client<typeof RecoveryService>;
  readonly authentication: Client<typeof AuthenticationService>;
  readonly keys: Client<typeof KeyService>;
}

/** Creates typed clients for every service, over one transport. */
export function createIamClient(options: IamClientOptions): IamClient {
  const transport = createTransport(options);
  return {
    registration: createClient(RegistrationService, transport),
    recovery: createClient(RecoveryService, transport),
    authentication: createClient(AuthenticationService, transport),
    keys: createClient(KeyService, transport),
  };
}

function createTransport(options: IamClientOptions): Transport {
  const httpVersion = options.httpVersion ?? "2";
  switch (options.protocol ?? "connect") {
    case "grpc":
      return createGrpcTransport({ baseUrl: options.baseUrl });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl: options.baseUrl, httpVersion });
    default:
      return createConnectTransport({ baseUrl: options.baseUrl, httpVersion });
  }
}

/** A failure as the service documents it. */
export interface IamFailure {
  /** One of the documented failure codes, e.g. `CONFLICT`. */
  readonly failureCode: string;
  readonly message: string;
  /** Seconds to wait before trying again, for throttles. */
  readonly retryAfterSeconds: number | undefined;
}

/**
 * Reads the documented failure code out of any error a client threw. Errors
 * that did not come from the service (a network failure) read as SERVER_ERROR.
 */
export function iamFailureOf(error: unknown): IamFailure {
  const connectError = ConnectError.from(error);
  const info = connectError.findDetails(ErrorInfoSchema).find((detail) => detail.domain === "iam");
  const retry = info?.metadata.retry_after_seconds;
  return {
    failureCode: info?.reason ?? fallbackCode(connectError.code),
    message: connectError.rawMessage,
    retryAfterSeconds: retry === undefined ? undefined : Number(retry),
  };
}

function fallbackCode(code: Code): string {
  switch (code) {
    case Code.InvalidArgument:
      return "BAD_REQUEST";
    case Code.Unauthenticated:
      return "UNAUTHORIZED";
    case Code.PermissionDenied:
    case Code.ResourceExhausted:
      return "FORBIDDEN";
    default:
      return "SERVER_ERROR";
  }
}
