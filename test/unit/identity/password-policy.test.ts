import { describe, expect, it } from "vitest";
import { commonPasswords, isCommonPassword } from "../../../src/identity/common-passwords.js";
import {
  checkPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from "../../../src/identity/password-policy.js";
import { validationMessage } from "./support.js";

const NO_IDENTIFIERS = { identifiers: [] } as const;
const ACCOUNT = { identifiers: ["jane.roe@xn--mnchen-3ya.de", "+61491570006"] } as const;

const check = (secret: string, context: { identifiers: readonly string[] } = NO_IDENTIFIERS) =>
  checkPassword(secret, context);

describe("checkPassword", () => {
  it("returns an acceptable password unchanged", () => {
    expect(check("correct horse battery staple")).toBe("correct horse battery staple");
  });

  it("returns the NFKC form of the password", () => {
    expect(check("ﬁsh-and-chips-4-two")).toBe("fish-and-chips-4-two");
    expect(check("Ｐａｓｓ-ｗｏｒｄ-9x!")).toBe("Pass-word-9x!");
    expect(check("cafe\u0301-au-lait-7")).toBe("caf\u00e9-au-lait-7");
  });

  it("accepts exactly 8 and exactly 128 characters", () => {
    expect(check("qZ7!kP2m")).toHaveLength(MIN_PASSWORD_LENGTH);
    const longest = "qZ7!kP2m".repeat(MAX_PASSWORD_LENGTH / 8);
    expect(check(longest)).toHaveLength(MAX_PASSWORD_LENGTH);
  });

  it("rejects 7 characters and 129 characters", () => {
    expect(validationMessage(() => check("qZ7!kP2"))).toMatch(/at least 8 characters/);
    const tooLong = `${"qZ7!kP2m".repeat(16)}x`;
    expect(validationMessage(() => check(tooLong))).toMatch(/at most 128 characters/);
  });

  it("counts code points, not UTF-16 units", () => {
    const emoji = "🔑🐢🌵🎲🧭🪁🦉🍋";
    expect(emoji.length).toBe(16);
    expect(check(emoji)).toBe(emoji);
    expect(validationMessage(() => check("🔑🐢🌵🎲🧭🪁🦉"))).toMatch(/at least 8/);
    expect(check("🔑".repeat(MAX_PASSWORD_LENGTH))).toHaveLength(2 * MAX_PASSWORD_LENGTH);
    expect(validationMessage(() => check("🔑".repeat(MAX_PASSWORD_LENGTH + 1)))).toMatch(
      /at most 128/,
    );
  });

  it("counts the length after NFKC", () => {
    expect(validationMessage(() => check("\u2168\u2168\u2168"))).toMatch(/at least 8/);
    expect(check("\u2168\u2168\u2168\u2168")).toBe("IXIXIXIX");
    expect(validationMessage(() => check("\ufdfa".repeat(8)))).toMatch(/at most 128/);
  });

  it("rejects very long input before normalising it", () => {
    expect(validationMessage(() => check("x".repeat(100_000)))).toMatch(/at most 128/);
  });

  it.each([
    ["a NUL", "abcd\u0000efgh"],
    ["a tab", "abcd\tefgh"],
    ["a newline", "abcdefgh\n"],
    ["a DEL", "abcd\u007fefgh"],
    ["a C1 control", "abcd\u0085efgh"],
    ["a zero-width space", "abcd\u200befgh"],
    ["a right-to-left override", "abcd\u202eefgh"],
  ])("rejects %s character", (_name, secret) => {
    expect(validationMessage(() => check(secret))).toMatch(/control or invisible characters/);
  });

  it("rejects a lone surrogate, which cannot be hashed faithfully", () => {
    expect(validationMessage(() => check("abcd\ud800efgh"))).toMatch(/valid Unicode/);
  });

  it("rejects the replacement character a lone surrogate becomes on the wire", () => {
    expect(validationMessage(() => check("\ufffdabcdefghij"))).toMatch(/valid Unicode/);
  });

  it("rejects a password made only of spaces", () => {
    expect(validationMessage(() => check("        "))).toMatch(/only spaces/);
    expect(validationMessage(() => check("\u3000".repeat(9)))).toMatch(/only spaces/);
  });

  it.each(["password", "iloveyou", "qwertyuiop", "password1", "baseball"])(
    "rejects the common password %s",
    (secret) => {
      expect(validationMessage(() => check(secret))).toMatch(/too common/);
    },
  );

  it("compares against the common list without regard to case", () => {
    expect(validationMessage(() => check("PassWord1"))).toMatch(/too common/);
    expect(validationMessage(() => check("ILOVEYOU"))).toMatch(/too common/);
  });

  it("compares against the common list after NFKC", () => {
    expect(validationMessage(() => check("ｐａｓｓｗｏｒｄ"))).toMatch(/too common/);
  });

  it.each([
    ["the e-mail address", "jane.roe@xn--mnchen-3ya.de"],
    ["the e-mail address in capitals", "JANE.ROE@XN--MNCHEN-3YA.DE"],
    ["the e-mail address with its Unicode domain", "Jane.Roe@münchen.de"],
    ["the e-mail's name", "Jane.Roe"],
    ["the phone number", "+61491570006"],
    ["the phone number without its +", "61491570006"],
  ])("rejects %s as the password", (_name, secret) => {
    expect(validationMessage(() => check(secret, ACCOUNT))).toMatch(/e-mail address or phone/);
  });

  it("accepts a password that only contains an identifier", () => {
    expect(check("jane.roe-likes-tea", ACCOUNT)).toBe("jane.roe-likes-tea");
  });

  it("names the rule broken and never echoes the password", () => {
    const message = validationMessage(() => check("hunter2"));
    expect(message).toMatch(/^the password /);
    expect(message).not.toContain("hunter2");
  });
});

describe("commonPasswords", () => {
  it("holds at least 10,000 passwords", () => {
    expect(commonPasswords().size).toBeGreaterThanOrEqual(10_000);
  });

  it("holds only lower-case entries the length rule would accept", () => {
    for (const entry of commonPasswords()) {
      expect(entry).toBe(entry.toLowerCase());
      expect([...entry].length).toBeGreaterThanOrEqual(MIN_PASSWORD_LENGTH);
    }
  });

  it("reads the list once", () => {
    expect(commonPasswords()).toBe(commonPasswords());
  });

  it("matches without regard to case", () => {
    expect(isCommonPassword("FOOTBALL")).toBe(true);
    expect(isCommonPassword("correct horse battery staple")).toBe(false);
  });
});
