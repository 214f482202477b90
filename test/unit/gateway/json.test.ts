import { create } from "@bufbuild/protobuf";
import {
  ApiSchema,
  BoolValueSchema,
  BytesValueSchema,
  DoubleValueSchema,
  DurationSchema,
  StructSchema,
  UInt32ValueSchema,
} from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { messageFromJson, messageToJson, parseJsonBody } from "../../../gateway/json.js";
import { IamError } from "../../../src/errors.js";
import {
  CodeAction,
  IdentifierAction,
  RequiredAction,
} from "../../../src/gen/iam/v1/actions_pb.js";
import { ListPublicKeysResponseSchema } from "../../../src/gen/iam/v1/keys_pb.js";
import { RecoveryServiceCompleteResponseSchema } from "../../../src/gen/iam/v1/recovery_pb.js";
import {
  RegistrationServiceCompleteAffirmationRequestSchema as CompleteAffirmation,
  RegistrationServiceInitRequestSchema as Init,
  RegistrationServiceInitAffirmationRequestSchema as InitAffirmation,
  RegistrationServiceInitAffirmationResponseSchema as InitAffirmationResponse,
} from "../../../src/gen/iam/v1/registration_pb.js";

const body = (text: string) => parseJsonBody(new TextEncoder().encode(text));

/** The BAD_REQUEST message a conversion fails with. */
function badRequest(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IamError);
    expect((error as IamError).code).toBe("BAD_REQUEST");
    return (error as IamError).message;
  }
  throw new Error("the conversion succeeded");
}

const valid = { registration_token: "t", action: "email", value: "a@example.com" };

describe("parseJsonBody", () => {
  it("reads an empty or blank body as the empty object", () => {
    expect(body("")).toEqual({});
    expect(body(" \n")).toEqual({});
  });

  it("refuses text that is not JSON", () => {
    expect(badRequest(() => body("{registration_token: 1"))).toMatch(/not valid JSON/);
    expect(badRequest(() => body("token=abc"))).toMatch(/not valid JSON/);
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(badRequest(() => parseJsonBody(Uint8Array.of(0x7b, 0xff, 0x7d)))).toMatch(/UTF-8/);
  });
});

describe("messageFromJson", () => {
  it("reads snake_case proto field names", () => {
    const message = messageFromJson(InitAffirmation, valid);
    expect(message.registrationToken).toBe("t");
    expect(message.action).toBe(IdentifierAction.EMAIL);
    expect(message.value).toBe("a@example.com");
    expect(message.captcha).toBeUndefined();
  });

  it("reads an optional field when present", () => {
    expect(messageFromJson(InitAffirmation, { ...valid, captcha: "c" }).captcha).toBe("c");
  });

  it("takes the empty object for a message without fields", () => {
    expect(messageFromJson(Init, {})).toBeDefined();
  });

  it("refuses a body that is not a JSON object", () => {
    for (const json of [[], "text", 3, true, null]) {
      expect(badRequest(() => messageFromJson(Init, json))).toMatch(/JSON object/);
    }
  });

  it("names a missing required field", () => {
    const { value: _, ...missing } = valid;
    expect(badRequest(() => messageFromJson(InitAffirmation, missing))).toBe("value is required");
    expect(badRequest(() => messageFromJson(InitAffirmation, { ...valid, action: null }))).toBe(
      "action is required",
    );
  });

  it("leaves a missing optional field unset", () => {
    expect(messageFromJson(InitAffirmation, { ...valid, captcha: null }).captcha).toBeUndefined();
  });

  it("accepts an empty string: judging values is the service's work", () => {
    expect(messageFromJson(InitAffirmation, { ...valid, value: "" }).value).toBe("");
  });

  it("refuses a value of the wrong JSON type", () => {
    expect(badRequest(() => messageFromJson(InitAffirmation, { ...valid, value: 42 }))).toBe(
      "value must be a string",
    );
    expect(
      badRequest(() => messageFromJson(InitAffirmation, { ...valid, registration_token: {} })),
    ).toBe("registration_token must be a string");
    expect(badRequest(() => messageFromJson(InitAffirmation, { ...valid, action: 1 }))).toBe(
      "action must be a string",
    );
  });

  it("reads enums by their lower-case name without prefix", () => {
    const json = { registration_token: "t", action: "phone_code", value: "123456" };
    expect(messageFromJson(CompleteAffirmation, json).action).toBe(CodeAction.PHONE_CODE);
  });

  it("refuses unknown, unspecified, prefixed or upper-case enum names", () => {
    for (const action of ["fax", "unspecified", "identifier_action_email", "EMAIL", "email_code"]) {
      expect(badRequest(() => messageFromJson(InitAffirmation, { ...valid, action }))).toBe(
        "action has an unknown value",
      );
    }
  });

  it("ignores unknown fields, including __proto__", () => {
    const json = JSON.parse('{"__proto__": {"x": 1}, "extra": [1], "registration_token": "t"}');
    const message = messageFromJson(InitAffirmation, { ...valid, ...json });
    expect(message.registrationToken).toBe("t");
    expect(Object.hasOwn(message, "extra")).toBe(false);
  });

  it("reads integers strictly and in range", () => {
    expect(messageFromJson(DurationSchema, { seconds: "90", nanos: 5 }).seconds).toBe(90n);
    expect(messageFromJson(DurationSchema, { seconds: -3, nanos: 0 }).seconds).toBe(-3n);
    expect(badRequest(() => messageFromJson(DurationSchema, { seconds: 1.5, nanos: 0 }))).toBe(
      "seconds must be an integer",
    );
    expect(badRequest(() => messageFromJson(DurationSchema, { seconds: 1, nanos: 2 ** 31 }))).toBe(
      "nanos is out of range",
    );
    expect(badRequest(() => messageFromJson(UInt32ValueSchema, { value: -1 }))).toBe(
      "value is out of range",
    );
    expect(badRequest(() => messageFromJson(DurationSchema, { seconds: "1e3", nanos: 0 }))).toBe(
      "seconds must be an integer",
    );
  });

  it("reads booleans, doubles and base64 bytes strictly", () => {
    expect(messageFromJson(BoolValueSchema, { value: true }).value).toBe(true);
    expect(badRequest(() => messageFromJson(BoolValueSchema, { value: "true" }))).toBe(
      "value must be a boolean",
    );
    expect(messageFromJson(DoubleValueSchema, { value: 2.5 }).value).toBe(2.5);
    expect(messageFromJson(BytesValueSchema, { value: "AQI=" }).value).toEqual(Uint8Array.of(1, 2));
    expect(badRequest(() => messageFromJson(BytesValueSchema, { value: "not base64!" }))).toBe(
      "value must be base64",
    );
  });

  it("reads nested messages, lists and enums with a path in every message", () => {
    const method = {
      name: "Get",
      request_type_url: "t",
      request_streaming: false,
      response_type_url: "u",
      response_streaming: true,
      syntax: "proto2",
      edition: "",
    };
    const json = {
      name: "svc",
      version: "1",
      syntax: "proto3",
      edition: "",
      methods: [method],
      source_context: { file_name: "a.proto" },
    };
    const api = messageFromJson(ApiSchema, json);
    expect(api.methods[0]?.responseStreaming).toBe(true);
    expect(api.sourceContext?.fileName).toBe("a.proto");
    expect(badRequest(() => messageFromJson(ApiSchema, { ...json, methods: {} }))).toBe(
      "methods must be an array",
    );
    expect(badRequest(() => messageFromJson(ApiSchema, { ...json, methods: [{}] }))).toBe(
      "methods[0].name is required",
    );
    expect(badRequest(() => messageFromJson(ApiSchema, { ...json, source_context: "x" }))).toBe(
      "source_context must be an object",
    );
  });

  it("reads maps and oneofs", () => {
    const struct = messageFromJson(StructSchema, { fields: { a: { string_value: "x" } } });
    expect(struct.fields.a?.kind).toEqual({ case: "stringValue", value: "x" });
    expect(badRequest(() => messageFromJson(StructSchema, { fields: [] }))).toBe(
      "fields must be an object",
    );
  });
});

