import { randomUUID } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../src/store/db/database.js";
import { createAccessTokenIssuer, verifyAccessToken } from "../../../src/tokens/access-token.js";
import { loadSigningKeys, type SigningKeyRing } from "../../../src/tokens/signing-keys.js";
import { createFreshDatabase, open } from "./support.js";

const ISSUER = "https://iam.test";

describe("access tokens", () => {
  let fresh: Awaited<ReturnType<typeof createFreshDatabase>>;
  let db: Database;
  let keys: SigningKeyRing;

  beforeAll(async () => {
    fresh = await createFreshDatabase();
    db = await open(fresh.url);
    keys = await loadSigningKeys(db, { graceSeconds: 900 });
  });

  afterAll(async () => {
    await db.close();
    await fresh.drop();
  });

  const subject = () => ({ userId: randomUUID(), sessionId: randomUUID(), amr: ["pwd", "otp"] });

  it("verify with jose against the published keys and carry every claim", async () => {
    const claims = subject();
    const issued = await createAccessTokenIssuer({ keys, issuer: ISSUER, ttlSeconds: 900 }).issue(
      claims,
    );

    const jwks = createLocalJWKSet({ keys: keys.publicKeys() });
    const { payload, protectedHeader } = await jwtVerify(issued.token, jwks, { issuer: ISSUER });

    expect(protectedHeader).toEqual({ alg: "EdDSA", kid: keys.current().kid, typ: "at+jwt" });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: claims.userId,
      sid: claims.sessionId,
      amr: ["pwd", "otp"],
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900);
    expect(issued.expiresAt.getTime()).toBe((payload.exp ?? 0) * 1000);
    await expect(verifyAccessToken(issued.token, keys, ISSUER)).resolves.toMatchObject({
      sub: claims.userId,
      sid: claims.sessionId,
      amr: ["pwd", "otp"],
    });
  });

  it("give every token its own jti", async () => {
    const issuer = createAccessTokenIssuer({ keys, issuer: ISSUER, ttlSeconds: 60 });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => issuer.issue(subject())));

    const jtis = await Promise.all(
      tokens.map(async ({ token }) => (await verifyAccessToken(token, keys, ISSUER)).jti),
    );
    expect(new Set(jtis).size).toBe(50);
  });

  it("still verify when signed by a key rotated out within the grace", async () => {
    const issued = await createAccessTokenIssuer({ keys, issuer: ISSUER, ttlSeconds: 900 }).issue(
      subject(),
    );
    const oldKid = decodeProtectedHeader(issued.token).kid;

    await keys.rotate();

    expect(keys.current().kid).not.toBe(oldKid);
    await expect(verifyAccessToken(issued.token, keys, ISSUER)).resolves.toBeDefined();
    const jwks = createLocalJWKSet({ keys: keys.publicKeys() });
    await expect(jwtVerify(issued.token, jwks, { issuer: ISSUER })).resolves.toBeDefined();
  });

  it("stop verifying once the retired key's grace has passed", async () => {
    const shortGrace = await loadSigningKeys(db, { graceSeconds: 0, refreshSeconds: 0 });
    const issued = await createAccessTokenIssuer({
      keys: shortGrace,
      issuer: ISSUER,
      ttlSeconds: 900,
    }).issue(subject());

    await shortGrace.rotate();

    await expect(verifyAccessToken(issued.token, shortGrace, ISSUER)).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("answer EXPIRED past exp and UNAUTHORIZED when forged or from another issuer", async () => {
    const expired = await createAccessTokenIssuer({ keys, issuer: ISSUER, ttlSeconds: -5 }).issue(
      subject(),
    );
    const foreign = await createAccessTokenIssuer({ keys, issuer: "other", ttlSeconds: 60 }).issue(
      subject(),
    );
    const good = await createAccessTokenIssuer({ keys, issuer: ISSUER, ttlSeconds: 60 }).issue(
      subject(),
    );
    const [header, payload, signature] = good.token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: "someone-else" }));
    const forged = `${header}.${forgedPayload.toString("base64url")}.${signature}`;

    const failure = (token: string) => verifyAccessToken(token, keys, ISSUER);
    await expect(failure(expired.token)).rejects.toMatchObject({ code: "EXPIRED" });
    await expect(failure(foreign.token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(failure(forged)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(failure("not-a-token")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
