import type { NewSession } from "../store/db/accounts.js";
import type { AccessTokenIssuer } from "../tokens/access-token.js";
import { type NewRefreshToken, newRefreshToken } from "../tokens/refresh-token.js";

/** The three fields every token-issuing answer carries. */
export interface TokenAnswer {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresAt: string;
}

/** A fresh refresh token and the session record that keeps only its hash. */
export function newSessionSecrets(
  amr: readonly string[],
  refreshTtlSeconds: number,
): { refresh: NewRefreshToken; session: NewSession } {
  const refresh = newRefreshToken();
  return {
    refresh,
    session: {
      amr,
      refreshTokenHash: refresh.hash,
      refreshExpiresAt: new Date(Date.now() + refreshTtlSeconds * 1000),
    },
  };
}

/** Signs the access token of a session and shapes the answer. */
export async function tokenAnswer(
  issuer: AccessTokenIssuer,
  subject: { userId: string; sessionId: string; amr: readonly string[] },
  refresh: NewRefreshToken,
): Promise<TokenAnswer> {
  const access = await issuer.issue({ ...subject, amr: [...subject.amr] });
  return {
    accessToken: access.token,
    refreshToken: refresh.token,
    expiresAt: access.expiresAt.toISOString(),
  };
}
