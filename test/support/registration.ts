import { expect } from "vitest";
import type { TestApp } from "./app.js";
import { post } from "./rest.js";

/** Tokens returned by a completed flow. */
export interface IssuedTokens {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_at: string;
}

/** Starts a registration and proves `email`; answers the flow token, ready for `complete`. */
export async function verifiedRegistration(service: TestApp, email: string): Promise<string> {
  const init = await post(service.httpUrl, "/registration/init");
  expect(init.status).toBe(200);
  const token: string = init.body.registration_token;

  const affirm = await post(service.httpUrl, "/registration/affirmation/init", {
    registration_token: token,
    action: "email",
    value: email,
  });
  expect(affirm.status, JSON.stringify(affirm.body)).toBe(200);

  const code = service.receiver.lastCodeFor(email.trim().toLowerCase());
  const confirm = await post(service.httpUrl, "/registration/affirmation/complete", {
    registration_token: token,
    action: "email_code",
    value: code,
  });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  expect(confirm.body.required_actions).toEqual([]);
  return token;
}

/** Registers `email` with `password` through REST and answers the tokens. */
export async function register(
  service: TestApp,
  email: string,
  password = "correct horse battery staple",
): Promise<IssuedTokens> {
  const token = await verifiedRegistration(service, email);
  const done = await post(service.httpUrl, "/registration/complete", {
    registration_token: token,
    secret: password,
  });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return done.body as IssuedTokens;
}
