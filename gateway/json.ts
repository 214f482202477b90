import {
  create,
  type DescEnum,
  type DescField,
  type DescMessage,
  type MessageShape,
} from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { failures } from "../src/errors.js";
import { bodyError, mapKeyFromJson, scalarFromJson, scalarToJson } from "./json-scalars.js";

/** A JSON object as the gateway reads and writes it. */
export type JsonObject = { [key: string]: JsonValue };

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses a request body. An empty body is the empty object, so that steps
 * without fields (`init`) take no body; bytes that are not UTF-8 JSON are
 * BAD_REQUEST.
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw failures.badRequest("the body is not valid UTF-8");
  }
  if (text.trim() === "") return {};

  try {
    return JSON.parse(text);
  } catch {
    throw failures.badRequest("the body is not valid JSON");
  }
}

/**
 * Builds a request message from a JSON body by the message's descriptor.
 * JSON names are the snake_case proto field names. A missing or null
 * scalar or enum field that has no `optional` presence is BAD_REQUEST
 * naming it, and so is a value of the wrong JSON type or an enum name
 * that is unknown or `unspecified`. Fields the message does not have are
 * ignored.
 */
export function messageFromJson<Desc extends DescMessage>(
  desc: Desc,
  json: unknown,
): MessageShape<Desc> {
  if (!isJsonObject(json)) throw failures.badRequest("the body must be a JSON object");
  return create(desc, initFromJson(desc, json, "") as never);
}

/**
 * Writes a response message as JSON: snake_case names, every implicit
 * field present (the documented bodies list them all), enums as
 * lower-case names without their prefix, an empty message as `{}`.
 */
export function messageToJson(desc: DescMessage, message: object): JsonObject {
  const json: JsonObject = {};
  const record = message as Record<string, unknown>;
  for (const field of desc.fields) {
    const value = fieldValue(field, record);
    if (value === undefined) continue;
    json[field.name] = valueToJson(field, value);
  }
  return json;
}

/** The JSON name of an enum value: its proto name without the shared prefix, lower-cased. */
export function enumValueJsonName(enumDesc: DescEnum, number: number): string | undefined {
  const value = enumDesc.value[number];
  if (value === undefined) return undefined;
  const name = value.name.toLowerCase();
  const prefix = enumDesc.sharedPrefix?.toLowerCase();
  return prefix !== undefined && name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

function initFromJson(desc: DescMessage, json: Record<string, unknown>, path: string) {
  const init: Record<string, unknown> = {};
  for (const field of desc.fields) {
    const name = path + field.name;
    const raw = Object.hasOwn(json, field.name) ? json[field.name] : undefined;
    if (raw === undefined || raw === null) {
      if (isRequired(field)) throw bodyError(`${name} is required`);
      continue;
    }
    const value = fieldFromJson(field, raw, name);
    if (field.oneof === undefined) {
      init[field.localName] = value;
    } else {
      init[field.oneof.localName] = { case: field.localName, value };
    }
  }
  return init;
}

/** A singular scalar or enum field without explicit presence must be sent. */
function isRequired(field: DescField): boolean {
  if (field.fieldKind !== "scalar" && field.fieldKind !== "enum") return false;
  return field.presence === FeatureSet_FieldPresence.IMPLICIT && field.oneof === undefined;
}

function fieldFromJson(field: DescField, raw: unknown, name: string): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return scalarFromJson(field.scalar, raw, name, field.longAsString);
    case "enum":
      return enumFromJson(field.enum, raw, name);
    case "message":
      return nestedFromJson(field.message, raw, name);
    case "list":
      return listFromJson(field, raw, name);
    case "map":
      return mapFromJson(field, raw, name);
  }
}

function listFromJson(field: DescField & { fieldKind: "list" }, raw: unknown, name: string) {
  if (!Array.isArray(raw)) throw bodyError(`${name} must be an array`);
  return raw.map((item: unknown, index) => listItemFromJson(field, item, `${name}[${index}]`));
}

function listItemFromJson(field: DescField & { fieldKind: "list" }, item: unknown, name: string) {
  if (item === null) throw bodyError(`${name} must not be null`);
  if (field.listKind === "enum") return enumFromJson(field.enum, item, name);
  if (field.listKind === "message") return nestedFromJson(field.message, item, name);
  return scalarFromJson(field.scalar, item, name, field.longAsString);
}

function mapFromJson(field: DescField & { fieldKind: "map" }, raw: unknown, name: string) {
  if (!isJsonObject(raw)) throw bodyError(`${name} must be an object`);
  const entries: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(raw)) {
    const itemName = `${name}.${key}`;
    const mapKey = mapKeyFromJson(field.mapKey, key, itemName);
    switch (field.mapKind) {
      case "scalar":
        entries[mapKey] = scalarFromJson(field.scalar, item, itemName, false);
        break;
      case "enum":
        entries[mapKey] = enumFromJson(field.enum, item, itemName);
        break;
      case "message":
        entries[mapKey] = nestedFromJson(field.message, item, itemName);
        break;
    }
  }
  return entries;
}

function nestedFromJson(desc: DescMessage, raw: unknown, name: string) {
  if (!isJsonObject(raw)) throw bodyError(`${name} must be an object`);
  return initFromJson(desc, raw, `${name}.`);
}

function enumFromJson(enumDesc: DescEnum, raw: unknown, name: string): number {
  if (typeof raw !== "string") throw bodyError(`${name} must be a string`);
  if (raw !== "unspecified") {
    const value = enumDesc.values.find((v) => enumValueJsonName(enumDesc, v.number) === raw);
    if (value !== undefined) return value.number;
  }
  throw bodyError(`${name} has an unknown value`);
}

function fieldValue(field: DescField, record: Record<string, unknown>): unknown {
  if (field.oneof !== undefined) {
    const chosen = record[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
    return chosen?.case === field.localName ? chosen.value : undefined;
  }
  return record[field.localName];
}

function valueToJson(field: DescField, value: unknown): JsonValue {
  switch (field.fieldKind) {
    case "scalar":
      return scalarToJson(value);
    case "enum":
      return enumToJson(field.enum, value as number);
    case "message":
      return messageToJson(field.message, value as object);
    case "list":
      return (value as unknown[]).map((item) => listItemToJson(field, item));
    case "map":
      return mapToJson(field, value as Record<string, unknown>);
  }
}

function listItemToJson(field: DescField & { fieldKind: "list" }, item: unknown): JsonValue {
  switch (field.listKind) {
    case "scalar":
      return scalarToJson(item);
    case "enum":
      return enumToJson(field.enum, item as number);
    case "message":
      return messageToJson(field.message, item as object);
  }
}

function mapToJson(field: DescField & { fieldKind: "map" }, value: Record<string, unknown>) {
  const json: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (field.mapKind === "enum") json[key] = enumToJson(field.enum, item as number);
    else if (field.mapKind === "message") json[key] = messageToJson(field.message, item as object);
    else json[key] = scalarToJson(item);
  }
  return json;
}

/** A number the descriptor does not know (an open enum) is written as the number. */
function enumToJson(enumDesc: DescEnum, number: number): JsonValue {
  return enumValueJsonName(enumDesc, number) ?? number;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
