import {
  ConnectionException,
  DriverException,
  UniqueConstraintViolationException,
} from "@mikro-orm/core";
import { failures, IamError } from "../../errors.js";
import { IDENTIFIER_UNIQUE } from "./entities/identifier.js";

/**
 * A database failure stripped to what is safe to log: the SQLSTATE, the
 * table and the constraint. The driver's own message is dropped because
 * it can quote the statement, its values and the offending key (an
 * e-mail address, a password hash).
 */
export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  readonly sqlState: string | undefined;

  constructor(kind: string, details: { sqlState?: string; table?: string; constraint?: string }) {
    const where = [details.table, details.constraint].filter(Boolean).join("/");
    const state = details.sqlState ? ` ${details.sqlState}` : "";
    super(`${kind}${state}${where ? ` on ${where}` : ""}`);
    this.sqlState = details.sqlState;
  }
}

/** SQLSTATE classes and node error codes that mean "the database is not reachable". */
const UNAVAILABLE_STATES = ["08", "57P01", "57P02", "57P03", "53300"];
const UNAVAILABLE_CODES = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE"];

/**
 * Turns anything a store operation threw into the domain error the caller
 * reports: a taken identifier is CONFLICT, an unreachable database is an
 * unavailable SERVER_ERROR, anything else a SERVER_ERROR whose cause holds
 * no values.
 */
export function storeFailure(error: unknown): IamError {
  if (error instanceof IamError) {
    return error;
  }

  const details = driverDetails(error);
  if (error instanceof UniqueConstraintViolationException && details.constraint) {
    if (details.constraint === IDENTIFIER_UNIQUE) {
      return failures.conflict();
    }
  }

  if (isUnavailable(error, details)) {
    return failures.unavailable(new DatabaseError("database unavailable", details));
  }
  if (error instanceof DriverException) {
    return failures.server(new DatabaseError(error.name, details));
  }
  if (details.sqlState) {
    // A failure the pg driver raised itself (the plain-SQL hot paths): its
    // message can quote values too, so only the SQLSTATE and names stay.
    return failures.server(new DatabaseError("database error", details));
  }
  return failures.server(error);
}

/** Whether an error came from the database or the way to it, rather than from this code. */
export function isDatabaseFailure(error: unknown): boolean {
  return error instanceof DriverException || isUnavailable(error, driverDetails(error));
}

interface DriverDetails {
  sqlState?: string;
  table?: string;
  constraint?: string;
  errorCode?: string;
}

function driverDetails(error: unknown): DriverDetails {
  if (typeof error !== "object" || error === null) {
    return {};
  }

  const fields = error as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const code = text(fields.code);
  const sqlState = code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  return {
    sqlState,
    table: text(fields.table),
    constraint: text(fields.constraint),
    errorCode: sqlState ? undefined : code,
  };
}

function isUnavailable(error: unknown, details: DriverDetails): boolean {
  if (error instanceof ConnectionException) {
    return true;
  }
  if (details.sqlState && UNAVAILABLE_STATES.some((s) => details.sqlState?.startsWith(s))) {
    return true;
  }
  if (details.errorCode && UNAVAILABLE_CODES.includes(details.errorCode)) {
    return true;
  }
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : "";
  return name === "KnexTimeoutError" || /Connection terminated/.test(message);
}
