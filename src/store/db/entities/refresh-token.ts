import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { Session } from "./session.js";

/**
 * One refresh token of a session, kept only as its SHA-256 hash. A token
 * is used once: rotation stamps `used_at` and issues the next one.
 */
export const RefreshToken = defineEntity({
  name: "RefreshToken",
  tableName: "refresh_tokens",
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    session: () =>
      p.manyToOne(Session).deleteRule("cascade").index("refresh_tokens_session_id_index"),
    tokenHash: p.text().unique("refresh_tokens_token_hash_unique"),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
    usedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});

/** A row of `refresh_tokens`. */
export type RefreshTokenRow = InferEntity<typeof RefreshToken>;
