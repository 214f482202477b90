import { randomBytes } from "node:crypto";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { uniqueEmail, useTestApp } from "../../support/app.js";
import { accountOf, blockAccount } from "../../support/database.js";
import { refreshAccess } from "../../support/recovery.js";
import { register } from "../../support/registration.js";
import { failureOf, get, post } from "../../support/rest.js";
import { REGISTERED_PASSWORD, signIn } from "../../support/sign-in.js";

describe("refresh-token rotation through REST", () => {
  const service = useTestApp();

  it("rotates the refresh token within the same session and account", async () => {
    const issued = await register(service, uniqueEmail("rotate"));

    const refreshed = await refreshAccess(service, issued.refresh_token);

    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(Object.keys(refreshed.body).sort()).toEqual([
      "access_token",
      "expires_at",
      "refresh_token",
    ]);
    expect(refreshed.body.refresh_token).not.toBe(issued.refresh_token);
    expect(refreshed.body.refresh_token.length).toBeGreaterThanOrEqual(43);
    const jwks = await get(service.httpUrl, "/.well-known/jwks.json");
    const keys = createLocalJWKSet(jwks.body);
    const { payload } = await jwtVerify(refreshed.body.access_token, keys, { issuer: "iam" });
    const before = decodeJwt(issued.access_token);
    expect(payload.sub).toBe(before.sub);
    expect(payload.sid).toBe(before.sid);
    expect(payload.jti).not.toBe(before.jti);
    expect(new Date(refreshed.body.expires_at).getTime()).toBe((payload.exp ?? 0) * 1000);
  });

  it("rotates a refresh token issued by sign-in, again and again", async () => {
    const email = uniqueEmail("chain");
    await register(service, email);
    let refreshToken = (await signIn(service, email, REGISTERED_PASSWORD)).refresh_token;

    for (let i = 0; i < 3; i++) {
      const refreshed = await refreshAccess(service, refreshToken);
      expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
      refreshToken = refreshed.body.refresh_token;
    }
  });

  it("revokes the session when a rotated token comes back, newest token included", async () => {
    const issued = await register(service, uniqueEmail("reuse"));
    const rotated = await refreshAccess(service, issued.refresh_token);
    expect(rotated.status).toBe(200);

    const reused = await refreshAccess(service, issued.refresh_token);
    const newest = await refreshAccess(service, rotated.body.refresh_token);

    expect(failureOf(reused)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect(failureOf(newest)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });

  it("lets exactly one of ten parallel refreshes of one token through", async () => {
    const issued = await register(service, uniqueEmail("race"));

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => refreshAccess(service, issued.refresh_token)),
    );

    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    const refused = answers.filter((answer) => answer.body.failure_code === "UNAUTHORIZED");
    expect(refused).toHaveLength(9);
  });

  it("answers UNAUTHORIZED for unknown and malformed tokens", async () => {
    const tokens = [
      randomBytes(32).toString("base64url"),
      "not a refresh token",
      "x",
      "%%%",
      "A".repeat(4000),
    ];

    for (const token of tokens) {
      const answer = await refreshAccess(service, token);
      expect(failureOf(answer), token.slice(0, 20)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
  });

  it("answers BAD_REQUEST when the refresh token is missing or not a string", async () => {
    for (const body of [{}, { refresh_token: 42 }, { refresh_token: null }, "{not json"]) {
      const answer = await post(service.httpUrl, "/recovery/refresh/access", body);
      const expected = { status: 400, code: "BAD_REQUEST" };
      expect(failureOf(answer), JSON.stringify(body)).toEqual(expected);
    }
  });

  it("answers FORBIDDEN for a session of a blocked account", async () => {
    const issued = await register(service, uniqueEmail("blocked"));
    await blockAccount(accountOf(issued.access_token));

    const answer = await refreshAccess(service, issued.refresh_token);

    expect(failureOf(answer)).toEqual({ status: 403, code: "FORBIDDEN" });
  });
});

describe("refresh-token lifetime", () => {
  const service = useTestApp({ IAM_REFRESH_TOKEN_TTL_SECONDS: "1" });

  it("answers EXPIRED for a refresh token past its lifetime", async () => {
    const issued = await register(service, uniqueEmail("stale"));

    await new Promise((resolve) => setTimeout(resolve, 1200));
    const answer = await refreshAccess(service, issued.refresh_token);

    expect(failureOf(answer)).toEqual({ status: 401, code: "EXPIRED" });
  });
});
