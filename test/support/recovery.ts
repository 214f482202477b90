import { expect } from "vitest";
import type { TestApp } from "./app.js";
import { post, type RestAnswer } from "./rest.js";

/** An identifier kind a person recovers a password with. */
export type RecoveryKind = "email" | "phone";

/**
 * Starts a password recovery and names the identifier (a code is sent when
 * an active account has it); answers the reset token.
 */
export async function startRecovery(
  service: TestApp,
  value: string,
  action: RecoveryKind = "email",
): Promise<string> {
  const init = await post(service.httpUrl, "/recovery/password/reset/init");
  expect(init.status, JSON.stringify(init.body)).toBe(200);
  const token: string = init.body.reset_password_token;

  const affirm = await post(service.httpUrl, "/recovery/password/reset/affirmation/init", {
    reset_password_token: token,
    action,
    value,
  });
  expect(affirm.status, JSON.stringify(affirm.body)).toBe(200);
  return token;
}

/** Enters a code and a new password in a recovery flow. */
export function enterRecoveryCode(
  service: TestApp,
  token: string,
  code: string,
  secret: string,
  action = "email_code",
): Promise<RestAnswer> {
  return post(service.httpUrl, "/recovery/password/reset/affirmation/complete", {
    reset_password_token: token,
    action,
    value: code,
    secret,
  });
}

/**
 * A recovery flow for `email` with the code entered and `secret` accepted:
 * only `complete` is left. Answers the reset token.
 */
export async function readyRecovery(
  service: TestApp,
  email: string,
  secret: string,
): Promise<string> {
  const token = await startRecovery(service, email);
  const code = service.receiver.lastCodeFor(email.trim().toLowerCase());

  const confirm = await enterRecoveryCode(service, token, code, secret);
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  expect(confirm.body.required_actions).toEqual([]);
  return token;
}

/** POSTs `recovery/password/reset/complete` for a reset token. */
export function completeRecovery(service: TestApp, token: string): Promise<RestAnswer> {
  return post(service.httpUrl, "/recovery/password/reset/complete", {
    reset_password_token: token,
  });
}

/** Recovers the password of `email` end to end, setting `secret`. */
export async function recoverPassword(
  service: TestApp,
  email: string,
  secret: string,
): Promise<void> {
  const token = await readyRecovery(service, email, secret);
  const done = await completeRecovery(service, token);
  expect(done.status, JSON.stringify(done.body)).toBe(200);
}

/** POSTs `recovery/refresh/access` with a refresh token. */
export function refreshAccess(service: TestApp, refreshToken: string): Promise<RestAnswer> {
  return post(service.httpUrl, "/recovery/refresh/access", { refresh_token: refreshToken });
}
