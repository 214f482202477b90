import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { IdentifierKind } from "../config.js";
import { failures, IamError } from "../errors.js";
import type { AuthenticationService } from "../gen/iam/v1/authentication_pb.js";
import { normalizeIdentifier } from "../identity/identifier.js";
import { verifyAgainstDummy, verifyPassword } from "../identity/password-hash.js";
import type { AccountRecord } from "../store/db/accounts.js";
import type { EpochBinding } from "./account-epoch.js";
import { codeKindFrom, identifierKindFrom, toRequiredActions } from "./actions.js";
import { codeSentFields } from "./answers.js";
import { checkFlowStartAllowed, type FlowDeps, openUnended, requireToken } from "./context.js";
import { assertIdentifierOwed, identifierCodePlan } from "./owed.js";
import { newSessionSecrets, tokenAnswer } from "./session-tokens.js";
import type { Reservation } from "./sign-in-lockout.js";

/** What a sign-in flow remembers once the password was right. */
interface SignInState {
  readonly userId: string;
  /** The signing-in identifier's epoch, read before the password was. */
  readonly epoch: EpochBinding;
  /** The account's own verified identifiers, where second-factor codes go. */
  readonly destinations: Partial<Record<IdentifierKind, string>>;
  /** What has been proven so far (RFC 8176 values). */
  readonly amr: readonly string[];
}

const KIND = "authentication" as const;

/** The one answer for an unknown identifier and a wrong password alike. */
const WRONG_CREDENTIALS = "the identifier or the password is wrong";

/**
 * The sign-in flow: init (identifier and password) → with a required
 * second factor, (affirmation/init → affirmation/complete) for the kind
 * used → complete, which opens a session. See docs/flows.md.
 */
export function authenticationService(deps: FlowDeps): ServiceImpl<typeof AuthenticationService> {
  const { flows, codes, accounts, config, logger, epochs, lockout } = deps;

  const openCurrent = (token: string) => openUnended<SignInState>(deps, token, KIND);

  return {
    async init(request, context) {
      const kind = identifierKindFrom(request.action);
      const value = normalizeIdentifier(kind, request.value);
      const { reservation, binding } = await admitSignIn(deps, context, kind, value);
      const account = await checkCredentials(deps, reservation, kind, value, request.secret);

      const secondFactor = config.loginSecondFactor === "required";
      const [, started] = await Promise.all([
        lockout.succeeded(reservation),
        flows.start<SignInState>(KIND, secondFactor ? [kind] : [], {
          userId: account.userId,
          epoch: binding,
          destinations: verifiedDestinations(account),
          amr: ["pwd"],
        }),
      ]);

      logger.info(
        { flow_id: started.flow.id, flow_kind: KIND, user_id: account.userId },
        "password accepted",
      );
      return {
        authToken: started.token,
        requiredActions: toRequiredActions(started.flow.required),
      };
    },

    async initAffirmation(request) {
      const token = requireToken(request.authToken, "auth_token");
      const kind = identifierKindFrom(request.action);

      const loaded = await openCurrent(token);
      assertIdentifierOwed(loaded.flow, kind);
      const destination = loaded.flow.state.destinations[kind];
      if (destination === undefined)
        throw failures.forbidden(`the account has no verified ${kind}`);

      const sent = await codes.send<SignInState>({
        token,
        flowKind: KIND,
        purpose: KIND,
        kind,
        plan: identifierCodePlan(kind, destination),
      });

      return {
        authToken: token,
        ...codeSentFields(sent),
      };
    },

    async completeAffirmation(request) {
      const token = requireToken(request.authToken, "auth_token");
      const kind = codeKindFrom(request.action);

      await openCurrent(token);
      const verified = await codes.verify<SignInState>({
        token,
        flowKind: KIND,
        kind,
        value: request.value,
        accept: (flow) => ({ ...flow.state, amr: [...new Set([...flow.state.amr, "otp", "mfa"])] }),
      });

      return {
        authToken: token,
        requiredActions: toRequiredActions(verified.flow.required),
      };
    },

    async resend(request) {
      const token = requireToken(request.token, "token");

      await openCurrent(token);
      const sent = await codes.resend<SignInState>(token, KIND, KIND, () => true);

      return {
        token,
        ...codeSentFields(sent),
      };
    },

    async complete(request) {
      const token = requireToken(request.authToken, "auth_token");

      const loaded = await openCurrent(token);
      if (loaded.flow.required.length > 0) throw failures.incomplete();
      const { userId, epoch, amr } = loaded.flow.state;

      const claimed = await flows.claim(loaded);
      const { refresh, session } = newSessionSecrets(amr, config.refreshTokenTtlSeconds);
      let sessionId: string;
      try {
        ({ sessionId } = await accounts.openSession(userId, session));
      } catch (error) {
        const final = error instanceof IamError && error.code !== "SERVER_ERROR";
        await (final ? flows.consume(claimed) : flows.release(claimed));
        throw error;
      }
      await flows.consume(claimed);
      if (!(await epochs.isCurrent(epoch))) {
        await accounts.revokeSession(sessionId, "password_changed");
        throw failures.unauthorized("this flow was ended by a password change; start a new one");
      }

      const answer = await tokenAnswer(deps.accessTokens, { userId, sessionId, amr }, refresh);

      logger.info(
        { flow_id: loaded.flow.id, flow_kind: KIND, user_id: userId, session_id: sessionId },
        "signed in",
      );
      return answer;
    },
  };
}

