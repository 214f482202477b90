import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import {
  createAsyncIterable,
  encodeEnvelope,
  readAllBytes,
  type UniversalHandler,
  type UniversalServerRequest,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  codeToString,
  contentTypeUnaryJson,
  errorToJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import {
  parseContentType as grpcContentType,
  setTrailerStatus,
} from "@connectrpc/connect/protocol-grpc";
import {
  parseContentType as grpcWebContentType,
  trailerFlag,
  trailerParse,
  trailerSerialize,
} from "@connectrpc/connect/protocol-grpc-web";
import { IamError } from "../errors.js";
import type { Logger } from "../log.js";
import { acceptRequestId, REQUEST_ID_HEADER } from "./context.js";
import { toConnectError } from "./errors.js";

/**
 * Requests the protocol layer cannot read (contract §3: BAD_REQUEST).
 *
 * connect-es decodes a unary request before any interceptor runs, and it
 * reports a binary decode failure as `internal` (JSON ones and the size
 * limit as `invalid_argument` and `resource_exhausted`), without the
 * ErrorInfo detail. `rejectUndecodable` wraps each handler of the router
 * and rewrites exactly those answers: a failure with one of these codes
 * from a call that never reached the interceptors (which `dispatchInterceptor`
 * marks) can only be the request's fault. A call that reached them keeps
 * its answer, so a real server failure stays `internal`.
 *
 * Streaming methods decode their input inside the interceptors, while the
 * handler iterates it; `dispatchInterceptor` wraps that input so that the
 * same failures become the same BAD_REQUEST there.
 */

/** What the caller is told; parser messages may quote the request and stay out. */
export const UNDECODABLE_MESSAGE = "the request message could not be decoded";

/** Set once a call reaches the interceptors, that is, once its request was decoded. */
export const dispatchedKey = createContextKey<boolean>(false, {
  description: "the call reached the interceptors",
});

/**
 * The codes connect-es answers for a request it cannot read: a binary
 * decode failure (internal), a JSON one or a short body (invalid_argument),
 * a message over `readMaxBytes` (resource_exhausted). Other protocol
 * answers (an unknown compression, a missing message) are left as they are.
 */
const UNDECODABLE_CODES: ReadonlySet<Code> = new Set([
  Code.Internal,
  Code.InvalidArgument,
  Code.ResourceExhausted,
]);

/** The Connect protocol's HTTP statuses for those codes, back to the code. */
const UNDECODABLE_STATUSES: ReadonlyMap<number, Code> = new Map(
  [...UNDECODABLE_CODES].map((code) => [codeToHttpStatus(code), code]),
);

/** A gRPC-Web trailer larger than this is not an answer of the protocol layer. */
const MAX_TRAILER_FRAME_BYTES = 64 * 1024;

/**
 * Must run first on the RPC port: marks the call as dispatched, and makes
 * the protocol's failures while a streaming request is read BAD_REQUEST.
 */
export function dispatchInterceptor(): Interceptor {
  return (next) => async (req) => {
    req.contextValues.set(dispatchedKey, true);
    if (!req.stream) return next(req);
    return next({ ...req, message: guardInput(req.message) });
  };
}

/** Passes a streaming input on; what the protocol fails to decode becomes BAD_REQUEST. */
async function* guardInput<T>(input: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* input;
  } catch (thrown) {
    if (thrown instanceof ConnectError && UNDECODABLE_CODES.has(thrown.code)) {
      throw new IamError("BAD_REQUEST", UNDECODABLE_MESSAGE, { cause: thrown });
    }
    throw thrown;
  }
}

type Protocol = "connect" | "grpc" | "grpc-web";

/**
 * Wraps a handler of the router: an answer to a request that never reached
 * the interceptors, with one of the codes above, becomes invalid_argument
 * with ErrorInfo BAD_REQUEST in the request's protocol, and one info line
 * is logged for it (no stack: the caller is at fault).
 */
