import type { RequiredAction } from "../gen/iam/v1/actions_pb.js";
import { toRequiredActions } from "./actions.js";
import type { SendOutcome } from "./one-time-code.js";

/** The fields every answer after a code send carries, in every flow. */
export interface CodeSentFields {
  readonly requiredActions: RequiredAction[];
  readonly resendDate: string;
  readonly mask: string;
}

/** Shapes the answer fields of a code send: owed actions, resend date, mask. */
export function codeSentFields(sent: SendOutcome<unknown>): CodeSentFields {
  return {
    requiredActions: toRequiredActions(sent.loaded.flow.required),
    resendDate: sent.resendDate.toISOString(),
    mask: sent.mask,
  };
}
