import { randomUUID } from "node:crypto";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** Whether an account may sign in and refresh its sessions. */
export type UserStatus = "active" | "blocked";

/** One account: its status and its password hash (argon2id, PHC string). */
export const User = defineEntity({
  name: "User",
  tableName: "users",
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    status: p.enum(["active", "blocked"]).default("active"),
    passwordHash: p.text(),
    passwordChangedAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

/** A row of `users`. */
export type UserRow = InferEntity<typeof User>;
