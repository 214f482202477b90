import { describe, expect, it } from "vitest";
import { maskIdentifier } from "../../../src/identity/mask.js";

describe("maskIdentifier", () => {
  it("shows the first letters of an e-mail and keeps the top-level domain", () => {
    expect(maskIdentifier("email", "john@example.com")).toBe("j***@e*****.com");
  });

  it("masks each domain label but the last", () => {
    expect(maskIdentifier("email", "ann.lee@mail.example.co.uk")).toBe(
      "a***@m*****.e*****.c*****.uk",
    );
  });

  it("does not reveal the lengths of the parts", () => {
    const short = maskIdentifier("email", "j@ex.com");
    const long = maskIdentifier("email", "jonathan.livingstone@example-enterprises.com");
    expect(short).toBe("j***@e*****.com");
    expect(long).toBe("j***@e*****.com");
  });

  it("shows an internationalised domain in the spelling the person typed", () => {
    expect(maskIdentifier("email", "user@xn--mnchen-3ya.de")).toBe("u***@m*****.de");
    expect(maskIdentifier("email", "用户@xn--r8jz45g.xn--zckzah")).toBe("用***@例*****.テスト");
  });

  it("shows the calling code and last three digits of a phone number", () => {
    expect(maskIdentifier("phone", "+61491570006")).toBe("+61 *** *** 006");
  });

  it("keeps the grouping of the international format", () => {
    expect(maskIdentifier("phone", "+447911123456")).toBe("+44 **** ***456");
    expect(maskIdentifier("phone", "+12015550123")).toBe("+1 *** *** *123");
  });

  it("hides all but the last three digits of a number it cannot format", () => {
    expect(maskIdentifier("phone", "+999123456")).toBe("+******456");
  });
});
