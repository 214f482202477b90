import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import type { IdentifierKind } from "../config.js";
import type { CodePurpose, DeliveryChannel } from "../delivery/index.js";
import { failures } from "../errors.js";
import { maskIdentifier } from "../identity/mask.js";
import type { Logger } from "../log.js";
import type { KvStore, Limiter } from "../store/kv/kv-store.js";
import { type ActionName, codeActionOf } from "./actions.js";
import type { Flow, FlowKind, FlowStore, LoadedFlow } from "./flow-token.js";

/** The limits of one-time codes, from configuration. */
export interface CodeSettings {
  readonly length: number;
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  readonly cooldownSeconds: number;
  readonly maxSendsPerFlow: number;
}

/** What a flow decides before a code is sent: where to, and what it becomes. */
export interface SendPlan<S> {
  readonly destination: string;
  /** False when the code must not leave (recovery of an unknown identifier). */
  readonly deliver: boolean;
  readonly required: readonly ActionName[];
  readonly state: S;
}

/** A code send request from a flow handler. */
export interface SendRequest<S> {
  readonly token: string;
  readonly flowKind: FlowKind;
  readonly purpose: CodePurpose;
  readonly kind: IdentifierKind;
  /** Checks that the step is allowed (throwing if not) and plans the send. Pure. */
  readonly plan: (flow: Flow<S>) => SendPlan<S>;
}

/** What the caller answers after a send. */
export interface SendOutcome<S> {
  readonly loaded: LoadedFlow<S>;
  readonly resendDate: Date;
  readonly mask: string;
}

/** A code check request from a flow handler. */
export interface VerifyRequest<S> {
  readonly token: string;
  readonly flowKind: FlowKind;
  readonly kind: IdentifierKind;
  readonly value: string;
  /** What the flow remembers once the code is right. Pure. */
  readonly accept: (flow: Flow<S>, code: { kind: IdentifierKind; destination: string }) => S;
}

/** Dependencies of the one-time-code mechanism. */
export interface OneTimeCodeDeps {
  readonly flows: FlowStore;
  readonly kv: KvStore;
  readonly delivery: DeliveryChannel;
  readonly perDestination: Limiter;
  readonly settings: CodeSettings;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Sending, checking and re-sending one-time codes, written once for every
 * flow. Codes are digits from a CSPRNG, kept only as a hash bound to their
 * flow, checked in constant time, limited by lifetime, attempts per flow,
 * a resend cooldown, sends per flow and sends per destination per hour.
 */
export class OneTimeCodes {
  private readonly now: () => number;

  /** A moving average of how long deliveries take, to pad withheld sends alike. */
  private deliveryMs = 0;

