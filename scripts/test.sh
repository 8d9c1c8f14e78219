#!/usr/bin/env bash
# The whole test suite: lint, format, type check, then unit and integration tests in one
# node:test run, against real services that scripts/services.sh installs and starts.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

biome check .
tsc --noEmit

node --test --test-concurrency=2 'test/**/*.test.ts'
