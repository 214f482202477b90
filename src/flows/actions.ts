import type { IdentifierKind } from "../config.js";
import { failures } from "../errors.js";
import { CodeAction, IdentifierAction, RequiredAction } from "../gen/iam/v1/actions_pb.js";

/** An owed step of a flow, by its documented name. */
export type ActionName = IdentifierKind | `${IdentifierKind}_code`;

/** The code action an identifier action turns into once a code was sent. */
export function codeActionOf(kind: IdentifierKind): ActionName {
  return `${kind}_code`;
}

/** The identifier kind behind an action (`email_code` → `email`). */
export function kindOf(action: ActionName): IdentifierKind {
  return action.startsWith("phone") ? "phone" : "email";
}

/** Whether the action is a code action (done by `affirmation/complete`). */
export function isCodeAction(action: ActionName): boolean {
  return action.endsWith("_code");
}

const REQUIRED_ACTIONS: Record<ActionName, RequiredAction> = {
  email: RequiredAction.EMAIL,
  phone: RequiredAction.PHONE,
  email_code: RequiredAction.EMAIL_CODE,
  phone_code: RequiredAction.PHONE_CODE,
};

/** Renders owed actions as the proto enum list of a response. */
export function toRequiredActions(actions: readonly ActionName[]): RequiredAction[] {
  return actions.map((action) => REQUIRED_ACTIONS[action]);
}

/** Reads the identifier kind of an `affirmation/init` request; UNSPECIFIED is BAD_REQUEST. */
export function identifierKindFrom(action: IdentifierAction): IdentifierKind {
  switch (action) {
    case IdentifierAction.EMAIL:
      return "email";
    case IdentifierAction.PHONE:
      return "phone";
    default:
      throw failures.badRequest("action must be email or phone");
  }
}

/** Reads the code action of an `affirmation/complete` request; UNSPECIFIED is BAD_REQUEST. */
export function codeKindFrom(action: CodeAction): IdentifierKind {
  switch (action) {
    case CodeAction.EMAIL_CODE:
      return "email";
    case CodeAction.PHONE_CODE:
      return "phone";
    default:
      throw failures.badRequest("action must be email_code or phone_code");
  }
}
