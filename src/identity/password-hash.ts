import { randomBytes } from "node:crypto";
import { type Algorithm, hash, type Options, verify } from "@node-rs/argon2";

/** Memory per hash in KiB: the OWASP minimum for argon2id (19 MiB). */
export const ARGON2_MEMORY_COST_KIB = 19_456;

/** Passes over that memory (OWASP: 2 at 19 MiB). */
export const ARGON2_TIME_COST = 2;

/** Lanes per hash; 1 keeps each hash on one thread of the pool. */
export const ARGON2_PARALLELISM = 1;

/**
 * `Algorithm.Argon2id` of the package. Its enum is an ambient const enum,
 * which this project's compiler settings cannot read, so the value is named.
 */
const ARGON2ID = 2 as Algorithm;

const OPTIONS: Options = {
  algorithm: ARGON2ID,
  memoryCost: ARGON2_MEMORY_COST_KIB,
  timeCost: ARGON2_TIME_COST,
  parallelism: ARGON2_PARALLELISM,
};

let dummyHash: Promise<string> | undefined;

/**
 * Hashes a password with argon2id at the parameters above. The result is a
 * PHC string that carries its own salt and parameters. The password is
 * NFKC-normalised first, so every spelling the policy accepted hashes alike.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize("NFKC"), OPTIONS);
}

/**
 * Whether a password matches a stored hash. A malformed or foreign hash is a
 * mismatch, never an exception, so a damaged row cannot break a sign-in step.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password.normalize("NFKC"));
  } catch {
    return false;
  }
}

/**
 * Spends the time of one verification against a fixed hash and answers
 * false. Call it when the account is unknown, so that an unknown identifier
 * costs what a wrong password costs and the two cannot be told apart.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash(randomBytes(32).toString("base64url"), OPTIONS);

  await verifyPassword(await dummyHash, password);

  return false;
}
