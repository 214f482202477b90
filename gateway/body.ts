import type { IncomingMessage } from "node:http";

/** The largest request body the gateway reads (contract §3: 64 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

/** A body read to its end, or the reason it was not. */
export type BodyResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: "too_large" | "aborted" };

/** Whether the request says it carries a body at all (length or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/** Whether the request's Content-Length is over the limit (chunked bodies say nothing). */
export function declaresTooLarge(req: IncomingMessage, limit = MAX_BODY_BYTES): boolean {
  const declared = Number(req.headers["content-length"] ?? 0);
  return !Number.isFinite(declared) || declared > limit;
}

/**
 * Reads a request body of at most `limit` bytes. A declared
 * Content-Length over the limit is refused before a byte is read; a
 * chunked body is counted as it arrives and reading stops at the first
 * byte past the limit. Either way nothing is parsed, and the caller
 * closes the connection after answering.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  if (declaresTooLarge(req, limit)) return Promise.resolve({ ok: false, reason: "too_large" });

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (result: BodyResult) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("aborted", onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        req.pause();
        finish({ ok: false, reason: "too_large" });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, bytes: Buffer.concat(chunks, received) });
    const onAbort = () => finish({ ok: false, reason: "aborted" });

    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onAbort);
    req.once("aborted", onAbort);
  });
}
