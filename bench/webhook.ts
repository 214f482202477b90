import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the service POSTs for each one-time code (README, "Configuration"). */
interface CodeMessage {
  readonly to: string;
  readonly code: string;
}

/**
 * Receives the service's one-time codes on 127.0.0.1, so the bench can
 * register accounts through REST exactly as a person would.
 */
export class CodeReceiver {
  private readonly codes = new Map<string, string>();
  private readonly waiters = new Map<string, (code: string) => void>();
  private readonly server = http.createServer((req, res) => this.receive(req, res));

  /** The URL to give the service as IAM_NOTIFY_WEBHOOK_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/codes`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  /** Takes the latest code sent to `to`, waiting for it up to `timeoutMs`. */
  takeCode(to: string, timeoutMs = 5_000): Promise<string> {
    const ready = this.codes.get(to);
    if (ready !== undefined) {
      this.codes.delete(to);
      return Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(to);
        reject(new Error(`no code arrived for ${to} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(to, (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as CodeMessage;
      const waiter = this.waiters.get(message.to);
      if (waiter === undefined) {
        this.codes.set(message.to, message.code);
      } else {
        this.waiters.delete(message.to);
        waiter(message.code);
      }
      res.statusCode = 204;
      res.end();
    });
  }
}
