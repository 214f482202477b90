import { randomBytes } from "node:crypto";
import type { IdentifierKind } from "../config.js";
import { failures } from "../errors.js";
import { identifierDigest } from "../identity/identifier.js";
import type { KvStore } from "../store/kv/kv-store.js";

/** What a flow remembers of the identifier it acts for, and when. */
export interface EpochBinding {
  /** A hash of the normalised identifier; never the identifier itself. */
  readonly key: string;
  /** The identifier's epoch when the flow started acting for it. */
  readonly epoch: string;
}

/** An identifier as the epochs know it. */
export interface EpochIdentifier {
  readonly kind: IdentifierKind;
  readonly value: string;
}

/**
 * Epochs that end flows when a password changes. Each identifier has an
 * epoch in the key-value store ("0" until the first change). A sign-in or
 * recovery flow records the epoch of its identifier *before* it reads the
 * account, and every later step compares it with the current one. A
 * password change moves the epochs of every identifier of the account,
 * before and after it writes the new password, so no flow that read the
 * old password, and no session opened meanwhile, outlives the change.
 */
export class AccountEpochs {
  /**
   * @param retentionMs how long a moved epoch is kept; longer than any flow
   *   lives, so no flow that saw the old epoch outlives the record of the move.
   */
  constructor(
    private readonly kv: KvStore,
    private readonly retentionMs: number,
  ) {}

  /** Records the identifier's current epoch for a flow. */
  async bind(identifier: EpochIdentifier): Promise<EpochBinding> {
    const key = keyOf(identifier);
    return { key, epoch: (await this.kv.get(key)) ?? "0" };
  }

  /** Moves the epochs of every identifier of an account, ending their flows. */
  async advance(identifiers: readonly EpochIdentifier[]): Promise<void> {
    const epoch = randomBytes(9).toString("base64url");
    await Promise.all(
      identifiers.map((identifier) => this.kv.set(keyOf(identifier), epoch, this.retentionMs)),
    );
  }

  /** Whether no password change happened since the binding. */
  async isCurrent(binding: EpochBinding | null): Promise<boolean> {
    if (binding === null) return true;
    return ((await this.kv.get(binding.key)) ?? "0") === binding.epoch;
  }

  /** UNAUTHORIZED when a password change happened since the binding. */
  async assertCurrent(binding: EpochBinding | null): Promise<void> {
    if (!(await this.isCurrent(binding))) {
      throw failures.unauthorized("this flow was ended by a password change; start a new one");
    }
  }
}

function keyOf(identifier: EpochIdentifier): string {
  return `epoch:${identifierDigest(identifier.kind, identifier.value)}`;
}
