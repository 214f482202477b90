import type { IdentifierKind } from "../config.js";
import { failures } from "../errors.js";
import { codeActionOf } from "./actions.js";
import type { Flow } from "./flow-token.js";
import type { SendPlan } from "./one-time-code.js";

/**
 * Checks that `affirmation/init` for `kind` is owed now: the first owed
 * action is that identifier, or its code (naming the identifier again
 * replaces the value and sends a new code). FORBIDDEN otherwise.
 */
export function assertIdentifierOwed(flow: Flow<unknown>, kind: IdentifierKind): void {
  const owed = flow.required[0];
  if (owed !== kind && owed !== codeActionOf(kind)) {
    throw failures.forbidden(`${kind} is not owed in this flow now`);
  }
}

/**
 * Recovery's variant: any identifier kind the deployment uses may stand in
 * for the one asked for, since a person may remember either.
 */
export function assertAnyIdentifierOwed(
  flow: Flow<unknown>,
  kind: IdentifierKind,
  allowed: readonly IdentifierKind[],
): void {
  const owed = flow.required[0];
  if (owed === undefined || !allowed.includes(kind)) {
    throw failures.forbidden(`${kind} is not owed in this flow now`);
  }
}

/**
 * The send plan of an identifier's code: the identifier must be owed now;
 * the code goes to `destination`; the identifier action becomes its code
 * action and the rest of the owed list stays. The flow's state is kept.
 */
export function identifierCodePlan<S>(kind: IdentifierKind, destination: string) {
  return (flow: Flow<S>): SendPlan<S> => {
    assertIdentifierOwed(flow, kind);
    return {
      destination,
      deliver: true,
      required: [codeActionOf(kind), ...flow.required.slice(1)],
      state: flow.state,
    };
  };
}
