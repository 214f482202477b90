import { setTimeout as sleep } from "node:timers/promises";
import type { ConnectRouter } from "@connectrpc/connect";
import { failures, IamError, isFailureCode } from "../../../src/errors.js";
import { RequiredAction } from "../../../src/gen/iam/v1/actions_pb.js";
import { KeyService } from "../../../src/gen/iam/v1/keys_pb.js";
import { RegistrationService } from "../../../src/gen/iam/v1/registration_pb.js";
import { silentLogger } from "../../../src/log.js";
import { clientAddressKey, requestIdKey } from "../../../src/rpc/context.js";

/** The e-mail the test service treats as already registered. */
export const TAKEN = "taken@example.com";

/** The e-mail on which the test service fails the way a bug would. */
export const BROKEN = "broken@example.com";

/** The code that makes `completeAffirmation` wait before answering. */
export const SLOW = "SLOW";

/** The code that makes `completeAffirmation` throttle the caller. */
export const THROTTLED = "THROTTLED";

/** The delay a throttle of the test service asks for. */
export const RETRY_AFTER = 42;

/** A detail a bug would leak if the error mapping let it through. */
export const LEAK = "password=hunter2 at db-7.internal";

/**
 * A small, deterministic RegistrationService and KeyService. They stand
 * in for the real flows so that these tests judge the transport layer
 * alone. `initAffirmation` answers the client address the RPC layer
 * resolved as its `mask`, and `resend` the request id as its `token`, so
 * tests can see what reached the handler.
 */
export function testRoutes(router: ConnectRouter): void {
  router.service(RegistrationService, {
    init: () => ({ registrationToken: "reg-1", requiredActions: [RequiredAction.EMAIL] }),
    initAffirmation: (request, context) => {
      if (request.value === TAKEN) throw failures.conflict();
      if (request.value === BROKEN) throw new Error(LEAK);
      return {
        registrationToken: request.registrationToken,
        requiredActions: [RequiredAction.EMAIL_CODE],
        resendDate: "2026-01-01T00:01:00.000Z",
        mask: context.values.get(clientAddressKey),
      };
    },
    completeAffirmation: async (request) => {
      if (request.value === THROTTLED) throw failures.throttled("try again later", RETRY_AFTER);
      if (isFailureCode(request.value))
        throw new IamError(request.value, `failed: ${request.value}`);
      if (request.value === SLOW) await sleep(300);
      return { registrationToken: request.registrationToken, requiredActions: [] };
    },
    complete: () => ({
      accessToken: "access",
      refreshToken: "refresh",
      expiresAt: "2026-01-01T00:15:00.000Z",
    }),
    resend: (request, context) => ({
      token: context.values.get(requestIdKey),
      requiredActions: [RequiredAction.EMAIL_CODE],
      resendDate: "2026-01-01T00:01:00.000Z",
      mask: request.token,
    }),
  });
  router.service(KeyService, {
    listPublicKeys: () => ({
      keys: [
        { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "k1" },
      ],
    }),
  });
}

/** Readiness the test can switch. */
export function switchableReadiness() {
  let ready = true;
  return {
    readiness: async () => ready,
    set: (value: boolean) => {
      ready = value;
    },
  };
}

/** Loggers for servers under test: silent, the tests read answers. */
export const logger = silentLogger();