  constructor(private readonly deps: OneTimeCodeDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Sends a new code as the flow planned, replacing any earlier one. */
  async send<S>(request: SendRequest<S>): Promise<SendOutcome<S>> {
    const { flows, settings } = this.deps;

    for (;;) {
      const loaded = await flows.open<S>(request.token, request.flowKind);
      const plan = request.plan(loaded.flow);
      await this.checkMaySend(loaded.flow, plan.destination);

      const code = generateCode(settings.length);
      const sentAt = this.now();
      const expiresAt = sentAt + settings.ttlSeconds * 1000;
      const next: Flow<S> = {
        ...loaded.flow,
        required: plan.required,
        state: plan.state,
        code: {
          kind: request.kind,
          destination: plan.destination,
          hash: hashCode(loaded.flow.id, request.kind, code),
          expiresAt,
        },
        sends: loaded.flow.sends + 1,
        lastSentAt: sentAt,
      };

      const reserved = await flows.swap(loaded, next);
      if (reserved === null) continue;

      if (plan.deliver) {
        await this.deliverOrRollBack(reserved, loaded, {
          channel: request.kind,
          to: plan.destination,
          code,
          purpose: request.purpose,
          expiresAt: new Date(expiresAt),
          flowId: loaded.flow.id,
        });
      } else {
        await this.padLikeDelivery();
      }

      this.deps.logger.info(
        { flow_id: loaded.flow.id, flow_kind: request.flowKind, channel: request.kind },
        plan.deliver ? "one-time code sent" : "one-time code withheld",
      );
      return {
        loaded: reserved,
        resendDate: new Date(sentAt + settings.cooldownSeconds * 1000),
        mask: maskIdentifier(request.kind, plan.destination),
      };
    }
  }

  /**
   * Sends the owed code again to the same destination. `deliver` says
   * whether it may leave (false for a recovery of an unknown identifier).
   */
  async resend<S>(
    token: string,
    flowKind: FlowKind,
    purpose: CodePurpose,
    deliver: (flow: Flow<S>) => boolean,
  ): Promise<SendOutcome<S>> {
    const loaded = await this.deps.flows.open<S>(token, flowKind);
    const pending = loaded.flow.code;
    const owed = loaded.flow.required[0];
    if (pending === null || owed !== codeActionOf(pending.kind)) {
      throw failures.forbidden("no code is owed in this flow now");
    }

    return this.send<S>({
      token,
      flowKind,
      purpose,
      kind: pending.kind,
      plan: (flow) => {
        if (flow.code === null) throw failures.forbidden("no code is owed in this flow now");
        return {
          destination: flow.code.destination,
          deliver: deliver(flow),
          required: flow.required,
          state: flow.state,
        };
      },
    });
  }

  /**
   * Checks an entered code. A wrong code costs one attempt; after the last
   * attempt every entry, right or not, is FORBIDDEN. A right code is used up
   * and the flow moves past its code action.
   */
  async verify<S>(request: VerifyRequest<S>): Promise<LoadedFlow<S>> {
    const { flows, kv, settings } = this.deps;

    const loaded = await flows.open<S>(request.token, request.flowKind);
    const pending = owedCode(loaded.flow, request.kind);
    if (!new RegExp(`^\\d{${settings.length}}$`).test(request.value)) {
      throw failures.validation(`the code must be ${settings.length} digits`);
    }
    const attemptsKey = `attempts:${loaded.flow.id}`;
    await this.checkNotBurned(attemptsKey);
    if (this.now() >= pending.expiresAt) {
      throw failures.expired("the code has expired; ask for a new one");
    }

    const window = Math.max(1, loaded.flow.expiresAt - this.now()) + 86_400_000;
    const attempt = await kv.increment(attemptsKey, window);
    if (attempt.count > settings.maxAttempts) throw burned();

    const entered = hashCode(loaded.flow.id, request.kind, request.value);
    if (!sameHash(entered, pending.hash)) {
      const left = settings.maxAttempts - attempt.count;
      throw failures.unauthorized(
        left > 0 ? "the code is wrong" : "the code is wrong; no attempts are left in this flow",
      );
    }
    await kv.increment(attemptsKey, window, -1);

    return flows.update<S>(request.token, request.flowKind, (flow) => {
      const current = owedCode(flow, request.kind);
      if (!sameHash(current.hash, pending.hash)) {
        throw failures.unauthorized("the code was replaced by a newer one");
      }
      return {
        ...flow,
        required: flow.required.slice(1),
        code: null,
        state: request.accept(flow, { kind: current.kind, destination: current.destination }),
      };
    });
  }

  private async checkMaySend(flow: Flow<unknown>, destination: string): Promise<void> {
    const { settings, perDestination } = this.deps;

    await this.checkNotBurned(`attempts:${flow.id}`);
    if (flow.sends >= settings.maxSendsPerFlow) {
      throw failures.forbidden("this flow has sent all the codes it may; start a new one");
    }
    if (flow.lastSentAt !== null) {
      const waitMs = flow.lastSentAt + settings.cooldownSeconds * 1000 - this.now();
      if (waitMs > 0)
        throw failures.throttled("wait before asking for another code", waitMs / 1000);
    }

    const quota = await perDestination.consume(destination);
    if (!quota.allowed) {
      throw failures.throttled(
        "this destination has received too many codes; try later",
        quota.msBeforeNext / 1000,
      );
    }
  }

  /**
   * Waits about as long as a delivery takes, so that an answer for an
   * identifier with no account (recovery) does not come back sooner.
   */
  private async padLikeDelivery(): Promise<void> {
    const jitter = 0.85 + Math.random() * 0.3;
    const ms = this.deliveryMs * jitter;
    if (ms >= 1) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  private async checkNotBurned(attemptsKey: string): Promise<void> {
    const attempts = await this.deps.kv.peekCounter(attemptsKey);
    if (attempts.count >= this.deps.settings.maxAttempts) throw burned();
  }

  private async deliverOrRollBack<S>(
    reserved: LoadedFlow<S>,
    original: LoadedFlow<S>,
    message: Parameters<DeliveryChannel["deliver"]>[0],
  ): Promise<void> {
    const started = performance.now();
    try {
      await this.deps.delivery.deliver(message);
      this.deliveryMs = 0.8 * this.deliveryMs + 0.2 * (performance.now() - started);
    } catch (error) {
      await this.deps.flows.swap(reserved, original.flow);
      throw error;
    }
  }
}

/** Answers the pending code when its action is the one owed now; FORBIDDEN otherwise. */
function owedCode<S>(flow: Flow<S>, kind: IdentifierKind) {
  const owed = flow.required[0];
  if (owed !== codeActionOf(kind) || flow.code === null || flow.code.kind !== kind) {
    throw failures.forbidden(`${codeActionOf(kind)} is not owed in this flow now`);
  }
  return flow.code;
}

function burned() {
  return failures.forbidden("too many wrong codes; start a new flow");
}

/** Digits from a CSPRNG, leading zeros kept. */
export function generateCode(length: number): string {
  let code = "";
  for (let i = 0; i < length; i++) code += randomInt(10).toString();
  return code;
}

/** The stored form of a code: bound to its flow and kind, so it completes nothing else. */
export function hashCode(flowId: string, kind: IdentifierKind, code: string): string {
  return createHash("sha256").update(`${flowId}\u0000${kind}\u0000${code}`).digest("base64url");
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
