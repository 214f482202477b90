#!/usr/bin/env bash
# The real thing: `npm start` against the real PostgreSQL and Redis with a
# webhook receiver, one registration through the gateway with curl, one over
# gRPC with `buf curl`, and both access tokens verified against the JWKS.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
database="iam_e2e_$(date +%s)_$$"
# Three free ports on 127.0.0.1, chosen by the kernel.
read -r http_port rpc_port hook_port < <(node -e '
  const net = require("node:net");
  const servers = [0, 1, 2].map(() => net.createServer().listen(0, "127.0.0.1"));
  Promise.all(servers.map((s) => new Promise((r) => s.once("listening", r)))).then(() => {
    console.log(servers.map((s) => s.address().port).join(" "));
    for (const s of servers) s.close();
  });')
secret="e2e-webhook-secret"
pids=()

cleanup() {
  # Each background job leads its own process group: end the whole group, so
  # that the node process npm started does not outlive npm.
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "e2e: $*" >&2
  echo "--- service log (last lines)" >&2
  tail -n 40 "$work/service.log" >&2 || true
  exit 1
}

# Reads one field of the JSON object on stdin.
field() {
  node -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const value = JSON.parse(text)[process.argv[1]];
      if (value === undefined) process.exit(1);
      console.log(typeof value === "string" ? value : JSON.stringify(value));
    });' "$1"
}

post() {
  curl -sS -X POST "http://127.0.0.1:$http_port$1" -H 'content-type: application/json' \
    ${2:+-d "$2"}
}

code_for() {
  for _ in $(seq 1 50); do
    if grep -q "\"to\":\"$1\"" "$work/codes.jsonl" 2>/dev/null; then
      grep "\"to\":\"$1\"" "$work/codes.jsonl" | tail -n 1 | field code
      return
    fi
    sleep 0.1
  done
  fail "no code arrived for $1"
}

psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $database" >/dev/null

setsid node .ci/webhook-receiver.mjs "$hook_port" "$work/codes.jsonl" "$secret" &
pids+=($!)

NODE_ENV=production \
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database" \
  REDIS_URL="redis://127.0.0.1:6379" \
  IAM_HTTP_PORT=$http_port IAM_RPC_PORT=$rpc_port IAM_HOST=127.0.0.1 \
  IAM_NOTIFY_WEBHOOK_URL="http://127.0.0.1:$hook_port/codes" \
  IAM_NOTIFY_WEBHOOK_SECRET="$secret" \
  IAM_ISSUER="iam-e2e" \
  setsid npm start >"$work/service.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$http_port/readyz" >/dev/null || fail "the service did not become ready"
echo "e2e: service ready"

# Registration through the REST gateway.
email="ci.$(date +%s)@example.com"
token=$(post /registration/init | field registration_token) || fail "init"
post /registration/affirmation/init \
  "{\"registration_token\":\"$token\",\"action\":\"email\",\"value\":\"$email\"}" \
  | field mask >/dev/null || fail "affirmation/init"
code=$(code_for "$email")
actions=$(post /registration/affirmation/complete \
  "{\"registration_token\":\"$token\",\"action\":\"email_code\",\"value\":\"$code\"}" \
  | field required_actions) || fail "affirmation/complete"
[ "$actions" = "[]" ] || fail "required_actions after the code: $actions"
rest_access=$(post /registration/complete \
  "{\"registration_token\":\"$token\",\"secret\":\"a long and unusual passphrase\"}" \
  | field access_token) || fail "complete"
echo "e2e: registered $email through REST"

# Registration over gRPC (HTTP/2 prior knowledge) with buf curl.
grpc() {
  npx buf curl --schema proto --protocol grpc --http2-prior-knowledge \
    -d "$2" "http://127.0.0.1:$rpc_port/iam.v1.RegistrationService/$1"
}
email2="grpc.$(date +%s)@example.com"
token2=$(grpc Init '{}' | field registrationToken) || fail "gRPC Init"
grpc InitAffirmation \
  "{\"registration_token\":\"$token2\",\"action\":\"IDENTIFIER_ACTION_EMAIL\",\"value\":\"$email2\"}" \
  >/dev/null || fail "gRPC InitAffirmation"
code2=$(code_for "$email2")
grpc CompleteAffirmation \
  "{\"registration_token\":\"$token2\",\"action\":\"CODE_ACTION_EMAIL_CODE\",\"value\":\"$code2\"}" \
  >/dev/null || fail "gRPC CompleteAffirmation"
grpc_access=$(grpc Complete \
  "{\"registration_token\":\"$token2\",\"secret\":\"another long unusual passphrase\"}" \
  | field accessToken) || fail "gRPC Complete"
echo "e2e: registered $email2 over gRPC"

# Both tokens verify against the published keys.
jwks="http://127.0.0.1:$http_port/.well-known/jwks.json"
node .ci/verify-token.mjs "$jwks" iam-e2e "$rest_access" >/dev/null || fail "REST token"
node .ci/verify-token.mjs "$jwks" iam-e2e "$grpc_access" >/dev/null || fail "gRPC token"
echo "e2e: both access tokens verify against the JWKS"

# No code, password or token may reach the log in production.
if grep -q -e "$code" -e "$code2" -e "passphrase" -e "$rest_access" "$work/service.log"; then
  fail "a secret reached the service log"
fi
echo "e2e: passed"
