-- One refresh rotation as src/store/db/refresh-rotation.ts sends it when it
-- carries one token: the same statement, the inputs as one-element arrays,
-- sent as the service sends it (extended protocol, unnamed statement:
-- pgbench -M extended). Each client walks a chain of its own: it claims
-- its latest token and stores the next, whose random value it keeps for
-- its next transaction.
-- Variables: :run and :current (-D), :client_id (pgbench); heads seeded by pgbench.ts.
\set next random(1, 999999999999999)
with input as (
  select * from unnest(
      array[encode(sha256(convert_to('iam-bench/' || :run || '/' || :client_id || '/' || :current,
                                     'UTF8')), 'hex')]::text[],
      array[encode(sha256(convert_to('iam-bench/' || :run || '/' || :client_id || '/' || :next,
                                     'UTF8')), 'hex')]::text[],
      array[gen_random_uuid()]::uuid[],
      array[now() + interval '30 days']::timestamptz[])
    as i (old_hash, next_hash, next_id, next_expires_at)
), won as (
  update refresh_tokens as t set used_at = now()
    from input as i, sessions as s, users as u
    where t.token_hash = i.old_hash and s.id = t.session_id and u.id = s.user_id
      and t.used_at is null and t.revoked_at is null and t.expires_at > now()
      and s.revoked_at is null and u.status = 'active'
    returning i.old_hash, i.next_hash, i.next_id, i.next_expires_at,
              t.session_id, s.user_id, s.amr
), next as (
  insert into refresh_tokens (id, session_id, token_hash, expires_at, created_at)
    select next_id, session_id, next_hash, next_expires_at, now() from won
), touched as (
  update sessions as s set last_refreshed_at = now() from won where s.id = won.session_id
)
select old_hash, session_id, user_id, amr from won \gset
\set current :next
