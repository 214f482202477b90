import { createPrivateKey, type KeyObject } from "node:crypto";
import type { CryptoKey } from "jose";
import { importJWK } from "jose";
import type { Logger } from "../log.js";
import type { Database } from "../store/db/database.js";
import type { SigningKeyRow, StoredJwk } from "../store/db/entities/signing-key.js";
import { storeFailure } from "../store/db/errors.js";
import { addSigningKey, readUsableKeys, SIGNING_ALG } from "./signing-key-store.js";

/** A public key as the JWKS publishes it (an OKP key); never carries `d`. */
export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

/**
 * The signing keys of this instance, loaded from PostgreSQL. The newest
 * active key signs; every active key, and each retired key within the
 * grace period, verifies.
 */
export interface SigningKeyRing {
  /** The key that signs new access tokens, as node:crypto signs with it. */
  current(): { kid: string; key: KeyObject };
  /** Every public key that may verify a live token, for the JWKS. */
  publicKeys(): PublicJwk[];
  /** Adds a new key that signs from now on; the old ones verify for the grace period. */
  rotate(): Promise<void>;
  /** Reloads the keys (another instance may have rotated). */
  refresh(): Promise<void>;
  /**
   * The public key named `kid`, if it may verify now. An unknown kid reloads
   * the keys first, at most once per `missRefreshSeconds`.
   */
  verificationKey(kid: string): Promise<CryptoKey | undefined>;
}

/** Options of `loadSigningKeys`. */
export interface SigningKeyOptions {
  /**
   * How long a retired key still verifies, in seconds: the access-token
   * lifetime. The ring adds `refreshSeconds`, because another instance
   * may sign with a key for that long after it was retired. Default 900.
   */
  readonly graceSeconds?: number;
  /** How old the loaded keys may get before a use reloads them in the background. Default 60. */
  readonly refreshSeconds?: number;
  /** Least interval between reloads caused by unknown kids. Default 10. */
  readonly missRefreshSeconds?: number;
  readonly logger?: Logger;
}

interface LoadedKey {
  readonly kid: string;
  readonly retiredAt: Date | null;
  readonly privateKey: KeyObject;
  readonly publicKey: CryptoKey;
  readonly jwk: PublicJwk;
}

/**
 * Loads the signing keys, creating the first Ed25519 key when the table
 * has none. Two instances starting together create one key between them.
 */
export async function loadSigningKeys(
  db: Database,
  options: SigningKeyOptions = {},
): Promise<SigningKeyRing> {
  const refreshMs = (options.refreshSeconds ?? 60) * 1000;
  const graceMs = (options.graceSeconds ?? 900) * 1000 + refreshMs;
  const missRefreshMs = (options.missRefreshSeconds ?? 10) * 1000;
  let keys: LoadedKey[] = [];
  let loadedAt = 0;
  let loading: Promise<void> | undefined;

  const load = async () => {
    try {
      const created = await addSigningKey(db.orm.em.fork(), { rotate: false });
      if (created) {
        options.logger?.info({ kid: created }, "signing key created");
      }
      const rows = await readUsableKeys(db.orm.em.fork(), graceMs / 1000, new Date());
      keys = await Promise.all(rows.map(importKey));
      loadedAt = Date.now();
    } catch (error) {
      throw storeFailure(error);
    }
  };
  // A refresh always reads after it was asked for: a load already running
  // may predate a rotation, so it is awaited and then a new one starts.
  const refresh = async () => {
    await loading?.catch(() => {});
    loading ??= load().finally(() => {
      loading = undefined;
    });
    return loading;
  };
  const refreshIfStale = () => {
    if (Date.now() - loadedAt > refreshMs && !loading) {
      refresh().catch((err) => options.logger?.warn({ err }, "signing keys not reloaded"));
    }
  };
  const usable = () => {
    const now = Date.now();
    return keys.filter((key) => !key.retiredAt || key.retiredAt.getTime() + graceMs > now);
  };

  await refresh();
  return {
    current: () => {
      refreshIfStale();
      const signer = newestActive(keys);
      return { kid: signer.kid, key: signer.privateKey };
    },
    publicKeys: () => {
      refreshIfStale();
      return usable().map((key) => ({ ...key.jwk }));
    },
    rotate: async () => {
      try {
        const kid = await addSigningKey(db.orm.em.fork(), { rotate: true });
        options.logger?.info({ kid }, "signing keys rotated");
      } catch (error) {
        throw storeFailure(error);
      }
      await refresh();
    },
    refresh,
    verificationKey: async (kid) => {
      const found = usable().find((key) => key.kid === kid);
      if (found || Date.now() - loadedAt < missRefreshMs) {
        return found?.publicKey;
      }
      await refresh();
      return usable().find((key) => key.kid === kid)?.publicKey;
    },
  };
}

/** The newest key that is not retired; the newest of all if every key was retired meanwhile. */
function newestActive(keys: readonly LoadedKey[]): LoadedKey {
  const active = keys.filter((key) => key.retiredAt === null);
  const signer = active.at(-1) ?? keys.at(-1);
  if (!signer) {
    throw new Error("no signing key is loaded");
  }
  return signer;
}

async function importKey(row: SigningKeyRow): Promise<LoadedKey> {
  const privateKey = createPrivateKey({ key: row.privateJwk as StoredJwk, format: "jwk" });
  const publicKey = await importJWK(row.publicJwk, SIGNING_ALG);
  if (privateKey.asymmetricKeyType !== "ed25519" || !("type" in publicKey)) {
    throw new Error(`signing key ${row.kid} is not an Ed25519 key pair`);
  }

  const { kty = "", crv = "", x = "" } = row.publicJwk;
  return {
    kid: row.kid,
    retiredAt: row.retiredAt ?? null,
    privateKey,
    publicKey,
    jwk: { kty, crv, x, kid: row.kid, alg: SIGNING_ALG, use: "sig" },
  };
}
