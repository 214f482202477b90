import { IamError } from "../../../src/errors.js";

/**
 * Runs a step that must fail validation and returns the failure message, so a
 * test can check the message names the rule and never echoes the value.
 */
export function validationMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof IamError && error.code === "VALIDATION_ERROR") return error.message;
    throw error;
  }
  throw new Error("expected a VALIDATION_ERROR, but the step succeeded");
}
