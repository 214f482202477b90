import { type KeyObject, sign } from "node:crypto";

/**
 * Signs a JWS in compact serialisation (RFC 7515 §7.1) with an Ed25519 key,
 * the `EdDSA` algorithm of RFC 8037.
 *
 * jose verifies the tokens and reads the keys, but it signs only through
 * WebCrypto, which Node runs as an asynchronous job on the libuv pool: the
 * same pool argon2id hashes on, so a token waited behind password checks,
 * and each signature cost a promise, a thread hand-off and a copy (14 % of
 * the service's CPU in a refresh rotation, docs/benchmarks.md). Ed25519
 * signs in about 50 µs, so here it signs synchronously on the caller's
 * thread.
 */
export function signCompactJws(
  header: Readonly<Record<string, unknown>>,
  claims: Readonly<Record<string, unknown>>,
  key: KeyObject,
): string {
  const signingInput = `${base64url(header)}.${base64url(claims)}`;

  const signature = sign(null, Buffer.from(signingInput), key);

  return `${signingInput}.${signature.toString("base64url")}`;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
