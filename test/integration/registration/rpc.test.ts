import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { createIamClient, iamFailureOf } from "../../../clients/typescript/index.js";
import { ErrorInfoSchema } from "../../../src/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../../src/gen/google/rpc/status_pb.js";
import {
  CodeAction,
  IdentifierAction,
  RequiredAction,
} from "../../../src/gen/iam/v1/actions_pb.js";
import { uniqueEmail, useTestApp } from "../../support/app.js";
import { useGrpcPeer } from "../../support/grpc.js";

const PASSWORD = "a long and unusual passphrase";

describe.each([
  ["Connect over HTTP/1.1", "connect", "1.1"],
  ["Connect over HTTP/2", "connect", "2"],
  ["gRPC-Web over HTTP/1.1", "grpc-web", "1.1"],
  ["gRPC by the Connect client", "grpc", "2"],
] as const)("registration through %s", (_name, protocol, httpVersion) => {
  const service = useTestApp();

  function clients() {
    return createIamClient({ baseUrl: service.rpcUrl, protocol, httpVersion });
  }

  it("registers a person and returns verifiable tokens", async () => {
    const client = clients().registration;
    const email = uniqueEmail("connect");

    const init = await client.init({});
    expect(init.requiredActions).toEqual([RequiredAction.EMAIL]);
    const affirm = await client.initAffirmation({
      registrationToken: init.registrationToken,
      action: IdentifierAction.EMAIL,
      value: email,
    });
    expect(affirm.requiredActions).toEqual([RequiredAction.EMAIL_CODE]);
    const confirm = await client.completeAffirmation({
      registrationToken: init.registrationToken,
      action: CodeAction.EMAIL_CODE,
      value: service.receiver.lastCodeFor(email),
    });
    expect(confirm.requiredActions).toEqual([]);
    const done = await client.complete({
      registrationToken: init.registrationToken,
      secret: PASSWORD,
    });

    const keys = await clients().keys.listPublicKeys({});
    const jwks = createLocalJWKSet({ keys: keys.keys.map((key) => ({ ...key })) });
    const verified = await jwtVerify(done.accessToken, jwks, { issuer: "iam" });
    expect(verified.payload.sub).toBeTruthy();
    expect(done.refreshToken.length).toBeGreaterThanOrEqual(43);
  });

  it("reports failures with their Connect code and an ErrorInfo reason", async () => {
    const client = clients().registration;
    const init = await client.init({});

    const failure = await client
      .complete({ registrationToken: init.registrationToken, secret: PASSWORD })
      .catch((error: unknown) => ConnectError.from(error));

    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as ConnectError).code).toBe(Code.FailedPrecondition);
    const [info] = (failure as ConnectError).findDetails(ErrorInfoSchema);
    expect(info).toMatchObject({ reason: "INCOMPLETE", domain: "iam" });
    expect(iamFailureOf(failure).failureCode).toBe("INCOMPLETE");
  });
});

describe("registration through gRPC with @grpc/grpc-js", () => {
  const { app, call } = useGrpcPeer("RegistrationService");

  it("registers a person with snake_case fields and enum names", async () => {
    const email = uniqueEmail("grpc");

    const init = await call<{ registration_token: string; required_actions: string[] }>("Init", {});
    expect(init.required_actions).toEqual(["REQUIRED_ACTION_EMAIL"]);
    const affirm = await call<{ mask: string; resend_date: string }>("InitAffirmation", {
      registration_token: init.registration_token,
      action: "IDENTIFIER_ACTION_EMAIL",
      value: email,
    });
    expect(affirm.mask).toContain("***@");
    await call("CompleteAffirmation", {
      registration_token: init.registration_token,
      action: "CODE_ACTION_EMAIL_CODE",
      value: app().receiver.lastCodeFor(email),
    });
    const done = await call<{ access_token: string; expires_at: string }>("Complete", {
      registration_token: init.registration_token,
      secret: PASSWORD,
    });

    expect(done.access_token.split(".")).toHaveLength(3);
    expect(Date.parse(done.expires_at)).toBeGreaterThan(Date.now());
  });

  it("carries the failure code in grpc-status-details-bin", async () => {
    const failure = await call("InitAffirmation", {
      registration_token: "A".repeat(43),
      action: "IDENTIFIER_ACTION_EMAIL",
      value: uniqueEmail(),
    }).catch((error: grpc.ServiceError) => error);

    const error = failure as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    const [details] = error.metadata.get("grpc-status-details-bin") as Buffer[];
    const status = fromBinary(StatusSchema, details ?? new Uint8Array());
    const info = status.details.map((any) => anyUnpack(any, ErrorInfoSchema)).find(Boolean);
    expect(info).toMatchObject({ reason: "UNAUTHORIZED", domain: "iam" });
  });
});
