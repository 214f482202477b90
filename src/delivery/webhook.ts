import { createHmac } from "node:crypto";
import { failures } from "../errors.js";
import type { Logger } from "../log.js";
import type { CodeMessage, DeliveryChannel } from "./channel.js";

/** Options of the webhook channel. */
export interface WebhookOptions {
  readonly url: string;
  /** HMAC-SHA256 key; when set, each POST carries `X-IAM-Signature`. */
  readonly secret: string | undefined;
  readonly logger: Logger;
  /** Delays before each retry; the default retries twice, briefly. */
  readonly retryDelaysMs?: readonly number[];
  /** Time allowed for one attempt. */
  readonly timeoutMs?: number;
}

/** Signs a raw body the way receivers check it: `sha256=<hex HMAC-SHA256>`. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * POSTs each code as JSON to a receiver of the operator's (an SMS gateway,
 * a mail relay, a queue). A 2xx answer is success; anything else is retried
 * briefly and then reported as SERVER_ERROR, so the flow is left as it was.
 */
export function createWebhookChannel(options: WebhookOptions): DeliveryChannel {
  const delays = options.retryDelaysMs ?? [200, 600];
  const timeoutMs = options.timeoutMs ?? 3000;

  async function attempt(body: string): Promise<number | Error> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.secret !== undefined) {
      headers["x-iam-signature"] = signWebhookBody(body, options.secret);
    }
    try {
      const response = await fetch(options.url, {
        method: "POST",
        headers,
        body,
        // A redirect is not a delivery: it counts as a failed attempt.
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      return response.status;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  return {
    name: "webhook",
    async deliver(message: CodeMessage) {
      const body = JSON.stringify({
        channel: message.channel,
        to: message.to,
        code: message.code,
        purpose: message.purpose,
        expires_at: message.expiresAt.toISOString(),
      });

      let outcome: number | Error = 0;
      for (let tryIndex = 0; tryIndex <= delays.length; tryIndex++) {
        if (tryIndex > 0) await sleep(delays[tryIndex - 1] ?? 0);
        outcome = await attempt(body);
        if (typeof outcome === "number" && outcome >= 200 && outcome < 300) return;
      }

      const reason = typeof outcome === "number" ? `status ${outcome}` : outcome.message;
      options.logger.error(
        { channel: message.channel, purpose: message.purpose, reason },
        "code delivery by webhook failed",
      );
      throw failures.unavailable(
        new Error(`webhook delivery failed: ${reason}`),
        "the code could not be sent; try again",
      );
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
