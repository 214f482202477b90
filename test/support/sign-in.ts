import { expect } from "vitest";
import type { TestApp } from "./app.js";
import type { IssuedTokens } from "./registration.js";
import { post, type RestAnswer } from "./rest.js";

/** The password `register` gives an account unless told otherwise. */
export const REGISTERED_PASSWORD = "correct horse battery staple";

/** An identifier kind a person signs in with. */
export type SignInKind = "email" | "phone";

/** POSTs `authentication/init` with an identifier and a password. */
export function startSignIn(
  service: TestApp,
  value: string,
  secret: string,
  action: SignInKind = "email",
): Promise<RestAnswer> {
  return post(service.httpUrl, "/authentication/init", { action, value, secret });
}

/** A code of six digits that is not `right`. */
export function wrongCode(right: string): string {
  return right === "000000" ? "111111" : "000000";
}

/**
 * Signs in through REST, proving each owed second factor with the code the
 * webhook received for `deliveredTo` (the stored identifier), and answers
 * the tokens.
 */
export async function signIn(
  service: TestApp,
  value: string,
  secret: string,
  options: { action?: SignInKind; deliveredTo?: string } = {},
): Promise<IssuedTokens> {
  const action = options.action ?? "email";
  const deliveredTo = options.deliveredTo ?? value.trim().toLowerCase();

  const init = await startSignIn(service, value, secret, action);
  expect(init.status, JSON.stringify(init.body)).toBe(200);
  const token: string = init.body.auth_token;
  await proveSecondFactor(service, token, init.body.required_actions, deliveredTo);

  const done = await post(service.httpUrl, "/authentication/complete", { auth_token: token });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return done.body as IssuedTokens;
}

/** Sends and enters the code for each owed identifier action of a sign-in flow. */
export async function proveSecondFactor(
  service: TestApp,
  token: string,
  owed: readonly string[],
  deliveredTo: string,
): Promise<void> {
  for (const action of owed) {
    const affirm = await post(service.httpUrl, "/authentication/affirmation/init", {
      auth_token: token,
      action,
    });
    expect(affirm.status, JSON.stringify(affirm.body)).toBe(200);

    const confirm = await post(service.httpUrl, "/authentication/affirmation/complete", {
      auth_token: token,
      action: `${action}_code`,
      value: service.receiver.lastCodeFor(deliveredTo),
    });
    expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  }
}

/** A fictional Australian mobile number no other test uses, in E.164 and spaced forms. */
export function uniquePhone(): { e164: string; spaced: string } {
  const tail = String(Math.floor(Math.random() * 1_000_000)).padStart(6, "0");
  const digits = tail === "570006" ? "570007" : tail;
  return {
    e164: `+61491${digits}`,
    spaced: `+61 491 ${digits.slice(0, 3)} ${digits.slice(3)}`,
  };
}

/**
 * Registers an account whose identifier is the phone number `e164`, in a
 * deployment configured with `IAM_REGISTRATION_IDENTIFIERS=phone`.
 */
export async function registerByPhone(
  service: TestApp,
  e164: string,
  password = REGISTERED_PASSWORD,
): Promise<IssuedTokens> {
  const init = await post(service.httpUrl, "/registration/init");
  expect(init.body.required_actions).toEqual(["phone"]);
  const token: string = init.body.registration_token;

  const affirm = await post(service.httpUrl, "/registration/affirmation/init", {
    registration_token: token,
    action: "phone",
    value: e164,
  });
  expect(affirm.status, JSON.stringify(affirm.body)).toBe(200);
  const confirm = await post(service.httpUrl, "/registration/affirmation/complete", {
    registration_token: token,
    action: "phone_code",
    value: service.receiver.lastCodeFor(e164),
  });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);

  const done = await post(service.httpUrl, "/registration/complete", {
    registration_token: token,
    secret: password,
  });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return done.body as IssuedTokens;
}

/** Milliseconds one call takes. */
export async function elapsedMs(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** The median of some samples. */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}
