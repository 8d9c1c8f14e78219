#!/usr/bin/env bash
# The whole test suite: lint, format, type check, then unit and integration tests in one
# node:test run (one summary that counts everything), against real services that
# scripts/services.sh installs and starts. Each run starts its own set of services in its own
# state folder, so runs never share or stop each other's, and stops them on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

biome check .
tsc --noEmit

export BUTLER_SOS_SERVICES_DIR="$PWD/.services/test-run-$$"
stop_services() {
  local status=$?
  bash scripts/services.sh down || true
  rm -rf "$BUTLER_SOS_SERVICES_DIR"
  exit "$status"
}
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/services.sh up >/dev/null
# shellcheck source=/dev/null
source "$BUTLER_SOS_SERVICES_DIR/env"

# --test-timeout: a hung test fails on its own instead of eating the CI time limit;
# exit-guard.ts: a test file whose failed assertion left a timer running still ends.
node --test --test-concurrency=2 --test-timeout=300000 --import ./test/support/exit-guard.ts 'test/**/*.test.ts'
