#!/bin/sh
# Starts the service (what `npm start` runs). It first compiles src/ and
# gateway/ to JavaScript in dist/ (tsc, tsconfig.build.json: incremental and
# transpile-only, about 2 s when nothing changed; `npm run check` is where
# types are checked), so the running service loads no TypeScript loader.
# `exec` then leaves one process, the node that serves, so signals and PIDs
# reach it directly.
#
# Runtime defaults, each overridable from the environment:
# - UV_THREADPOOL_SIZE: argon2id runs on libuv's pool; more threads than
#   cores lose throughput and each costs 19 MiB of hashing memory.
# - IAM_NODE_OPTIONS: a young generation of 4 MiB semi-spaces and an old
#   generation capped at 128 MiB keep the resident size under 200 MiB under
#   load (the live heap is about 45 MiB). 8 MiB semi-spaces save about 10 %
#   of a refresh's CPU but peaked at 175–190 MiB against 160–172 MiB
#   (docs/benchmarks.md). Raise the cap for very high load.
# - IAM_NODE_EXTRA_OPTIONS: added after those, e.g. `--cpu-prof` to profile.
set -eu
cd "$(dirname "$0")/.."

node node_modules/typescript/bin/tsc -p tsconfig.build.json
# Read at run time next to its module; src/ keeps the one copy.
cp src/identity/common-passwords.txt dist/src/identity/common-passwords.txt

: "${UV_THREADPOOL_SIZE:=$(nproc 2>/dev/null || echo 4)}"
: "${IAM_NODE_OPTIONS:=--max-semi-space-size=4 --max-old-space-size=128}"
export UV_THREADPOOL_SIZE

# shellcheck disable=SC2086 # the options are a list of flags
exec node $IAM_NODE_OPTIONS ${IAM_NODE_EXTRA_OPTIONS:-} dist/src/main.js