describe("messageToJson", () => {
  it("writes snake_case names and every implicit field, empty ones included", () => {
    const message = create(InitAffirmationResponse, {
      registrationToken: "t",
      requiredActions: [RequiredAction.EMAIL_CODE, RequiredAction.PHONE],
      resendDate: "2026-01-01T00:00:00.000Z",
    });
    expect(messageToJson(InitAffirmationResponse, message)).toEqual({
      registration_token: "t",
      required_actions: ["email_code", "phone"],
      resend_date: "2026-01-01T00:00:00.000Z",
      mask: "",
    });
  });

  it("writes an empty message as {}", () => {
    const message = create(RecoveryServiceCompleteResponseSchema);
    expect(messageToJson(RecoveryServiceCompleteResponseSchema, message)).toEqual({});
  });

  it("writes repeated messages", () => {
    const message = create(ListPublicKeysResponseSchema, {
      keys: [{ kty: "OKP", crv: "Ed25519", x: "abc", kid: "k1", alg: "EdDSA", use: "sig" }],
    });
    expect(messageToJson(ListPublicKeysResponseSchema, message)).toEqual({
      keys: [{ kty: "OKP", crv: "Ed25519", x: "abc", kid: "k1", alg: "EdDSA", use: "sig" }],
    });
  });

  it("omits unset optional fields and writes set ones", () => {
    const unset = create(InitAffirmation, { registrationToken: "t" });
    expect(messageToJson(InitAffirmation, unset)).not.toHaveProperty("captcha");
    const set = create(InitAffirmation, { registrationToken: "t", captcha: "" });
    expect(messageToJson(InitAffirmation, set)).toHaveProperty("captcha", "");
  });

  it("writes 64-bit integers as strings, bytes as base64, unknown enum numbers as is", () => {
    expect(messageToJson(DurationSchema, create(DurationSchema, { seconds: 5n }))).toEqual({
      seconds: "5",
      nanos: 0,
    });
    const bytes = create(BytesValueSchema, { value: Uint8Array.of(1, 2) });
    expect(messageToJson(BytesValueSchema, bytes)).toEqual({ value: "AQI=" });
    const odd = create(InitAffirmationResponse, { requiredActions: [99 as RequiredAction] });
    expect(messageToJson(InitAffirmationResponse, odd).required_actions).toEqual([99]);
  });

  it("round-trips a request through JSON", () => {
    const message = messageFromJson(InitAffirmation, { ...valid, captcha: "c" });
    expect(messageToJson(InitAffirmation, message)).toEqual({ ...valid, captcha: "c" });
  });
});
