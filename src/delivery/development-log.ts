import { maskIdentifier } from "../identity/mask.js";
import type { Logger } from "../log.js";
import type { CodeMessage, DeliveryChannel } from "./channel.js";

/**
 * Writes codes to the service log so a developer can finish a flow with no
 * mail or SMS set up. Each line carries `dev_only: true` and a loud message;
 * configuration refuses this channel when NODE_ENV=production.
 */
export function createDevelopmentLogChannel(logger: Logger): DeliveryChannel {
  return {
    name: "log",
    async deliver(message: CodeMessage) {
      logger.warn(
        {
          dev_only: true,
          flow_id: message.flowId,
          dev_code: message.code,
          channel: message.channel,
          destination: maskIdentifier(message.channel, message.to),
          purpose: message.purpose,
        },
        "DEVELOPMENT ONLY: one-time code written to the log (set IAM_NOTIFY_WEBHOOK_URL " +
          "or IAM_SMTP_URL to deliver codes)",
      );
    },
  };
}
