import { Migration } from "@mikro-orm/migrations";

/**
 * The first schema: accounts, identifiers, sessions, refresh tokens,
 * signing keys and the audit trail. It matches the entities exactly; the
 * integration tests check that MikroORM sees no difference.
 */
export class InitialSchema extends Migration {
  override up(): void {
    this.addSql(`
      create table "users" (
        "id" uuid not null,
        "status" text check ("status" in ('active', 'blocked')) not null default 'active',
        "password_hash" text not null,
        "password_changed_at" timestamptz not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        constraint "users_pkey" primary key ("id")
      )`);

    this.addSql(`
      create table "identifiers" (
        "id" uuid not null,
        "user_id" uuid not null,
        "kind" text check ("kind" in ('email', 'phone')) not null,
        "value" text not null,
        "verified_at" timestamptz null,
        "created_at" timestamptz not null,
        constraint "identifiers_pkey" primary key ("id"),
        constraint "identifiers_kind_value_unique" unique ("kind", "value"),
        constraint "identifiers_user_id_foreign" foreign key ("user_id")
          references "users" ("id") on update cascade on delete cascade
      )`);
    this.addSql(`create index "identifiers_user_id_index" on "identifiers" ("user_id")`);

    this.addSql(`
      create table "sessions" (
        "id" uuid not null,
        "user_id" uuid not null,
        "amr" text[] not null,
        "created_at" timestamptz not null,
        "last_refreshed_at" timestamptz not null,
        "revoked_at" timestamptz null,
        "revoke_reason" text null,
        constraint "sessions_pkey" primary key ("id"),
        constraint "sessions_user_id_foreign" foreign key ("user_id")
          references "users" ("id") on update cascade on delete cascade
      )`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id")`);

    this.addSql(`
      create table "refresh_tokens" (
        "id" uuid not null,
        "session_id" uuid not null,
        "token_hash" text not null,
        "expires_at" timestamptz not null,
        "created_at" timestamptz not null,
        "used_at" timestamptz null,
        "revoked_at" timestamptz null,
        constraint "refresh_tokens_pkey" primary key ("id"),
        constraint "refresh_tokens_token_hash_unique" unique ("token_hash"),
        constraint "refresh_tokens_session_id_foreign" foreign key ("session_id")
          references "sessions" ("id") on update cascade on delete cascade
      )`);
    this.addSql(
      `create index "refresh_tokens_session_id_index" on "refresh_tokens" ("session_id")`,
    );

    this.addSql(`
      create table "signing_keys" (
        "kid" text not null,
        "alg" text not null,
        "public_jwk" jsonb not null,
        "private_jwk" jsonb not null,
        "created_at" timestamptz not null,
        "retired_at" timestamptz null,
        constraint "signing_keys_pkey" primary key ("kid")
      )`);

    this.addSql(`
      create table "audit_events" (
        "id" bigserial primary key,
        "type" text not null,
        "user_id" uuid null,
        "session_id" uuid null,
        "occurred_at" timestamptz not null,
        "data" jsonb not null
      )`);
    this.addSql(`
      create index "audit_events_user_id_occurred_at_index"
        on "audit_events" ("user_id", "occurred_at")`);
  }

  override down(): void {
    this.addSql(`drop table if exists "audit_events"`);
    this.addSql(`drop table if exists "signing_keys"`);
    this.addSql(`drop table if exists "refresh_tokens"`);
    this.addSql(`drop table if exists "sessions"`);
    this.addSql(`drop table if exists "identifiers"`);
    this.addSql(`drop table if exists "users"`);
  }
}
