import { createHash, randomBytes } from "node:crypto";

/** Random bytes in a refresh token: 256 bits, as the contract asks. */
const TOKEN_BYTES = 32;

/** The shape of a token this service issued: 32 bytes in unpadded base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new refresh token and the hash under which the store keeps it. */
export interface NewRefreshToken {
  /** Goes to the client once and is never stored or logged. */
  readonly token: string;
  /** `hashRefreshToken(token)`: what the database holds. */
  readonly hash: string;
}

/** Creates a refresh token: 32 bytes from the CSPRNG, base64url without padding. */
export function newRefreshToken(): NewRefreshToken {
  const token = randomBytes(TOKEN_BYTES).toString("base64url");
  return { token, hash: hashRefreshToken(token) };
}

/**
 * The stored form of a refresh token: SHA-256, hex. A fast hash suffices
 * because the token carries 256 random bits; a stolen table yields nothing
 * to replay.
 */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Whether a string has the shape of a token this service issues (checked before any lookup). */
export function isWellFormedRefreshToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}
