import { domainToASCII } from "node:url";
import { failures } from "../errors.js";

/** The longest address accepted, in UTF-8 bytes: the SMTP path limit (RFC 5321). */
export const MAX_EMAIL_LENGTH = 254;

/** The longest part before the `@`, in UTF-8 bytes (RFC 5321). */
const MAX_LOCAL_PART_LENGTH = 64;

/** Longer input is refused before any work is spent on it. */
const MAX_INPUT_LENGTH = 1024;

const SPACE = /[\s\p{Z}]/u;
const CONTROL_OR_INVISIBLE = /\p{C}/u;
const QUOTE = /["'`\u00ab\u00bb\u2018-\u201f\u2039\u203a\uff02\uff07]/u;
const ANGLE_BRACKET = /[<>\u2329\u232a\u27e8\u27e9\u3008\u3009\ufe64\ufe65\uff1c\uff1e]/u;
const LOOK_ALIKE_AT = /[\ufe6b\uff20]/u;

/** Dot-atom text: the unquoted ASCII symbols of RFC 5322 less the quotes, and letters. */
const LOCAL_PART = /^[\p{L}\p{M}\p{N}!#$%&*+\-/=?^_{|}~.]+$/u;
const RAW_DOMAIN = /^[\p{L}\p{M}\p{N}.-]+$/u;
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

const invalid = (reason: string) => failures.validation(`the e-mail address ${reason}`);

/**
 * Turns a typed e-mail address into the one form the service stores and
 * compares: trimmed, NFC-normalised, lower-cased as a whole, with the domain
 * in its ASCII (punycode) form. Throws VALIDATION_ERROR, without echoing the
 * value, for anything that is not a plain deliverable address.
 *
 * Deliberately strict: no quoted names, so no quotes of any kind (an
 * apostrophe included); no comments, IP literals or trailing dots; no
 * compatibility characters (full-width letters) before the `@`. Lengths are
 * counted in UTF-8 bytes, as SMTP counts them: 64 before the `@`, 254 in all.
 */
export function normalizeEmail(input: string): string {
  if (input.length > MAX_INPUT_LENGTH) throw invalid("is too long");
  const value = input.trim().normalize("NFC").toLowerCase().normalize("NFC");

  if (value === "") throw invalid("is empty");
  rejectForbiddenCharacters(value);

  const parts = value.split("@");
  if (parts.length !== 2) throw invalid("must contain exactly one @");
  const [local = "", domain = ""] = parts;
  checkLocalPart(local);
  const address = `${local}@${toAsciiDomain(domain)}`;

  if (utf8Length(address) > MAX_EMAIL_LENGTH) {
    throw invalid(`must be at most ${MAX_EMAIL_LENGTH} characters long`);
  }
  return address;
}

function rejectForbiddenCharacters(value: string): void {
  if (SPACE.test(value)) throw invalid("must not contain spaces");
  if (CONTROL_OR_INVISIBLE.test(value)) {
    throw invalid("must not contain control or invisible characters");
  }
  if (value.includes(",")) throw invalid("must not contain commas");
  if (QUOTE.test(value)) throw invalid("must not contain quotes");
  if (ANGLE_BRACKET.test(value)) throw invalid("must not contain angle brackets");
  if (LOOK_ALIKE_AT.test(value) || hasCompatibilityAt(value)) {
    throw invalid("must not contain a look-alike of the @ sign");
  }
}

/** Any character other than `@` whose compatibility form holds an `@`. */
function hasCompatibilityAt(value: string): boolean {
  for (const char of value) {
    if (char !== "@" && char.normalize("NFKC").includes("@")) return true;
  }
  return false;
}

function checkLocalPart(local: string): void {
  if (local === "") throw invalid("needs a name before the @");
  if (utf8Length(local) > MAX_LOCAL_PART_LENGTH) {
    throw invalid(`must have at most ${MAX_LOCAL_PART_LENGTH} characters before the @`);
  }
  if (!LOCAL_PART.test(local)) throw invalid("has a character before the @ that is not allowed");
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) {
    throw invalid("must not start or end the name with a dot, or have two dots in a row");
  }

  // Full-width letters, ligatures and the like look like plain letters but
  // would make a second account for what reads as the same address.
  if (local.normalize("NFKC") !== local) {
    throw invalid("has look-alike characters before the @ (such as full-width letters)");
  }
}

/** The domain in ASCII: Unicode labels become punycode, so both spellings are one. */
function toAsciiDomain(domain: string): string {
  if (domain === "") throw invalid("needs a domain after the @");

  // Only letters, digits, hyphens and dots reach the converter: it would
  // otherwise decode percent escapes and accept bracketed IP literals.
  if (!RAW_DOMAIN.test(domain)) throw invalid("has a domain with characters that are not allowed");
  const ascii = domainToASCII(domain);

  if (ascii === "") throw invalid("has a domain that is not valid");
  const labels = ascii.split(".");
  if (labels.length < 2) throw invalid("needs a dotted domain, such as example.com");
  if (!labels.every((label) => ASCII_LABEL.test(label))) {
    throw invalid("has a domain that is not valid");
  }
  if (!TOP_LEVEL_LABEL.test(labels.at(-1) ?? "")) {
    throw invalid("has a domain whose last part is not a top-level domain");
  }
  return ascii;
}

function utf8Length(value: string): number {
  return Buffer.byteLength(value, "utf8");
}
