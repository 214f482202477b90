import type { ServerResponse } from "node:http";
import { FAILURES } from "../src/errors.js";
import type { RpcFailure } from "../src/rpc/errors.js";
import type { JsonObject } from "./json.js";

/** Extra headers of one answer. */
export type Headers = Readonly<Record<string, string>>;

/**
 * Sends a JSON answer. Answers carry tokens, so nothing is cached unless
 * the caller says otherwise, and browsers must not sniff the type.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: JsonObject,
  headers: Headers = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(text);
}

/** A failure to answer; `httpStatus` overrides the table (404, 405). */
export interface HttpFailure extends RpcFailure {
  readonly httpStatus?: number;
}

/**
 * Sends the documented failure body `{failure_code, failure_message}`
 * with the failure's HTTP status and, for throttles, `Retry-After`.
 */
export function sendFailure(
  res: ServerResponse,
  failure: HttpFailure,
  headers: Headers = {},
): void {
  const retry: Headers =
    failure.retryAfterSeconds === undefined
      ? {}
      : { "retry-after": String(failure.retryAfterSeconds) };
  sendJson(
    res,
    failure.httpStatus ?? FAILURES[failure.code].httpStatus,
    { failure_code: failure.code, failure_message: failure.message },
    { ...retry, ...headers },
  );
}
