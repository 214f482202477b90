-- One refresh rotation as src/store/db/refresh-rotation.ts sends it: one
-- statement that claims the token, inserts the next one and stamps the
-- session (MikroORM inlines the values, so pgbench's simple protocol matches).
-- Each client walks a chain of its own: it claims its latest token and
-- stores the next, whose random value it keeps for its next transaction.
-- Variables: :run and :current (-D), :client_id (pgbench); heads seeded by pgbench.ts.
\set next random(1, 999999999999999)
with won as (
  update refresh_tokens as t set used_at = now()
    from sessions as s, users as u
    where t.token_hash = encode(sha256('iam-bench/:run/:client_id/:current'), 'hex')
      and s.id = t.session_id and u.id = s.user_id
      and t.used_at is null and t.revoked_at is null and t.expires_at > now()
      and s.revoked_at is null and u.status = 'active'
    returning t.session_id, s.user_id, s.amr
), next as (
  insert into refresh_tokens (id, session_id, token_hash, expires_at, created_at)
    select gen_random_uuid(), session_id,
           encode(sha256('iam-bench/:run/:client_id/:next'), 'hex'),
           now() + interval '30 days', now()
      from won
), touched as (
  update sessions as s set last_refreshed_at = now() from won where s.id = won.session_id
)
select session_id, user_id, amr from won \gset
\set current :next
