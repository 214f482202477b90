import { randomBytes } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { exportJWK, generateKeyPair } from "jose";
import { SigningKey, type SigningKeyRow } from "../store/db/entities/signing-key.js";

/** The one signature algorithm of access tokens: EdDSA over Ed25519. */
export const SIGNING_ALG = "EdDSA";

/**
 * The signing keys that may still verify a token issued `graceSeconds` ago
 * or later: every key not retired, and the retired ones within their grace.
 * Oldest first.
 */
export async function readUsableKeys(
  em: EntityManager,
  graceSeconds: number,
  now: Date,
): Promise<SigningKeyRow[]> {
  const retiredSince = new Date(now.getTime() - graceSeconds * 1000);
  return em.find(
    SigningKey,
    { $or: [{ retiredAt: null }, { retiredAt: { $gt: retiredSince } }] },
    { orderBy: { createdAt: "asc", kid: "asc" } },
  );
}

/**
 * Adds a fresh Ed25519 key when none is active (first start), or always
 * when `rotate` is set, retiring the keys it replaces. Instances serialise
 * on an advisory lock, so two that start together against an empty table
 * create one key between them. Answers the new key's kid, if one was made.
 */
export async function addSigningKey(
  em: EntityManager,
  options: { rotate: boolean },
): Promise<string | undefined> {
  return em.transactional(async (tx) => {
    await tx.execute("select pg_advisory_xact_lock(hashtext('iam.signing_keys'))");
    const active = await tx.count(SigningKey, { retiredAt: null });
    if (active > 0 && !options.rotate) {
      return undefined;
    }

    const now = new Date();
    const kid = randomBytes(12).toString("base64url");
    const pair = await generateKeyPair(SIGNING_ALG, { crv: "Ed25519", extractable: true });
    const [publicJwk, privateJwk] = await Promise.all([
      exportJWK(pair.publicKey),
      exportJWK(pair.privateKey),
    ]);

    await tx.nativeUpdate(SigningKey, { retiredAt: null }, { retiredAt: now });
    await tx.insert(SigningKey, {
      kid,
      alg: SIGNING_ALG,
      publicJwk: { kty: `${publicJwk.kty}`, crv: `${publicJwk.crv}`, x: `${publicJwk.x}` },
      privateJwk: {
        kty: `${privateJwk.kty}`,
        crv: `${privateJwk.crv}`,
        x: `${privateJwk.x}`,
        d: `${privateJwk.d}`,
      },
      createdAt: now,
    });
    return kid;
  });
}
