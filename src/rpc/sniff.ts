import type { Socket } from "node:net";

/** The connection preface every HTTP/2 client sends first (RFC 9113 §3.4). */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** The protocol a connection speaks, from its first bytes. */
export type WireProtocol = "h2" | "http1";

/**
 * Tells HTTP/2 with prior knowledge from HTTP/1.x by the first bytes:
 * `undefined` while the bytes read so far are still a prefix of the
 * HTTP/2 preface.
 */
export function classify(head: Buffer): WireProtocol | undefined {
  const length = Math.min(head.length, HTTP2_PREFACE.length);
  if (head.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length))) {
    return length === HTTP2_PREFACE.length ? "h2" : undefined;
  }
  return "http1";
}

/**
 * Reads from a fresh socket until its protocol is known, then pauses it
 * and hands over the bytes read. A socket that says nothing decisive
 * within `timeoutMs` is destroyed.
 */
export function sniff(
  socket: Socket,
  timeoutMs: number,
  decided: (protocol: WireProtocol, head: Buffer) => void,
): void {
  let head: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const stop = () => {
    clearTimeout(timer);
    socket.off("data", onData);
  };
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const protocol = classify(head);
    if (protocol === undefined) return;

    stop();
    socket.pause();
    decided(protocol, head);
  };

  socket.on("data", onData);
  socket.once("close", stop);
}
