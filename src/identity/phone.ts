import { type PhoneNumberType, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { failures } from "../errors.js";

/** Longer input is refused before the parser spends any work on it. */
const MAX_INPUT_LENGTH = 64;

/** The number types that can receive a text message with a code. */
const TEXTABLE_TYPES: ReadonlySet<PhoneNumberType> = new Set(["MOBILE", "FIXED_LINE_OR_MOBILE"]);

const invalid = (reason: string) => failures.validation(`the phone number ${reason}`);

/**
 * Turns a typed phone number into E.164 (`+61491570006`), the one form the
 * service stores and compares. Numbers must be written in international
 * form: a leading `+` and the country calling code (a leading `00` is read
 * as `+`); national forms are refused because the country would be a guess.
 * Spaces, dots, dashes and brackets between the digits are allowed.
 *
 * The number must be valid in the full numbering-plan metadata and of a
 * type that can receive a text message (mobile, or fixed-line-or-mobile
 * where a plan does not tell them apart). Premium-rate, freephone,
 * shared-cost, fixed-line-only and unallocated numbers, numbers with an
 * extension, and anything that does not parse are VALIDATION_ERROR.
 */
export function normalizePhone(input: string): string {
  if (input.length > MAX_INPUT_LENGTH) throw invalid("is too long");
  const typed = input.normalize("NFKC").trim();

  if (typed === "") throw invalid("is empty");
  const international = typed.startsWith("00") ? `+${typed.slice(2)}` : typed;
  if (!international.startsWith("+")) {
    throw invalid("must be in international form, starting with + and the country code");
  }

  const parsed = parsePhoneNumberFromString(international, { extract: false });
  if (parsed === undefined || !parsed.isValid()) throw invalid("is not a valid number");
  if (parsed.ext !== undefined) throw invalid("must not have an extension");
  const type = parsed.getType();
  if (type === undefined || !TEXTABLE_TYPES.has(type)) {
    throw invalid("cannot receive text messages; use a mobile number");
  }

  return parsed.number;
}
