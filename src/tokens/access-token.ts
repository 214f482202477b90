import { randomBytes } from "node:crypto";
import { errors, jwtVerify } from "jose";
import { failures, IamError } from "../errors.js";
import { signCompactJws } from "./compact-jws.js";
import { SIGNING_ALG } from "./signing-key-store.js";
import type { SigningKeyRing } from "./signing-keys.js";

/** The JWS `typ` of access tokens (RFC 9068), so no other JWT passes for one. */
const ACCESS_TOKEN_TYPE = "at+jwt";

/** Who an access token speaks for. */
export interface AccessTokenSubject {
  readonly userId: string;
  readonly sessionId: string;
  /** Authentication methods, e.g. `["pwd", "otp"]`. */
  readonly amr: readonly string[];
}

/** A signed access token and the instant it stops being valid (its `exp`). */
export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Signs access tokens with the ring's current key. */
export interface AccessTokenIssuer {
  issue(claims: AccessTokenSubject): Promise<IssuedAccessToken>;
}

/** Options of `createAccessTokenIssuer`. */
export interface AccessTokenIssuerOptions {
  readonly keys: SigningKeyRing;
  /** The `iss` claim (`IAM_ISSUER`). */
  readonly issuer: string;
  readonly ttlSeconds: number;
}

/** The claims of a verified access token. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly sid: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly amr: string[];
}

/**
 * Creates the issuer of access tokens: compact JWS, EdDSA, with `kid` and
 * `typ` in the header and `iss`, `sub`, `sid`, `iat`, `exp`, `jti` (128
 * random bits) and `amr` as claims.
 */
export function createAccessTokenIssuer(options: AccessTokenIssuerOptions): AccessTokenIssuer {
  return {
    issue: async (claims) => {
      const signer = options.keys.current();
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAt = issuedAt + options.ttlSeconds;

      const token = signCompactJws(
        { alg: SIGNING_ALG, kid: signer.kid, typ: ACCESS_TOKEN_TYPE },
        {
          iss: options.issuer,
          sub: claims.userId,
          sid: claims.sessionId,
          iat: issuedAt,
          exp: expiresAt,
          jti: randomBytes(16).toString("base64url"),
          amr: [...claims.amr],
        },
        signer.key,
      );
      return { token, expiresAt: new Date(expiresAt * 1000) };
    },
  };
}

/**
 * Verifies an access token against the ring's public keys and answers its
 * claims. An expired token is EXPIRED; anything else that fails is
 * UNAUTHORIZED. For tests and introspection: it does not check whether
 * the session was revoked since.
 */
export async function verifyAccessToken(
  token: string,
  keys: SigningKeyRing,
  issuer: string,
): Promise<AccessTokenClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = header.kid === undefined ? undefined : await keys.verificationKey(header.kid);
        if (!key) {
          throw new errors.JWKSNoMatchingKey();
        }
        return key;
      },
      {
        issuer,
        algorithms: [SIGNING_ALG],
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ["sub", "sid", "iat", "exp", "jti", "amr"],
      },
    );
    return claimsOf(payload);
  } catch (error) {
    throw verificationFailure(error);
  }
}

function claimsOf(payload: Record<string, unknown>): AccessTokenClaims {
  const { iss, sub, sid, iat, exp, jti, amr } = payload;
  const text = (value: unknown) => typeof value === "string" && value !== "";
  const amrValid = Array.isArray(amr) && amr.every((method) => typeof method === "string");
  if (!text(iss) || !text(sub) || !text(sid) || !text(jti) || !amrValid) {
    throw failures.unauthorized("the access token is malformed");
  }
  if (typeof iat !== "number" || typeof exp !== "number") {
    throw failures.unauthorized("the access token is malformed");
  }
  return {
    iss: iss as string,
    sub: sub as string,
    sid: sid as string,
    iat,
    exp,
    jti: jti as string,
    amr: amr as string[],
  };
}

function verificationFailure(error: unknown): IamError {
  if (error instanceof IamError) {
    return error;
  }
  if (error instanceof errors.JWTExpired) {
    return failures.expired("the access token has expired");
  }
  if (error instanceof errors.JOSEError || error instanceof TypeError) {
    return failures.unauthorized("the access token is not valid");
  }
  return failures.server(error);
}