export function rejectUndecodable(handler: UniversalHandler, logger: Logger): UniversalHandler {
  const method = `${handler.service.typeName}/${handler.method.name}`;

  const wrapped = async (request: UniversalServerRequest): Promise<UniversalServerResponse> => {
    const started = performance.now();
    const contextValues = request.contextValues ?? createContextValues();
    const response = await handler({ ...request, contextValues });
    if (contextValues.get(dispatchedKey)) return response;

    const protocol = protocolOf(request);
    const { code, readBack } = await protocolFailure(protocol, response);
    if (code === undefined || !UNDECODABLE_CODES.has(code)) return readBack;

    logger.info(
      {
        method,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        request_id: acceptRequestId(request.header.get(REQUEST_ID_HEADER)),
        failure_code: "BAD_REQUEST",
        protocol_code: codeToString(code),
      },
      "rpc",
    );
    return badRequest(protocol, readBack);
  };

  return Object.assign(wrapped, {
    protocolNames: handler.protocolNames,
    service: handler.service,
    method: handler.method,
    requestPath: handler.requestPath,
    allowedMethods: handler.allowedMethods,
    supportedContentType: handler.supportedContentType,
  });
}

/** The protocol the router's negotiation picks, from the request's Content-Type. */
function protocolOf(request: UniversalServerRequest): Protocol {
  const contentType = request.header.get("content-type");
  if (grpcWebContentType(contentType) !== undefined) return "grpc-web";
  if (grpcContentType(contentType) !== undefined) return "grpc";
  return "connect";
}

/**
 * The error code of an answer, if it is an error; `readBack` is the answer
 * to send when it is not rewritten (a gRPC-Web body had to be read).
 */
async function protocolFailure(
  protocol: Protocol,
  response: UniversalServerResponse,
): Promise<{ code: Code | undefined; readBack: UniversalServerResponse }> {
  switch (protocol) {
    case "connect":
      // A unary error's status names its code; a stream's errors come with 200.
      return {
        code: UNDECODABLE_STATUSES.get(response.status),
        readBack: response,
      };
    case "grpc":
      return { code: grpcStatus(response.trailer), readBack: response };
    case "grpc-web": {
      if (response.status !== 200 || response.body === undefined) {
        return { code: undefined, readBack: response };
      }
      const body =
        response.body instanceof Uint8Array
          ? response.body
          : await readAllBytes(response.body, MAX_TRAILER_FRAME_BYTES);
      const trailer = trailerOf(body);
      return {
        code: trailer === undefined ? undefined : grpcStatus(trailer),
        readBack: { ...response, body: createAsyncIterable([body]) },
      };
    }
  }
}

function grpcStatus(trailer: Headers | undefined): Code | undefined {
  const status = trailer?.get("grpc-status");
  if (status == null || !/^\d{1,2}$/.test(status)) return undefined;
  const code = Number(status);
  return code === 0 ? undefined : (code as Code);
}

/** The trailer of a gRPC-Web body made of the trailer frame alone (an uncompressed one). */
function trailerOf(body: Uint8Array): Headers | undefined {
  if (body.byteLength < 5 || body[0] !== trailerFlag) return undefined;
  const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
  if (5 + length !== body.byteLength) return undefined;
  return trailerParse(body.subarray(5));
}

/** The BAD_REQUEST answer in the request's protocol, keeping the original response headers. */
function badRequest(
  protocol: Protocol,
  response: UniversalServerResponse,
): UniversalServerResponse {
  const error = toConnectError(new IamError("BAD_REQUEST", UNDECODABLE_MESSAGE));
  const header = new Headers(response.header);
  switch (protocol) {
    case "connect": {
      const body = errorToJsonBytes(error, undefined);
      header.delete("content-encoding");
      header.set("content-type", contentTypeUnaryJson);
      header.set("content-length", String(body.byteLength));
      return { status: codeToHttpStatus(error.code), header, body: createAsyncIterable([body]) };
    }
    case "grpc":
      return { ...response, header, trailer: setTrailerStatus(freshTrailer(response), error) };
    case "grpc-web": {
      const trailer = setTrailerStatus(new Headers(), error);
      const frame = encodeEnvelope(trailerFlag, trailerSerialize(trailer));
      header.delete("content-length");
      return { status: 200, header, body: createAsyncIterable([frame]) };
    }
  }
}

/** The gRPC trailer without the status the protocol layer wrote. */
function freshTrailer(response: UniversalServerResponse): Headers {
  const trailer = new Headers(response.trailer);
  for (const key of ["grpc-status", "grpc-message", "grpc-status-details-bin"]) {
    trailer.delete(key);
  }
  return trailer;
}
