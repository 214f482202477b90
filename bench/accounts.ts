import { randomBytes } from "node:crypto";
import { type JsonClient, okField } from "./http.js";
import type { CodeReceiver } from "./webhook.js";

/** An account the bench registered, with the first session registration opened. */
export interface BenchAccount {
  readonly email: string;
  readonly password: string;
  /** The refresh token of the registration's session, not used yet. */
  readonly refreshToken: string;
}

/**
 * Registers `count` accounts through REST, as a person would: init, the
 * e-mail, the code from the webhook, the password. A few at a time, so
 * start-up stays short without loading the service.
 */
export async function registerAccounts(
  client: JsonClient,
  receiver: CodeReceiver,
  count: number,
): Promise<BenchAccount[]> {
  const run = randomBytes(4).toString("hex");
  const accounts: BenchAccount[] = [];
  for (let first = 0; first < count; first += 4) {
    const batch = Array.from({ length: Math.min(4, count - first) }, (_, offset) =>
      registerOne(client, receiver, `bench-${run}-${first + offset}@example.com`),
    );
    accounts.push(...(await Promise.all(batch)));
  }
  return accounts;
}

async function registerOne(
  client: JsonClient,
  receiver: CodeReceiver,
  email: string,
): Promise<BenchAccount> {
  const password = `bench passphrase ${randomBytes(6).toString("hex")}`;

  const init = await client.post("/registration/init");
  const token = okField("registration/init", init, "registration_token");
  const affirm = await client.post("/registration/affirmation/init", {
    registration_token: token,
    action: "email",
    value: email,
  });
  okField("registration/affirmation/init", affirm, "registration_token");
  const confirm = await client.post("/registration/affirmation/complete", {
    registration_token: token,
    action: "email_code",
    value: await receiver.takeCode(email),
  });
  okField("registration/affirmation/complete", confirm, "registration_token");
  const done = await client.post("/registration/complete", {
    registration_token: token,
    secret: password,
  });

  const refreshToken = okField("registration/complete", done, "refresh_token");
  return { email, password, refreshToken };
}

/**
 * One password sign-in step: POST /authentication/init with the right
 * password. With IAM_LOGIN_SECOND_FACTOR=off it owes nothing further and
 * costs exactly one password verification; it opens a flow, not a session.
 */
export async function signInInit(client: JsonClient, account: BenchAccount): Promise<string> {
  const init = await client.post("/authentication/init", {
    action: "email",
    value: account.email,
    secret: account.password,
  });
  const token = okField("authentication/init", init, "auth_token");
  if (JSON.stringify(init.body.required_actions ?? []) !== "[]") {
    throw new Error("sign-in owes more steps: is IAM_LOGIN_SECOND_FACTOR off?");
  }
  return token;
}

/** A whole sign-in: init, then complete, which opens a session and issues tokens. */
export async function signInFull(client: JsonClient, account: BenchAccount): Promise<void> {
  const token = await signInInit(client, account);
  const done = await client.post("/authentication/complete", { auth_token: token });
  okField("authentication/complete", done, "refresh_token");
}
