#!/bin/sh
# Compare the xtask's 3.1 -> 3.0.3 conversion with the pinned
# @apiture/openapi-down-convert on the fixtures (see compare.mjs).
# Installs the pinned tool into tools/downconvert/node_modules (ignored) first.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/node_modules/.bin/openapi-down-convert" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
exec node "$here/compare.mjs"
