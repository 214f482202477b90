import type { DescMethodUnary } from "@bufbuild/protobuf";
import { Health } from "../src/gen/grpc/health/v1/health_pb.js";
import { AuthenticationService } from "../src/gen/iam/v1/authentication_pb.js";
import { KeyService } from "../src/gen/iam/v1/keys_pb.js";
import { RecoveryService } from "../src/gen/iam/v1/recovery_pb.js";
import { RegistrationService } from "../src/gen/iam/v1/registration_pb.js";

/** A documented path that turns into one RPC: the JSON body is its request message. */
export interface RpcRoute {
  readonly kind: "rpc";
  readonly method: "POST";
  readonly rpc: DescMethodUnary;
}

/** A path the gateway answers itself, with the RPC it consults, if any. */
export interface LocalRoute {
  readonly kind: "ping" | "alive" | "ready" | "jwks";
  readonly method: "GET";
}

/** One row of the table. */
export type Route = RpcRoute | LocalRoute;

const post = (rpc: DescMethodUnary): RpcRoute => ({ kind: "rpc", method: "POST", rpc });
const get = (kind: LocalRoute["kind"]): LocalRoute => ({ kind, method: "GET" });

const registration = RegistrationService.method;
const recovery = RecoveryService.method;
const authentication = AuthenticationService.method;

/**
 * Every path the gateway serves: the documented API (seed document) and
 * the extras of contract §8. Anything else is 404.
 */
export const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ["/", get("ping")],
  ["/healthz", get("alive")],
  ["/readyz", get("ready")],
  ["/.well-known/jwks.json", get("jwks")],

  ["/registration/init", post(registration.init)],
  ["/registration/affirmation/init", post(registration.initAffirmation)],
  ["/registration/affirmation/complete", post(registration.completeAffirmation)],
  ["/registration/affirmation/resend", post(registration.resend)],
  ["/registration/complete", post(registration.complete)],

  ["/recovery/password/reset/init", post(recovery.init)],
  ["/recovery/password/reset/affirmation/init", post(recovery.initAffirmation)],
  ["/recovery/password/reset/affirmation/complete", post(recovery.completeAffirmation)],
  ["/recovery/password/reset/affirmation/resend", post(recovery.resend)],
  ["/recovery/password/reset/complete", post(recovery.complete)],
  ["/recovery/refresh/access", post(recovery.refreshAccess)],

  ["/authentication/init", post(authentication.init)],
  ["/authentication/affirmation/init", post(authentication.initAffirmation)],
  ["/authentication/affirmation/complete", post(authentication.completeAffirmation)],
  ["/authentication/affirmation/resend", post(authentication.resend)],
  ["/authentication/complete", post(authentication.complete)],
]);

/** The RPC behind GET /readyz. */
export const READINESS_RPC = Health.method.check;

/** The RPC behind GET /.well-known/jwks.json. */
export const JWKS_RPC = KeyService.method.listPublicKeys;
