import type { ServiceImpl } from "@connectrpc/connect";
import type { IdentifierKind } from "../config.js";
import { failures } from "../errors.js";
import type { RecoveryService } from "../gen/iam/v1/recovery_pb.js";
import { normalizeIdentifier } from "../identity/identifier.js";
import { hashPassword } from "../identity/password-hash.js";
import { checkPassword } from "../identity/password-policy.js";
import type { IdentifierInput } from "../store/db/accounts.js";
import type { EpochBinding } from "./account-epoch.js";
import { codeActionOf, codeKindFrom, identifierKindFrom, toRequiredActions } from "./actions.js";
import { codeSentFields } from "./answers.js";
import { checkFlowStartAllowed, type FlowDeps, openUnended, requireToken } from "./context.js";
import { assertAnyIdentifierOwed } from "./owed.js";
import { refreshAccess } from "./refresh.js";

/**
 * What a recovery flow remembers. For an identifier with no active account
 * `account` is null: the flow answers exactly as for a real one, but no
 * code leaves and no code can ever be right.
 */
interface RecoveryState {
  readonly userId: string | null;
  /** The named identifier's epoch, read before the account was. */
  readonly epoch: EpochBinding | null;
  /** The account's identifiers (or the typed one), for the password policy and lockouts. */
  readonly identifiers: readonly IdentifierInput[];
  /** The new password's argon2id hash, once code and policy passed. */
  readonly passwordHash: string | null;
}

const KIND = "recovery" as const;

/**
 * Password recovery: init → affirmation/init (identifier) →
 * affirmation/complete (code and new password) → complete; and refresh.
 * No answer tells whether the identifier has an account. See docs/flows.md.
 */
export function recoveryService(deps: FlowDeps): ServiceImpl<typeof RecoveryService> {
  const { flows, codes, accounts, config, logger, epochs, lockout } = deps;
  const kinds = config.registrationIdentifiers;

  const openCurrent = (token: string) => openUnended<RecoveryState>(deps, token, KIND);

  return {
    async init(_request, context) {
      await checkFlowStartAllowed(deps, context);

      const first: IdentifierKind = kinds.includes("email") ? "email" : "phone";
      const started = await flows.start<RecoveryState>(KIND, [first], {
        userId: null,
        epoch: null,
        identifiers: [],
        passwordHash: null,
      });

      logger.info({ flow_id: started.flow.id, flow_kind: KIND }, "flow started");
      return {
        resetPasswordToken: started.token,
        requiredActions: toRequiredActions(started.flow.required),
      };
    },

    async initAffirmation(request) {
      const token = requireToken(request.resetPasswordToken, "reset_password_token");
      const kind = identifierKindFrom(request.action);

      const loaded = await openCurrent(token);
      assertAnyIdentifierOwed(loaded.flow, kind, kinds);
      const value = normalizeIdentifier(kind, request.value);

      const epoch = await epochs.bind({ kind, value });
      const found = await accounts.findByIdentifier(kind, value);
      const known =
        found !== null &&
        found.status === "active" &&
        found.identifiers.some((id) => id.kind === kind && id.value === value && id.verified);
      const userId = known ? found.userId : null;
      const identifiers = known
        ? found.identifiers.map(({ kind, value }) => ({ kind, value }))
        : [{ kind, value }];

      const sent = await codes.send<RecoveryState>({
        token,
        flowKind: KIND,
        purpose: KIND,
        kind,
        plan: (flow) => {
          assertAnyIdentifierOwed(flow, kind, kinds);
          return {
            destination: value,
            deliver: known,
            required: [codeActionOf(kind)],
            state: { userId, epoch, identifiers, passwordHash: null },
          };
        },
      });

      return {
        resetPasswordToken: token,
        ...codeSentFields(sent),
      };
    },

    async completeAffirmation(request) {
      const token = requireToken(request.resetPasswordToken, "reset_password_token");
      const kind = codeKindFrom(request.action);

      const loaded = await openCurrent(token);
      const password = checkPassword(request.secret, {
        identifiers: loaded.flow.state.identifiers.map((identifier) => identifier.value),
      });
      const passwordHash = await hashPassword(password);

      const verified = await codes.verify<RecoveryState>({
        token,
        flowKind: KIND,
        kind,
        value: request.value,
        accept: (flow) => ({ ...flow.state, passwordHash }),
      });

      return {
        resetPasswordToken: token,
        requiredActions: toRequiredActions(verified.flow.required),
      };
    },

    async resend(request) {
      const token = requireToken(request.token, "token");

      await openCurrent(token);
      const sent = await codes.resend<RecoveryState>(
        token,
        KIND,
        KIND,
        (flow) => flow.state.userId !== null,
      );

      return {
        token,
        ...codeSentFields(sent),
      };
    },

    async complete(request) {
      const token = requireToken(request.resetPasswordToken, "reset_password_token");

      const loaded = await openCurrent(token);
      const { userId, epoch, passwordHash, identifiers } = loaded.flow.state;
      if (loaded.flow.required.length > 0 || passwordHash === null) throw failures.incomplete();
      if (userId === null) throw failures.unauthorized();

      const claimed = await flows.claim(loaded);
      try {
        await epochs.assertCurrent(epoch);
        await epochs.advance(identifiers);
        await accounts.setPassword(userId, passwordHash, { revokeSessions: true });
      } catch (error) {
        await flows.release(claimed);
        throw error;
      }
      await epochs.advance(identifiers);
      await Promise.all(identifiers.map((id) => lockout.clear(id.kind, id.value)));
      await flows.consume(claimed);

      logger.info(
        { flow_id: loaded.flow.id, flow_kind: KIND, user_id: userId },
        "password reset; every session revoked",
      );
      return {};
    },

    async refreshAccess(request) {
      const token = requireToken(request.refreshToken, "refresh_token");
      return refreshAccess(deps, token);
    },
  };
}
