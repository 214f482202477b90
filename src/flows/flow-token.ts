import { createHash, randomBytes } from "node:crypto";
import type { IdentifierKind } from "../config.js";
import { failures } from "../errors.js";
import type { KvStore } from "../store/kv/kv-store.js";
import type { ActionName } from "./actions.js";

/** The three multi-step flows. A token of one kind is refused by the others. */
export type FlowKind = "registration" | "recovery" | "authentication";

/** The one-time code a flow is waiting for. Only its hash is kept. */
export interface PendingCode {
  readonly kind: IdentifierKind;
  /** The normalised identifier the code went to (or would have gone to). */
  readonly destination: string;
  readonly hash: string;
  readonly expiresAt: number;
}

/**
 * A flow's whole state, kept in the key-value store under the hash of its
 * token. `S` is what the flow itself remembers (verified identifiers, the
 * account being signed in, …).
 */
export interface Flow<S> {
  /** A random id for logs and per-flow counters; not the token. */
  readonly id: string;
  readonly kind: FlowKind;
  /** `completing` while one `complete` call holds the flow. */
  readonly status: "open" | "completing" | "consumed";
  readonly expiresAt: number;
  /** What is still owed, in order; only the first entry is owed now. */
  readonly required: readonly ActionName[];
  readonly code: PendingCode | null;
  /** Codes this flow has sent in all. */
  readonly sends: number;
  readonly lastSentAt: number | null;
  readonly state: S;
}

/** A flow as read, with the exact stored text that a later swap compares against. */
export interface LoadedFlow<S> {
  readonly token: string;
  readonly flow: Flow<S>;
  readonly stored: string;
}

/** How long an expired flow is still recognised as expired rather than unknown. */
const EXPIRED_MEMORY_MS = 25 * 60 * 60 * 1000;

/** Attempts at a compare-and-swap before a busy flow is reported. */
const MAX_SWAP_TRIES = 8;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Flow tokens and the state behind them. A token is 256 random bits; the
 * store keys state by the token's SHA-256, so a dump of the store holds no
 * usable token. Every change is a compare-and-swap on the stored text, so
 * two requests never both move a flow from the same state.
 */
export class FlowStore {
  constructor(
    private readonly kv: KvStore,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a flow and answers its token. */
  async start<S>(
    kind: FlowKind,
    required: readonly ActionName[],
    state: S,
  ): Promise<LoadedFlow<S>> {
    const token = randomBytes(32).toString("base64url");
    const flow: Flow<S> = {
      id: randomBytes(9).toString("base64url"),
      kind,
      status: "open",
      expiresAt: this.now() + this.ttlSeconds * 1000,
      required: [...required],
      code: null,
      sends: 0,
      lastSentAt: null,
      state,
    };

    const stored = JSON.stringify(flow);
    await this.kv.set(keyOf(token), stored, this.retentionMs(flow));
    return { token, flow, stored };
  }

  /**
   * Reads an open flow of the given kind. Unknown, consumed, busy or
   * other-kind tokens are UNAUTHORIZED; a flow past its lifetime is EXPIRED.
   */
  async open<S>(token: string, kind: FlowKind): Promise<LoadedFlow<S>> {
    if (!TOKEN_PATTERN.test(token)) throw failures.unauthorized();

    const stored = await this.kv.get(keyOf(token));
    if (stored === null) throw failures.unauthorized();

    const flow = JSON.parse(stored) as Flow<S>;
    if (flow.kind !== kind) throw failures.unauthorized();
    if (flow.status !== "open") throw failures.unauthorized("this flow has already been completed");
    if (this.now() >= flow.expiresAt)
      throw failures.expired("the flow has expired; start a new one");

    return { token, flow, stored };
  }

  /** Replaces a loaded flow if nobody changed it since; answers the new version or null. */
  async swap<S>(loaded: LoadedFlow<S>, next: Flow<S>): Promise<LoadedFlow<S> | null> {
    const stored = JSON.stringify(next);
    const ttl = this.retentionMs(next);
    const swapped = await this.kv.compareAndSwap(keyOf(loaded.token), loaded.stored, stored, ttl);
    return swapped ? { token: loaded.token, flow: next, stored } : null;
  }

  /**
   * Applies `change` to the open flow until the swap lands. `change` may
   * throw a domain error to refuse; it is re-run on a fresh read when
   * another request changed the flow in between, so it must be pure.
   */
  async update<S>(
    token: string,
    kind: FlowKind,
    change: (flow: Flow<S>) => Flow<S>,
  ): Promise<LoadedFlow<S>> {
    for (let attempt = 0; attempt < MAX_SWAP_TRIES; attempt++) {
      const loaded = await this.open<S>(token, kind);
      const swapped = await this.swap(loaded, change(loaded.flow));
      if (swapped !== null) return swapped;
    }
    throw failures.forbidden("the flow is busy with another request; try again");
  }

  /**
   * Takes the flow for `complete`: exactly one caller moves it from open to
   * completing; every other caller gets UNAUTHORIZED.
   */
  async claim<S>(loaded: LoadedFlow<S>): Promise<LoadedFlow<S>> {
    const claimed = await this.swap(loaded, { ...loaded.flow, status: "completing" });
    if (claimed === null) throw failures.unauthorized("this flow has already been completed");
    return claimed;
  }

  /** Marks a claimed flow as used for good. */
  async consume<S>(claimed: LoadedFlow<S>): Promise<void> {
    await this.swap(claimed, { ...claimed.flow, status: "consumed" });
  }

  /** Gives a claimed flow back (the step failed for a reason that was not the caller's). */
  async release<S>(claimed: LoadedFlow<S>): Promise<void> {
    await this.swap(claimed, { ...claimed.flow, status: "open" });
  }

  private retentionMs(flow: Flow<unknown>): number {
    return Math.max(1, flow.expiresAt - this.now() + EXPIRED_MEMORY_MS);
  }
}

function keyOf(token: string): string {
  return `flow:${createHash("sha256").update(token).digest("base64url")}`;
}
