import type { DescMessage, DescMethodUnary } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enumValueJsonName } from "../../../gateway/json.js";
import { ROUTES } from "../../../gateway/routes.js";
import { type Gateway, startGateway } from "../../../gateway/server.js";
import { inProcessTransport } from "../../../gateway/transport.js";
import { AuthenticationService } from "../../../src/gen/iam/v1/authentication_pb.js";
import { RecoveryService } from "../../../src/gen/iam/v1/recovery_pb.js";
import { RegistrationService } from "../../../src/gen/iam/v1/registration_pb.js";
import { logger } from "./support.js";

describe("gateway route table", () => {
  const expected: Record<string, string> = {
    "/registration/init": "RegistrationService/Init",
    "/registration/affirmation/init": "RegistrationService/InitAffirmation",
    "/registration/affirmation/complete": "RegistrationService/CompleteAffirmation",
    "/registration/affirmation/resend": "RegistrationService/Resend",
    "/registration/complete": "RegistrationService/Complete",
    "/recovery/password/reset/init": "RecoveryService/Init",
    "/recovery/password/reset/affirmation/init": "RecoveryService/InitAffirmation",
    "/recovery/password/reset/affirmation/complete": "RecoveryService/CompleteAffirmation",
    "/recovery/password/reset/affirmation/resend": "RecoveryService/Resend",
    "/recovery/password/reset/complete": "RecoveryService/Complete",
    "/recovery/refresh/access": "RecoveryService/RefreshAccess",
    "/authentication/init": "AuthenticationService/Init",
    "/authentication/affirmation/init": "AuthenticationService/InitAffirmation",
    "/authentication/affirmation/complete": "AuthenticationService/CompleteAffirmation",
    "/authentication/affirmation/resend": "AuthenticationService/Resend",
    "/authentication/complete": "AuthenticationService/Complete",
  };
  const called: string[] = [];
  let recording: Gateway;

  beforeAll(async () => {
    const transport = inProcessTransport(recordingRoutes(called), { trustedProxies: [] });
    recording = await startGateway({
      host: "127.0.0.1",
      port: 0,
      transport,
      logger,
      trustedProxies: [],
    });
  });

  afterAll(async () => {
    await recording?.close();
  });

  it.each(Object.entries(expected))("sends POST %s to %s", async (path, rpc) => {
    const route = ROUTES.get(path);
    expect(route?.kind).toBe("rpc");
    const input = route?.kind === "rpc" ? route.rpc.input : undefined;
    const response = await fetch(`http://127.0.0.1:${recording.port}${path}`, {
      method: "POST",
      body: JSON.stringify(input === undefined ? {} : minimalBody(input)),
    });
    expect(response.status).toBe(200);
    expect(called.at(-1)).toBe(rpc);
  });
});

/** Every method of the three flow services, answering an empty message and noting its name. */
function recordingRoutes(called: string[]) {
  return (router: ConnectRouter) => {
    for (const service of [RegistrationService, RecoveryService, AuthenticationService]) {
      for (const method of service.methods) {
        router.rpc(method as DescMethodUnary, () => {
          called.push(`${service.name}/${method.name}`);
          return {};
        });
      }
    }
  };
}

/** A body with every required field filled: strings "x", enums their first named value. */
function minimalBody(input: DescMessage): Record<string, string> {
  const body: Record<string, string> = {};
  for (const field of input.fields) {
    if (field.fieldKind === "scalar") body[field.name] = "x";
    if (field.fieldKind === "enum") {
      body[field.name] = enumValueJsonName(field.enum, 1) ?? "";
    }
  }
  return body;
}
