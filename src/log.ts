import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Field names that may hold secrets or personal data. Whatever value they
 * carry, at any depth, is written as "[redacted]". The one deliberate
 * exception is the development-only code line of the log delivery channel,
 * which is marked and refused in production.
 */
const SECRET_FIELDS = [
  "password",
  "secret",
  "token",
  "access_token",
  "refresh_token",
  "registration_token",
  "reset_password_token",
  "auth_token",
  "authorization",
  "cookie",
  "value",
  "captcha",
  "private_key",
  "privateJwk",
  "email",
  "phone",
  "to",
];

/**
 * Redacted only at the top level: nested, `code` is an error's code
 * (`ECONNREFUSED`, `EADDRINUSE`), which operators need to see.
 */
const TOP_LEVEL_SECRET_FIELDS = ["code"];

function redactPaths(): string[] {
  const nested = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
  return [...nested, ...TOP_LEVEL_SECRET_FIELDS];
}

/** Creates the service's structured JSON logger. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "iam" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths(), censor: "[redacted]" },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** A logger that writes nothing, for tests that do not inspect logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
