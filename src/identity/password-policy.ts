import { domainToUnicode } from "node:url";
import { failures } from "../errors.js";
import { isCommonPassword } from "./common-passwords.js";

/** Fewest characters (code points after NFKC) a password may have. */
export const MIN_PASSWORD_LENGTH = 8;

/** Most characters (code points after NFKC) a password may have. */
export const MAX_PASSWORD_LENGTH = 128;

/**
 * Longer input is refused before it is normalised. NFKC can lengthen a
 * string many times over, so this bounds the work, not the rule.
 */
const MAX_INPUT_UNITS = 4096;

/** Control characters, and invisible format characters such as U+200B or U+202E. */
const CONTROL = /[\p{Cc}\p{Cf}]/u;
/** Lone surrogates, and U+FFFD, which stands in for them once text crossed the wire. */
const NOT_TEXT = /[\p{Cs}\uFFFD]/u;
const ONLY_SPACES = /^\p{White_Space}*$/u;

/** What the policy knows about the account the password is for. */
export interface PasswordContext {
  /** The account's normalised identifiers (e-mail addresses, E.164 numbers). */
  readonly identifiers: readonly string[];
}

const invalid = (reason: string) => failures.validation(`the password ${reason}`);

/**
 * Checks a new password against the policy and returns it NFKC-normalised,
 * the form to hash. Throws VALIDATION_ERROR naming the rule broken: 8 to 128
 * characters, no control characters, not a common password, and not the
 * account's e-mail, e-mail name or phone number (case is ignored).
 */
export function checkPassword(secret: string, context: PasswordContext): string {
  if (secret.length > MAX_INPUT_UNITS) throw tooLong();
  const password = secret.normalize("NFKC");

  if (NOT_TEXT.test(password)) throw invalid("is not valid Unicode text");
  if (CONTROL.test(password)) throw invalid("must not contain control or invisible characters");
  if (ONLY_SPACES.test(password)) throw invalid("must not be only spaces");
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw invalid(`must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  }
  if (length > MAX_PASSWORD_LENGTH) throw tooLong();

  if (isCommonPassword(password)) {
    throw invalid("is too common; choose one that is not on lists of frequent passwords");
  }
  if (matchesIdentifier(password, context.identifiers)) {
    throw invalid("must not be your e-mail address or phone number");
  }

  return password;
}

function tooLong() {
  return invalid(`must be at most ${MAX_PASSWORD_LENGTH} characters long`);
}

function matchesIdentifier(password: string, identifiers: readonly string[]): boolean {
  const typed = password.toLowerCase();
  return identifiers.some((identifier) =>
    spellingsOf(identifier).some((spelling) => spelling === typed),
  );
}

/**
 * The ways a person might type an identifier as a password: an e-mail whole,
 * its name before the @, and with a Unicode domain; a phone number with or
 * without its +.
 */
function spellingsOf(identifier: string): string[] {
  const value = identifier.normalize("NFKC").toLowerCase();

  const at = value.lastIndexOf("@");
  if (at !== -1) {
    const local = value.slice(0, at);
    const unicodeDomain = domainToUnicode(value.slice(at + 1));
    return unicodeDomain === "" ? [value, local] : [value, local, `${local}@${unicodeDomain}`];
  }

  return value.startsWith("+") ? [value, value.slice(1)] : [value];
}
