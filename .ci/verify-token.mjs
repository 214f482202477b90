// Verifies an access token against the service's JWKS and prints its claims.
// Usage: node .ci/verify-token.mjs <jwks-url> <issuer> <token>
import { createRemoteJWKSet, jwtVerify } from "jose";

const [jwksUrl, issuer, token] = process.argv.slice(2);
const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl)), {
  issuer,
});
for (const claim of ["sub", "sid", "iat", "exp", "jti", "amr"]) {
  if (payload[claim] === undefined) throw new Error(`claim ${claim} is missing`);
}
console.log(JSON.stringify({ alg: protectedHeader.alg, kid: protectedHeader.kid, ...payload }));
