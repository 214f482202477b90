import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One POST the receiver got: the parsed body, the raw text and the signature header. */
export interface ReceivedCode {
  readonly channel: "email" | "phone";
  readonly to: string;
  readonly code: string;
  readonly purpose: string;
  readonly expires_at: string;
  readonly raw: string;
  readonly signature: string | undefined;
}

/**
 * A real HTTP receiver for the code webhook, on 127.0.0.1. Tests read the
 * codes it received and can make it answer errors for a while.
 */
export class WebhookReceiver {
  readonly received: ReceivedCode[] = [];
  /** Status answered to the next POSTs; 204 when healthy. */
  status = 204;
  private server: Server | undefined;

  /** The URL to configure as IAM_NOTIFY_WEBHOOK_URL. */
  url = "";

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        if (this.status >= 200 && this.status < 300) {
          const raw = Buffer.concat(chunks).toString("utf8");
          const signature = request.headers["x-iam-signature"];
          this.received.push({
            ...(JSON.parse(raw) as Omit<ReceivedCode, "raw" | "signature">),
            raw,
            signature: typeof signature === "string" ? signature : undefined,
          });
        }
        response.statusCode = this.status;
        response.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/codes`;
    return this;
  }

  /** The latest code sent to `to`, failing loudly when none arrived. */
  lastCodeFor(to: string): string {
    const match = this.received.filter((entry) => entry.to === to).at(-1);
    if (match === undefined) throw new Error(`no code was delivered to ${to}`);
    return match.code;
  }

  /** How many codes went to `to`. */
  countFor(to: string): number {
    return this.received.filter((entry) => entry.to === to).length;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}
