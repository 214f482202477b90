import { ScalarType } from "@bufbuild/protobuf";
import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";
import { failures, type IamError } from "../src/errors.js";
import type { JsonValue } from "./json.js";

/** The BAD_REQUEST for a body that does not fit the message. */
export function bodyError(message: string): IamError {
  return failures.badRequest(message);
}

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };

/**
 * Reads one scalar from JSON, strictly: a string field takes only a
 * string, a boolean only a boolean, a number field only a number (64-bit
 * integers also as a decimal string, the way proto3 JSON writes them),
 * bytes only base64.
 */
export function scalarFromJson(
  type: ScalarType,
  raw: unknown,
  name: string,
  longAsString: boolean,
): unknown {
  switch (type) {
    case ScalarType.STRING:
      if (typeof raw !== "string") throw bodyError(`${name} must be a string`);
      return raw;
    case ScalarType.BOOL:
      if (typeof raw !== "boolean") throw bodyError(`${name} must be a boolean`);
      return raw;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (typeof raw !== "number") throw bodyError(`${name} must be a number`);
      return raw;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return int32(raw, name, INT32);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return int32(raw, name, UINT32);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return int64(raw, name, INT64, longAsString);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return int64(raw, name, UINT64, longAsString);
    case ScalarType.BYTES:
      return bytes(raw, name);
  }
}

/** Reads a map key: JSON keys are strings, so integer and boolean keys are spelled out. */
export function mapKeyFromJson(type: ScalarType, key: string, name: string): string {
  if (type === ScalarType.STRING) return key;
  if (type === ScalarType.BOOL) {
    if (key !== "true" && key !== "false") throw bodyError(`${name}: the key must be a boolean`);
    return key;
  }
  if (!/^-?\d{1,20}$/.test(key)) throw bodyError(`${name}: the key must be an integer`);
  const wide = [ScalarType.INT64, ScalarType.SINT64, ScalarType.SFIXED64, ScalarType.UINT64];
  const is64 = wide.includes(type) || type === ScalarType.FIXED64;
  return String(scalarFromJson(type, is64 ? key : Number(key), name, true));
}

/** Writes one scalar as proto3 JSON does: 64-bit integers and odd doubles as strings. */
export function scalarToJson(value: unknown): JsonValue {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return base64Encode(value);
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value as JsonValue;
}

function int32(raw: unknown, name: string, range: { min: number; max: number }): number {
  if (typeof raw !== "number" || !Number.isInteger(raw)) {
    throw bodyError(`${name} must be an integer`);
  }
  if (raw < range.min || raw > range.max) throw bodyError(`${name} is out of range`);
  return raw;
}

function int64(
  raw: unknown,
  name: string,
  range: { min: bigint; max: bigint },
  longAsString: boolean,
): bigint | string {
  let value: bigint;
  if (typeof raw === "number" && Number.isSafeInteger(raw)) {
    value = BigInt(raw);
  } else if (typeof raw === "string" && /^-?\d{1,20}$/.test(raw)) {
    value = BigInt(raw);
  } else {
    throw bodyError(`${name} must be an integer`);
  }
  if (value < range.min || value > range.max) throw bodyError(`${name} is out of range`);
  return longAsString ? value.toString() : value;
}

function bytes(raw: unknown, name: string): Uint8Array {
  if (typeof raw !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(raw)) {
    throw bodyError(`${name} must be base64`);
  }
  return base64Decode(raw);
}
