import { createHash } from "node:crypto";
import type { IdentifierKind } from "../config.js";
import { normalizeEmail } from "./email.js";
import { normalizePhone } from "./phone.js";

/**
 * The stored form of an identifier of the given kind: the one spelling that
 * registration, sign-in and recovery all compare, and that codes are sent
 * to. Throws VALIDATION_ERROR when the value is not acceptable.
 */
export function normalizeIdentifier(kind: IdentifierKind, value: string): string {
  switch (kind) {
    case "email":
      return normalizeEmail(value);
    case "phone":
      return normalizePhone(value);
  }
}

/**
 * A digest of a normalised identifier (SHA-256, base64url) for keys in the
 * key-value store, so that they never hold the identifier itself.
 */
export function identifierDigest(kind: IdentifierKind, value: string): string {
  return createHash("sha256").update(`${kind}\u0000${value}`).digest("base64url");
}
