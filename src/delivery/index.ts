import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { CodeMessage, DeliveryChannel } from "./channel.js";
import { createDevelopmentLogChannel } from "./development-log.js";
import { createSmtpChannel } from "./smtp.js";
import { createWebhookChannel } from "./webhook.js";

export type { CodeMessage, CodePurpose, DeliveryChannel } from "./channel.js";

/**
 * Chooses a channel per identifier kind: SMTP carries e-mail codes when set
 * (the webhook then carries phone codes only); otherwise the webhook
 * carries both; with neither, codes go to the development log.
 */
export function createDelivery(config: Config, logger: Logger): DeliveryChannel {
  const webhook =
    config.notifyWebhookUrl === undefined
      ? undefined
      : createWebhookChannel({
          url: config.notifyWebhookUrl,
          secret: config.notifyWebhookSecret,
          logger,
        });
  const smtp =
    config.smtpUrl === undefined
      ? undefined
      : createSmtpChannel({ url: config.smtpUrl, from: config.smtpFrom, logger });
  const fallback = webhook ?? createDevelopmentLogChannel(logger);

  const email = smtp ?? fallback;
  const phone = fallback;

  return {
    name: [smtp?.name, webhook?.name ?? (smtp ? undefined : fallback.name)]
      .filter(Boolean)
      .join("+"),
    deliver: (message: CodeMessage) =>
      message.channel === "email" ? email.deliver(message) : phone.deliver(message),
    async close() {
      await Promise.all([smtp?.close?.(), webhook?.close?.()]);
    },
  };
}
