import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/**
 * One entry of the audit trail. `data` holds only non-personal facts
 * (identifier kinds, reasons, counts): never an identifier's value, a
 * secret, a code or a token. `user_id` has no foreign key on purpose, so
 * the trail outlives a deleted account.
 */
export const AuditEvent = defineEntity({
  name: "AuditEvent",
  tableName: "audit_events",
  properties: {
    id: p.bigint("string").primary().autoincrement(),
    type: p.text(),
    userId: p.uuid().nullable(),
    sessionId: p.uuid().nullable(),
    occurredAt: p.datetime().onCreate(() => new Date()),
    data: p.json<Record<string, unknown>>(),
  },
  indexes: [
    { properties: ["userId", "occurredAt"], name: "audit_events_user_id_occurred_at_index" },
  ],
});

/** A row of `audit_events`. */
export type AuditEventRow = InferEntity<typeof AuditEvent>;
