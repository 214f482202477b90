import net from "node:net";

/** A status and the body's text, as one HTTP/1.1 exchange gave them. */
export interface RawAnswer {
  readonly status: number;
  readonly text: string;
}

const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * One keep-alive HTTP/1.1 connection carrying one request at a time. It
 * writes each request as one string and reads only the status, the
 * `content-length` and the body: about a third of node:http's client CPU
 * per request, so the load generator takes less of the cores it shares
 * with the service. Answers without a `content-length` (chunked) are
 * refused; the gateway always sends one.
 */
export class HttpConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private pending:
    | { resolve: (answer: RawAnswer) => void; reject: (error: Error) => void }
    | undefined;
  private broken: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly host: string,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("the connection closed")));
  }

  /** Connects to `host:port`. */
  static open(host: string, port: number): Promise<HttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new HttpConnection(socket, `${host}:${port}`));
      });
    });
  }

  /** Whether the connection can carry another request. */
  get usable(): boolean {
    return this.broken === undefined;
  }

  /** Sends one request and resolves with its answer. */
  send(method: string, path: string, body: string | undefined): Promise<RawAnswer> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.pending) return Promise.reject(new Error("a request is already in flight"));

    const head =
      `${method} ${path} HTTP/1.1\r\nhost: ${this.host}\r\naccept: application/json\r\n` +
      (body === undefined
        ? "\r\n"
        : "content-type: application/json\r\n" +
          `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headerEnd = this.buffered.indexOf(HEADER_END);
    if (headerEnd === -1) return;

    const head = this.buffered.subarray(0, headerEnd).toString("latin1");
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
    if (length === undefined) {
      this.fail(new Error(`an answer without content-length: ${head.split("\r\n")[0]}`));
      return;
    }
    const bodyStart = headerEnd + HEADER_END.length;
    const bodyEnd = bodyStart + Number(length);
    if (this.buffered.length < bodyEnd) return;

    const answer = {
      status: Number(head.slice(9, 12)),
      text: this.buffered.subarray(bodyStart, bodyEnd).toString("utf8"),
    };
    this.buffered = this.buffered.subarray(bodyEnd);
    if (/\r\nconnection:\s*close/i.test(head)) this.broken = new Error("the server closed it");
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve(answer);
  }

  private fail(error: Error): void {
    this.broken ??= error;
    this.socket.destroy();
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}
