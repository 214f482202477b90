import { describe, expect, it } from "vitest";
import { classify } from "../../../src/rpc/sniff.js";

describe("classify", () => {
  it("recognises the full HTTP/2 preface", () => {
    expect(classify(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00"))).toBe("h2");
  });

  it("waits while the bytes are still a prefix of the preface", () => {
    expect(classify(Buffer.from("PR"))).toBeUndefined();
    expect(classify(Buffer.from("PRI * HTTP/2.0\r\n"))).toBeUndefined();
  });

  it("decides HTTP/1 at the first byte that differs", () => {
    expect(classify(Buffer.from("POST /iam.v1"))).toBe("http1");
    expect(classify(Buffer.from("G"))).toBe("http1");
    expect(classify(Buffer.from("PRI * HTTP/1.1\r\n"))).toBe("http1");
  });
});
