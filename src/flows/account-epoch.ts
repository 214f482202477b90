import { randomBytes } from "node:crypto";
import { failures } from "../errors.js";
import type { KvStore } from "../store/kv/kv-store.js";

/** What a flow remembers of the account it acts for. */
export interface AccountBinding {
  readonly userId: string;
  /** The account's epoch when the flow learnt the account. */
  readonly epoch: string;
}

/**
 * A per-account epoch in the key-value store. A password change moves it,
 * which ends every open sign-in and recovery flow of the account: each step
 * of such a flow compares the epoch it recorded with the current one.
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

  /** The account's current epoch ("0" until its first password change). */
  async current(userId: string): Promise<string> {
    return (await this.kv.get(keyOf(userId))) ?? "0";
  }

  /** Moves the epoch, ending every flow bound to the account. */
  async advance(userId: string): Promise<void> {
    await this.kv.set(keyOf(userId), randomBytes(9).toString("base64url"), this.retentionMs);
  }

  /** Binds a flow to the account at its current epoch. */
  async bind(userId: string): Promise<AccountBinding> {
    return { userId, epoch: await this.current(userId) };
  }

  /** UNAUTHORIZED when the account's password changed since the flow was bound. */
  async assertCurrent(binding: AccountBinding | null): Promise<void> {
    if (binding === null) return;
    if ((await this.current(binding.userId)) !== binding.epoch) {
      throw failures.unauthorized("this flow was ended by a password change; start a new one");
    }
  }
}

function keyOf(userId: string): string {
  return `account:epoch:${userId}`;
}
