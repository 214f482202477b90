import { describe, expect, it } from "vitest";
import { IamError } from "../../../src/errors.js";
import { normalizeIdentifier } from "../../../src/identity/identifier.js";

describe("normalizeIdentifier", () => {
  it("normalises an e-mail address as an e-mail", () => {
    expect(normalizeIdentifier("email", " John@MÜNCHEN.de ")).toBe("john@xn--mnchen-3ya.de");
  });

  it("normalises a phone number as a phone", () => {
    expect(normalizeIdentifier("phone", "+61 491 570 006")).toBe("+61491570006");
  });

  it("rejects a value of the other kind", () => {
    expect(() => normalizeIdentifier("email", "+61491570006")).toThrow(IamError);
    expect(() => normalizeIdentifier("phone", "john@example.com")).toThrow(IamError);
  });
});
