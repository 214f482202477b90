import type { ServiceImpl } from "@connectrpc/connect";
import type { IdentifierKind } from "../config.js";
import { failures, IamError } from "../errors.js";
import type { RegistrationService } from "../gen/iam/v1/registration_pb.js";
import { normalizeIdentifier } from "../identity/identifier.js";
import { hashPassword } from "../identity/password-hash.js";
import { checkPassword } from "../identity/password-policy.js";
import { codeKindFrom, identifierKindFrom, toRequiredActions } from "./actions.js";
import { codeSentFields } from "./answers.js";
import { checkFlowStartAllowed, type FlowDeps, requireToken } from "./context.js";
import { assertIdentifierOwed, identifierCodePlan } from "./owed.js";
import { newSessionSecrets, tokenAnswer } from "./session-tokens.js";

/** What a registration flow remembers: the identifiers proven so far. */
interface RegistrationState {
  readonly verified: readonly { kind: IdentifierKind; value: string }[];
}

const KIND = "registration" as const;

/** How a new account proved itself (RFC 8176): a password and one-time codes. */
const REGISTRATION_AMR = ["pwd", "otp"];

/**
 * The registration flow: init → (affirmation/init → affirmation/complete)
 * for each configured identifier → complete. See docs/flows.md.
 */
export function registrationService(deps: FlowDeps): ServiceImpl<typeof RegistrationService> {
  const { flows, codes, accounts, config, logger } = deps;

  return {
    async init(_request, context) {
      await checkFlowStartAllowed(deps, context);

      const started = await flows.start<RegistrationState>(KIND, config.registrationIdentifiers, {
        verified: [],
      });

      logger.info({ flow_id: started.flow.id, flow_kind: KIND }, "flow started");
      return {
        registrationToken: started.token,
        requiredActions: toRequiredActions(started.flow.required),
      };
    },

    async initAffirmation(request, context) {
      const token = requireToken(request.registrationToken, "registration_token");
      const kind = identifierKindFrom(request.action);

      const loaded = await flows.open<RegistrationState>(token, KIND);
      assertIdentifierOwed(loaded.flow, kind);
      const value = normalizeIdentifier(kind, request.value);
      await deps.captcha.verify(request.captcha, deps.clientAddress(context));
      if (await accounts.isIdentifierTaken(kind, value)) throw failures.conflict();

      const sent = await codes.send<RegistrationState>({
        token,
        flowKind: KIND,
        purpose: KIND,
        kind,
        plan: identifierCodePlan(kind, value),
      });

      return {
        registrationToken: token,
        ...codeSentFields(sent),
      };
    },

    async completeAffirmation(request) {
      const token = requireToken(request.registrationToken, "registration_token");
      const kind = codeKindFrom(request.action);

      const verified = await codes.verify<RegistrationState>({
        token,
        flowKind: KIND,
        kind,
        value: request.value,
        accept: (flow, code) => ({
          verified: [
            ...flow.state.verified.filter((entry) => entry.kind !== code.kind),
            { kind: code.kind, value: code.destination },
          ],
        }),
      });

      return {
        registrationToken: token,
        requiredActions: toRequiredActions(verified.flow.required),
      };
    },

    async resend(request) {
      const token = requireToken(request.token, "token");

      const sent = await codes.resend<RegistrationState>(token, KIND, KIND, () => true);

      return {
        token,
        ...codeSentFields(sent),
      };
    },

    async complete(request) {
      const token = requireToken(request.registrationToken, "registration_token");

      const loaded = await flows.open<RegistrationState>(token, KIND);
      if (loaded.flow.required.length > 0) throw failures.incomplete();
      const identifiers = loaded.flow.state.verified;
      const password = checkPassword(request.secret, {
        identifiers: identifiers.map((identifier) => identifier.value),
      });

      const claimed = await flows.claim(loaded);
      const { refresh, session } = newSessionSecrets(
        REGISTRATION_AMR,
        config.refreshTokenTtlSeconds,
      );
      let created: { userId: string; sessionId: string };
      try {
        created = await accounts.registerWithSession({
          identifiers: [...identifiers],
          passwordHash: await hashPassword(password),
          session,
        });
      } catch (error) {
        const conflict = error instanceof IamError && error.code === "CONFLICT";
        await (conflict ? flows.consume(claimed) : flows.release(claimed));
        throw error;
      }

      const answer = await tokenAnswer(
        deps.accessTokens,
        { ...created, amr: REGISTRATION_AMR },
        refresh,
      );
      await flows.consume(claimed);

      logger.info(
        { flow_id: loaded.flow.id, flow_kind: KIND, user_id: created.userId },
        "account registered",
      );
      return answer;
    },
  };
}
