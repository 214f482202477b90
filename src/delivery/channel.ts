import type { IdentifierKind } from "../config.js";

/** Why a code was sent; receivers use it to pick a message template. */
export type CodePurpose = "registration" | "recovery" | "authentication";

/** One code to deliver. `to` is the normalised identifier stored for the person. */
export interface CodeMessage {
  readonly channel: IdentifierKind;
  readonly to: string;
  readonly code: string;
  readonly purpose: CodePurpose;
  readonly expiresAt: Date;
  /** The flow the code belongs to, for the development log; never sent to receivers. */
  readonly flowId?: string;
}

/**
 * Sends codes. `deliver` resolves once the channel accepted the message and
 * rejects with a SERVER_ERROR IamError when it could not.
 */
export interface DeliveryChannel {
  /** A short name for logs: "webhook", "smtp", "log". */
  readonly name: string;
  deliver(message: CodeMessage): Promise<void>;
  close?(): Promise<void>;
}