/**
 * Lets a sign-in attempt check a password: the client's flow limit, the
 * identifier's lockout (reserving one evaluation) and the identifier's
 * epoch are asked at once, one round trip to the key-value store. The
 * epoch is read before the account is (see AccountEpochs). A refused
 * attempt gives its reservation back.
 */
async function admitSignIn(
  deps: FlowDeps,
  context: HandlerContext,
  kind: IdentifierKind,
  value: string,
): Promise<{ reservation: Reservation; binding: EpochBinding }> {
  const [allowed, reserved, epoch] = await Promise.allSettled([
    checkFlowStartAllowed(deps, context),
    deps.lockout.reserve(kind, value),
    deps.epochs.bind({ kind, value }),
  ]);

  const refusal = [allowed, epoch].find((result) => result.status === "rejected");
  if (refusal !== undefined) {
    if (reserved.status === "fulfilled") await deps.lockout.release(reserved.value);
    throw refusal.reason;
  }
  return { reservation: settled(reserved), binding: settled(epoch) };
}

/**
 * Checks the password and settles the reservation: a wrong one (or an
 * unknown identifier) counts as a failure, a right one is given back, and
 * so is one that could not be checked because a store failed. Answers the
 * account; a blocked one is FORBIDDEN, after the right password only.
 */
async function checkCredentials(
  deps: FlowDeps,
  reservation: Reservation,
  kind: IdentifierKind,
  value: string,
  secret: string,
): Promise<AccountRecord> {
  let account: AccountRecord | null;
  let passwordRight: boolean;
  try {
    account = await deps.accounts.findByIdentifier(kind, value);
    passwordRight = await checkPassword(account, kind, value, secret);
  } catch (error) {
    await deps.lockout.release(reservation).catch(() => {});
    throw error;
  }

  if (account === null || !passwordRight) {
    await deps.lockout.failed(reservation);
    throw failures.unauthorized(WRONG_CREDENTIALS);
  }
  if (account.status !== "active") {
    await deps.lockout.succeeded(reservation);
    throw failures.forbidden("this account is blocked");
  }
  return account;
}

/** The value of a settled promise, or its reason thrown. */
function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

/**
 * Verifies the password against the account's hash, or against a dummy
 * hash when there is no account with this verified identifier, so both
 * cost the same time.
 */
async function checkPassword(
  account: AccountRecord | null,
  kind: IdentifierKind,
  value: string,
  secret: string,
): Promise<boolean> {
  const usable = account?.identifiers.some(
    (identifier) => identifier.kind === kind && identifier.value === value && identifier.verified,
  );
  if (account === null || !usable) return verifyAgainstDummy(secret);
  return verifyPassword(account.passwordHash, secret);
}

function verifiedDestinations(account: AccountRecord): Partial<Record<IdentifierKind, string>> {
  const destinations: Partial<Record<IdentifierKind, string>> = {};
  for (const identifier of account.identifiers) {
    if (identifier.verified) destinations[identifier.kind] = identifier.value;
  }
  return destinations;
}
