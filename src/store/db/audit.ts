import type { EntityManager } from "@mikro-orm/postgresql";
import { AuditEvent } from "./entities/audit-event.js";

/** The audit events the store writes. */
export type AuditEventType =
  | "account.registered"
  | "account.password_changed"
  | "session.opened"
  | "session.revoked"
  | "session.refresh_token_reused";

/** One audit entry: facts only, never personal data, secrets or tokens. */
export interface AuditEntry {
  readonly type: AuditEventType;
  readonly userId?: string;
  readonly sessionId?: string;
  /** Non-personal facts: identifier kinds, reasons, counts. */
  readonly data?: Record<string, string | number | boolean | readonly string[]>;
}

/** Writes an audit entry through `em`, inside the caller's transaction when it has one. */
export async function recordAudit(em: EntityManager, entry: AuditEntry, at: Date): Promise<void> {
  await em.insert(AuditEvent, {
    type: entry.type,
    userId: entry.userId ?? null,
    sessionId: entry.sessionId ?? null,
    occurredAt: at,
    data: entry.data ?? {},
  });
}
