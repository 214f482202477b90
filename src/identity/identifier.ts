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
