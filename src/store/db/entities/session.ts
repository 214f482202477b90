import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { User } from "./user.js";

/**
 * A signed-in session: what the access tokens' `sid` names. It lives until
 * it is revoked (logout, reuse of a rotated refresh token, password reset).
 */
export const Session = defineEntity({
  name: "Session",
  tableName: "sessions",
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule("cascade").index("sessions_user_id_index"),
    amr: p.array().columnType("text[]"),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastRefreshedAt: p.datetime().onCreate(() => new Date()),
    revokedAt: p.datetime().nullable(),
    revokeReason: p.text().nullable(),
  },
});

/** A row of `sessions`. */
export type SessionRow = InferEntity<typeof Session>;
