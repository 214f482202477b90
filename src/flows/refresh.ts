import { failures } from "../errors.js";
import { hashRefreshToken, isWellFormedRefreshToken } from "../tokens/refresh-token.js";
import type { FlowDeps } from "./context.js";
import { newSessionSecrets, type TokenAnswer, tokenAnswer } from "./session-tokens.js";

/**
 * Trades a refresh token for new tokens of the same session. The database
 * decides with one conditional update, so of concurrent uses of one token
 * at most one wins; a token used again revokes its whole session.
 */
export async function refreshAccess(deps: FlowDeps, token: string): Promise<TokenAnswer> {
  if (!isWellFormedRefreshToken(token))
    throw failures.unauthorized("the refresh token is not valid");

  const { refresh, session } = newSessionSecrets([], deps.config.refreshTokenTtlSeconds);
  const result = await deps.accounts.rotateRefreshToken(hashRefreshToken(token), {
    hash: session.refreshTokenHash,
    expiresAt: session.refreshExpiresAt,
  });

  switch (result.kind) {
    case "rotated":
      return tokenAnswer(deps.accessTokens, result, refresh);
    case "reused":
      deps.logger.warn(
        { user_id: result.userId, session_id: result.sessionId },
        "a rotated refresh token was used again; the session was revoked",
      );
      throw failures.unauthorized("the refresh token was already used; sign in again");
    case "expired":
      throw failures.expired("the refresh token has expired; sign in again");
    case "blocked":
      throw failures.forbidden("this account is blocked");
    default:
      throw failures.unauthorized("the refresh token is not valid");
  }
}
