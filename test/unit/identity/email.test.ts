import { describe, expect, it } from "vitest";
import { MAX_EMAIL_LENGTH, normalizeEmail } from "../../../src/identity/email.js";
import { validationMessage } from "./support.js";

/** An address of exactly `length` ASCII characters, with a 64-character name. */
function addressOfLength(length: number): string {
  const local = "l".repeat(64);
  const tail = ".com";
  const labels = length - local.length - 1 - tail.length;
  const first = "a".repeat(63);
  const second = "b".repeat(63);
  const third = "c".repeat(labels - first.length - second.length - 2);
  return `${local}@${first}.${second}.${third}${tail}`;
}

describe("normalizeEmail", () => {
  it("trims and lower-cases the whole address", () => {
    expect(normalizeEmail("  John.Doe@Example.COM \n")).toBe("john.doe@example.com");
  });

  it.each([
    "a@b.io",
    "user+tag@sub.example.co.uk",
    "first.last@example.com",
    "x_y-z@mail-server.example.org",
    "1234@123.example.com",
    "o!#$%&*+/=?^_{|}~k@example.com",
    "user@xn--p1ai.xn--p1ai",
  ])("accepts the plain address %s", (address) => {
    expect(normalizeEmail(address)).toBe(address);
  });

  it("converts an internationalised domain to punycode", () => {
    expect(normalizeEmail("user@münchen.de")).toBe("user@xn--mnchen-3ya.de");
    expect(normalizeEmail("user@пример.рф")).toBe("user@xn--e1afmkfd.xn--p1ai");
  });

  it("makes the Unicode and ASCII spellings of a domain one address", () => {
    const unicode = normalizeEmail("User@MÜNCHEN.de");
    expect(unicode).toBe(normalizeEmail("user@xn--mnchen-3ya.de"));
    expect(unicode).toBe(normalizeEmail("USER@XN--MNCHEN-3YA.DE"));
  });

  it("composes decomposed characters (NFC) so both spellings are one address", () => {
    const decomposed = normalizeEmail("jose\u0301@example.com");
    expect(decomposed).toBe("jos\u00e9@example.com");
    expect(decomposed).toBe(normalizeEmail("JOS\u00c9@example.com"));
  });

  it("keeps a Unicode name before the @", () => {
    expect(normalizeEmail("用户@例え.テスト")).toBe("用户@xn--r8jz45g.xn--zckzah");
  });

  it("accepts an address of exactly 254 characters", () => {
    const address = addressOfLength(MAX_EMAIL_LENGTH);
    expect(address).toHaveLength(254);
    expect(normalizeEmail(address)).toBe(address);
  });

  it("rejects an address of 255 characters", () => {
    const address = addressOfLength(MAX_EMAIL_LENGTH + 1);
    expect(address).toHaveLength(255);
    expect(validationMessage(() => normalizeEmail(address))).toMatch(/at most 254/);
  });

  it("rejects a name of more than 64 characters before the @", () => {
    expect(normalizeEmail(`${"n".repeat(64)}@example.com`)).toContain("@");
    expect(validationMessage(() => normalizeEmail(`${"n".repeat(65)}@example.com`))).toMatch(
      /at most 64/,
    );
  });

  it("rejects very long input without working on it", () => {
    expect(validationMessage(() => normalizeEmail(`${"a".repeat(5000)}@example.com`))).toMatch(
      /too long/,
    );
  });

  it.each(["", "   ", "\t\n"])("rejects a blank value %j", (blank) => {
    expect(validationMessage(() => normalizeEmail(blank))).toMatch(/empty/);
  });

  it.each(["john.example.com", "a@b@example.com", "john@@example.com"])(
    "rejects %s, which has no single @",
    (value) => {
      expect(validationMessage(() => normalizeEmail(value))).toMatch(/exactly one @/);
    },
  );

  it.each(["@example.com", "john@"])("rejects %s, which misses a side of the @", (value) => {
    expect(validationMessage(() => normalizeEmail(value))).toMatch(/needs a/);
  });

  it.each([
    "john doe@example.com",
    "john@exa mple.com",
    "john\u00a0doe@example.com",
    "john\u3000doe@example.com",
    "john\tdoe@example.com",
  ])("rejects the space in %j", (value) => {
    expect(validationMessage(() => normalizeEmail(value))).toMatch(/spaces/);
  });

  it.each([
    "john\u0000@example.com",
    "john\u0007@example.com",
    "john\u007f@example.com",
    "john\u200b@example.com",
    "john\u202e@example.com",
    "john@exa\u200dmple.com",
  ])("rejects the control or invisible character in %j", (value) => {
    expect(validationMessage(() => normalizeEmail(value))).toMatch(/control or invisible/);
  });

  it.each(["john,doe@example.com", "john@example.com,eve@example.org"])(
    "rejects the comma in %s",
    (value) => {
      expect(validationMessage(() => normalizeEmail(value))).toMatch(/commas/);
    },
  );

  it.each([
    '"john"@example.com',
    '"john.doe"@example.com',
    "o'brien@example.com",
    "john`@example.com",
    "\u201cjohn\u201d@example.com",
  ])("rejects the quote in %s", (value) => {
    expect(validationMessage(() => normalizeEmail(value))).toMatch(/quotes/);
  });

  it.each(["<john@example.com>", "john<@example.com", "john@example.com>"])(
    "rejects the angle bracket in %s",
    (value) => {
      expect(validationMessage(() => normalizeEmail(value))).toMatch(/angle brackets/);
    },
  );

  it.each([
    ["full-width", "john\uff20example.com"],
    ["small", "john\ufe6bexample.com"],
    ["full-width beside a real one", "john\uff20evil@example.com"],
  ])("rejects a %s look-alike @ sign", (_name, value) => {
    expect(validationMessage(() => normalizeEmail(value))).toMatch(/look-alike of the @/);
  });

  it("rejects full-width letters that read as a plain name", () => {
    expect(validationMessage(() => normalizeEmail("ｊｏｈｎ@example.com"))).toMatch(/look-alike/);
  });

  it.each([".john@example.com", "john.@example.com", "jo..hn@example.com"])(
    "rejects the misplaced dot in %s",
    (value) => {
      expect(validationMessage(() => normalizeEmail(value))).toMatch(/dot/);
    },
  );

  it.each(["john(x)@example.com", "jo;hn@example.com", "jo\\hn@example.com", "jo:hn@example.com"])(
    "rejects the symbol in %s",
    (value) => {
      expect(validationMessage(() => normalizeEmail(value))).toMatch(/not allowed/);
    },
  );

  it.each(["john@localhost", "john@com"])("rejects %s, whose domain has no dot", (value) => {
    expect(validationMessage(() => normalizeEmail(value))).toMatch(/dotted domain/);
  });

  it.each(["john@example.123", "john@127.0.0.1", "john@1.2.3.4.5"])(
    "rejects %s, whose top-level domain is all digits",
    (value) => {
      expect(validationMessage(() => normalizeEmail(value))).toMatch(/domain/);
    },
  );

  it.each(["john@example.c", "john@example.c0m"])(
    "rejects %s, whose last label is not a top-level domain",
    (value) => {
      expect(validationMessage(() => normalizeEmail(value))).toMatch(/top-level domain/);
    },
  );

  it.each([
    "john@-example.com",
    "john@example-.com",
    "john@example..com",
    "john@example.com.",
    "john@.example.com",
    `john@${"a".repeat(64)}.com`,
    "john@xn--zz.com",
  ])("rejects the malformed domain in %s", (value) => {
    expect(validationMessage(() => normalizeEmail(value))).toMatch(/domain/);
  });

  it.each([
    "john@[127.0.0.1]",
    "john@ex%61mple.com",
    "john@exa_mple.com",
    "john@example.com/path",
    "john@example.com:25",
  ])("rejects the character the domain must not have in %s", (value) => {
    expect(validationMessage(() => normalizeEmail(value))).toMatch(/not allowed/);
  });

  it("never echoes the value in its message", () => {
    const message = validationMessage(() => normalizeEmail("secret-name,x@example.com"));
    expect(message).not.toContain("secret-name");
    expect(message).not.toContain("example");
  });
});
