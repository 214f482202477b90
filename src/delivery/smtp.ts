import { createTransport } from "nodemailer";
import { failures } from "../errors.js";
import type { Logger } from "../log.js";
import type { CodeMessage, CodePurpose, DeliveryChannel } from "./channel.js";

/** Options of the SMTP channel. */
export interface SmtpOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`. */
  readonly url: string;
  readonly from: string;
  readonly logger: Logger;
}

const SUBJECTS: Record<CodePurpose, string> = {
  registration: "Your registration code",
  recovery: "Your password reset code",
  authentication: "Your sign-in code",
};

/** Sends e-mail codes through an SMTP server (nodemailer). */
export function createSmtpChannel(options: SmtpOptions): DeliveryChannel {
  const transport = createTransport(options.url, { from: options.from });

  return {
    name: "smtp",
    async deliver(message: CodeMessage) {
      const minutes = Math.max(1, Math.round((message.expiresAt.getTime() - Date.now()) / 60_000));
      try {
        await transport.sendMail({
          to: message.to,
          subject: SUBJECTS[message.purpose],
          text: `Your code is ${message.code}. It expires in ${minutes} minutes.\n`,
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        options.logger.error({ purpose: message.purpose, reason }, "code delivery by SMTP failed");
        throw failures.unavailable(error, "the code could not be sent; try again");
      }
    },
    async close() {
      transport.close();
    },
  };
}
