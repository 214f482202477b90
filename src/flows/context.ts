import type { HandlerContext } from "@connectrpc/connect";
import type { CaptchaVerifier } from "../captcha/verifier.js";
import type { Config } from "../config.js";
import { failures } from "../errors.js";
import type { Logger } from "../log.js";
import type { AccountRepository } from "../store/db/accounts.js";
import type { Limiter } from "../store/kv/kv-store.js";
import type { AccessTokenIssuer } from "../tokens/access-token.js";
import type { AccountEpochs, EpochBinding } from "./account-epoch.js";
import { clientBucket } from "./client-bucket.js";
import type { FlowKind, FlowStore, LoadedFlow } from "./flow-token.js";
import type { OneTimeCodes } from "./one-time-code.js";
import type { SignInLockout } from "./sign-in-lockout.js";

/** Everything a flow handler may use; built once by the composition root. */
export interface FlowDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly flows: FlowStore;
  readonly codes: OneTimeCodes;
  readonly accounts: AccountRepository;
  readonly accessTokens: AccessTokenIssuer;
  readonly captcha: CaptchaVerifier;
  readonly lockout: SignInLockout;
  readonly epochs: AccountEpochs;
  /** Flows one client address may start per minute. */
  readonly flowStarts: Limiter;
  /** The caller's address as the RPC layer resolved it. */
  readonly clientAddress: (context: HandlerContext) => string;
}

/** Refuses a new flow when the client started too many this minute. */
export async function checkFlowStartAllowed(deps: FlowDeps, context: HandlerContext) {
  const result = await deps.flowStarts.consume(clientBucket(deps.clientAddress(context)));
  if (!result.allowed) {
    throw failures.throttled(
      "too many flows started from this address",
      result.msBeforeNext / 1000,
    );
  }
}

/** Refuses an empty flow token early, before any lookup. */
export function requireToken(token: string, field: string): string {
  if (token === "") throw failures.badRequest(`${field} is required`);
  return token;
}

/**
 * Opens a flow that is bound to an identifier's epoch, refusing it with
 * UNAUTHORIZED when a password change ended it since.
 */
export async function openUnended<S extends { readonly epoch: EpochBinding | null }>(
  deps: FlowDeps,
  token: string,
  kind: FlowKind,
): Promise<LoadedFlow<S>> {
  const loaded = await deps.flows.open<S>(token, kind);
  await deps.epochs.assertCurrent(loaded.flow.state.epoch);
  return loaded;
}
