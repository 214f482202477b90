import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** A JSON Web Key as stored: the fields jose exports, nothing more. */
export type StoredJwk = Record<string, string>;

/**
 * A key that signs access tokens. The newest key that is not retired
 * signs; a retired key still verifies for a grace period.
 */
export const SigningKey = defineEntity({
  name: "SigningKey",
  tableName: "signing_keys",
  properties: {
    kid: p.text().primary(),
    alg: p.text(),
    publicJwk: p.json<StoredJwk>(),
    privateJwk: p.json<StoredJwk>().hidden(),
    createdAt: p.datetime().onCreate(() => new Date()),
    retiredAt: p.datetime().nullable(),
  },
});

/** A row of `signing_keys`. */
export type SigningKeyRow = InferEntity<typeof SigningKey>;
