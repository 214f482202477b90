import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type StreamRequest } from "@connectrpc/connect";
import {
  createAsyncIterable,
  type UniversalHandler,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { describe, expect, it } from "vitest";
import { IamError } from "../../../src/errors.js";
import { RegistrationService } from "../../../src/gen/iam/v1/registration_pb.js";
import { silentLogger } from "../../../src/log.js";
import {
  dispatchedKey,
  dispatchInterceptor,
  rejectUndecodable,
} from "../../../src/rpc/undecodable.js";

const method = RegistrationService.method.initAffirmation;

/** A handler that answers `response`, marking the call dispatched when told to. */
function fakeHandler(response: UniversalServerResponse, dispatched: boolean): UniversalHandler {
  const handle = async (request: { contextValues?: ReturnType<typeof createContextValues> }) => {
    if (dispatched) request.contextValues?.set(dispatchedKey, true);
    return response;
  };
  return Object.assign(handle, {
    protocolNames: ["grpc"],
    service: RegistrationService,
    method,
    requestPath: "/iam.v1.RegistrationService/InitAffirmation",
    allowedMethods: ["POST"],
    supportedContentType: () => true,
  }) as unknown as UniversalHandler;
}

function grpcRequest() {
  return {
    httpVersion: "2.0",
    url: "http://127.0.0.1/iam.v1.RegistrationService/InitAffirmation",
    method: "POST",
    header: new Headers({ "content-type": "application/grpc" }),
    body: createAsyncIterable<Uint8Array>([]),
    signal: new AbortController().signal,
    contextValues: createContextValues(),
  };
}

function grpcFailure(code: Code): UniversalServerResponse {
  return {
    status: 200,
    body: createAsyncIterable([]),
    trailer: setTrailerStatus(new Headers(), new ConnectError("parse binary: boom", code)),
  };
}

describe("rejectUndecodable", () => {
  it("rewrites an internal error of an undispatched call to invalid_argument", async () => {
    const handler = rejectUndecodable(
      fakeHandler(grpcFailure(Code.Internal), false),
      silentLogger(),
    );
    const answer = await handler(grpcRequest());
    expect(answer.trailer?.get("grpc-status")).toBe(String(Code.InvalidArgument));
    expect(answer.trailer?.get("grpc-status-details-bin")).toBeTruthy();
  });

  it("leaves an internal error of a dispatched call alone (a real server failure)", async () => {
    const handler = rejectUndecodable(
      fakeHandler(grpcFailure(Code.Internal), true),
      silentLogger(),
    );
    const answer = await handler(grpcRequest());
    expect(answer.trailer?.get("grpc-status")).toBe(String(Code.Internal));
  });

  it("leaves other protocol codes alone", async () => {
    const handler = rejectUndecodable(
      fakeHandler(grpcFailure(Code.Unimplemented), false),
      silentLogger(),
    );
    const answer = await handler(grpcRequest());
    expect(answer.trailer?.get("grpc-status")).toBe(String(Code.Unimplemented));
  });

  it("keeps the handler's routing properties", () => {
    const handler = rejectUndecodable(
      fakeHandler(grpcFailure(Code.Internal), false),
      silentLogger(),
    );
    expect(handler.method).toBe(method);
    expect(handler.requestPath).toBe("/iam.v1.RegistrationService/InitAffirmation");
  });
});

describe("dispatchInterceptor", () => {
  it("turns a decode failure of a streaming input into BAD_REQUEST", async () => {
    async function* broken() {
      yield create(method.input);
      throw new ConnectError("parse binary: illegal tag", Code.Internal);
    }
    const contextValues = createContextValues();
    const request = {
      stream: true,
      message: broken(),
      contextValues,
    } as unknown as StreamRequest;
    const next = dispatchInterceptor()(async (req) => {
      const seen: unknown[] = [];
      for await (const message of (req as StreamRequest).message) seen.push(message);
      throw new Error("unreachable");
    });

    const thrown = await next(request).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(IamError);
    expect((thrown as IamError).code).toBe("BAD_REQUEST");
    expect(contextValues.get(dispatchedKey)).toBe(true);
  });
});
