import { domainToUnicode } from "node:url";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { IdentifierKind } from "../config.js";

/** Digits of a phone number left visible at its end. */
const VISIBLE_PHONE_DIGITS = 3;

/**
 * A hint at where a code was sent, enough to recognise the destination and
 * no more: `j***@e*****.com`, `+61 *** *** 006`. The stars are of fixed
 * count for e-mail, so a mask does not reveal the lengths of the parts.
 * Takes a normalised identifier (see normalizeIdentifier).
 */
export function maskIdentifier(kind: IdentifierKind, normalized: string): string {
  return kind === "email" ? maskEmail(normalized) : maskPhone(normalized);
}

/**
 * First letter of the name, then of each domain label but the last, which
 * is kept whole. Labels are shown in Unicode, the spelling the person typed.
 */
function maskEmail(address: string): string {
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);

  const labels = (domainToUnicode(domain) || domain).split(".");
  const last = labels.pop() ?? "";
  const masked = labels.map((label) => `${firstCharacter(label)}*****`);

  return `${firstCharacter(local)}***@${[...masked, last].join(".")}`;
}

/** The international format's groups with every digit starred but the last three. */
function maskPhone(number: string): string {
  const parsed = parsePhoneNumberFromString(number);
  const formatted = parsed?.formatInternational() ?? number;
  const space = formatted.indexOf(" ");
  const prefix = space === -1 ? "+" : formatted.slice(0, space + 1);
  const rest = formatted.slice(prefix.length);

  let visible = VISIBLE_PHONE_DIGITS;
  const chars = [...rest].reverse().map((char) => {
    if (!/\d/.test(char)) return char;
    if (visible > 0) {
      visible -= 1;
      return char;
    }
    return "*";
  });

  return prefix + chars.reverse().join("");
}

function firstCharacter(value: string): string {
  return [...value][0] ?? "";
}
