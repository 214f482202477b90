import { describe, expect, it } from "vitest";
import { normalizePhone } from "../../../src/identity/phone.js";
import { validationMessage } from "./support.js";

/** A mobile number of Australia's range reserved for fiction. */
const FICTIONAL_AU_MOBILE = "+61491570006";

describe("normalizePhone", () => {
  it.each([
    "+61 491 570 006",
    "+61491570006",
    "  +61 491 570 006  ",
    "+61-491-570-006",
    "+61.491.570.006",
    "+61 (0) 491 570 006",
    "0061 491 570 006",
    "0061491570006",
    "\uff0b\uff16\uff11\uff14\uff19\uff11\uff15\uff17\uff10\uff10\uff10\uff16",
  ])("reads %j as the fictional Australian mobile", (typed) => {
    expect(normalizePhone(typed)).toBe(FICTIONAL_AU_MOBILE);
  });

  it.each([
    ["a UK mobile", "+44 7911 123456", "+447911123456"],
    ["a French mobile", "+33 6 12 34 56 78", "+33612345678"],
    ["a US fixed-line-or-mobile", "+1 (201) 555-0123", "+12015550123"],
  ])("accepts %s", (_name, typed, stored) => {
    expect(normalizePhone(typed)).toBe(stored);
  });

  it.each(["+44 7700 900000", "+44 7700 900123", "+44 7700 900999"])(
    "rejects %s in the UK drama range, which is not allocated",
    (typed) => {
      expect(validationMessage(() => normalizePhone(typed))).toMatch(/not a valid number/);
    },
  );

  it.each([
    ["a US toll-free", "+1 800 234 5678"],
    ["a UK freephone", "+44 800 123 4567"],
    ["an Australian freecall", "+61 1800 123 456"],
    ["a US premium-rate", "+1 900 345 6789"],
    ["a UK premium-rate", "+44 909 879 0123"],
    ["an Australian shared-cost", "+61 1300 123 456"],
    ["a French shared-cost", "+33 8 10 12 34 56"],
    ["a UK fixed-line-only", "+44 20 7946 0000"],
    ["an Australian fixed-line-only", "+61 2 9876 5432"],
    ["a UK VoIP", "+44 56 1234 5678"],
    ["a UK personal", "+44 70 1234 5678"],
    ["an international freephone", "+800 1234 5678"],
  ])("rejects %s number, which cannot receive text messages", (_name, typed) => {
    expect(validationMessage(() => normalizePhone(typed))).toMatch(/cannot receive text/);
  });

  it.each(["0491 570 006", "491570006", "61491570006"])(
    "rejects the national or bare form %s",
    (typed) => {
      expect(validationMessage(() => normalizePhone(typed))).toMatch(/international form/);
    },
  );

  it.each([
    "+",
    "+0123",
    "+abc",
    "+61491570006abc",
    "+61 491 570 006 0",
    "+1 800 FLOWERS",
    "+61491570006\u0000",
    "+61 491 570 006; drop table",
    "+999 1234 5678",
  ])("rejects %j, which does not parse as a valid number", (typed) => {
    expect(validationMessage(() => normalizePhone(typed))).toMatch(/not a valid number/);
  });

  it.each(["abc", "call +61491570006", "tel:+61491570006"])("rejects the text %j", (typed) => {
    expect(validationMessage(() => normalizePhone(typed))).toMatch(/phone number/);
  });

  it.each(["", "   "])("rejects a blank value %j", (blank) => {
    expect(validationMessage(() => normalizePhone(blank))).toMatch(/empty/);
  });

  it("rejects a number with an extension", () => {
    const message = validationMessage(() => normalizePhone("+61 491 570 006 ext. 12"));
    expect(message).toMatch(/extension/);
  });

  it("rejects very long input without parsing it", () => {
    expect(validationMessage(() => normalizePhone(`+61${"1".repeat(200)}`))).toMatch(/too long/);
  });

  it("never echoes the value in its message", () => {
    expect(validationMessage(() => normalizePhone("+44 7700 900123"))).not.toMatch(/7700/);
  });
});
