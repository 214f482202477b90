import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll } from "vitest";
import { type TestApp, useTestApp } from "./app.js";

/** The iam.v1 services as an independent gRPC peer (@grpc/grpc-js) loads them. */
export type GrpcServiceName =
  | "RegistrationService"
  | "RecoveryService"
  | "AuthenticationService"
  | "KeyService";

/** A unary gRPC client with snake_case fields and enum names, as grpc-js users see them. */
export interface GrpcPeer {
  call<T>(method: string, request: object): Promise<T>;
  close(): void;
}

const PROTO_FILES: Record<GrpcServiceName, string> = {
  RegistrationService: "iam/v1/registration.proto",
  RecoveryService: "iam/v1/recovery.proto",
  AuthenticationService: "iam/v1/authentication.proto",
  KeyService: "iam/v1/keys.proto",
};

type ClientConstructor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;

/**
 * Connects @grpc/grpc-js to the RPC port, loading the service's .proto from
 * disk (not the generated code), so the test speaks gRPC as any other
 * language's client would.
 */
export function grpcPeer(service: GrpcServiceName, rpcPort: number | undefined): GrpcPeer {
  const definition = protoLoader.loadSync(PROTO_FILES[service], {
    includeDirs: ["proto"],
    keepCase: true,
    enums: String,
    defaults: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    iam: { v1: Record<GrpcServiceName, ClientConstructor> };
  };
  const client = new loaded.iam.v1[service](
    `127.0.0.1:${rpcPort}`,
    grpc.credentials.createInsecure(),
  ) as grpc.Client & Record<string, unknown>;

  return {
    call<T>(method: string, request: object): Promise<T> {
      return new Promise((resolve, reject) => {
        const fn = client[method] as (
          request: object,
          callback: (error: grpc.ServiceError | null, response: T) => void,
        ) => void;
        fn.call(client, request, (error, response) => (error ? reject(error) : resolve(response)));
      });
    },
    close: () => client.close(),
  };
}

/**
 * For the enclosing describe block: starts the service (`useTestApp`) and a
 * grpc-js peer of one of its services, and stops both after the block.
 * `app()` is the running service, `call` the peer's unary call.
 */
export function useGrpcPeer(name: GrpcServiceName): {
  app: () => TestApp;
  call: <T>(method: string, request: object) => Promise<T>;
} {
  const service = useTestApp();
  let peer: GrpcPeer | undefined;

  beforeAll(() => {
    peer = grpcPeer(name, service.app.rpcPort);
  });

  afterAll(() => {
    peer?.close();
  });

  return {
    app: () => service,
    call: <T>(method: string, request: object) => (peer as GrpcPeer).call<T>(method, request),
  };
}
