#!/usr/bin/env bash
# cargo-deny over the dependency tree, by deny.toml: licences, bans
# (wildcard requirements; duplicate versions as warnings) and sources
# (crates.io only), and security advisories when the RustSec database can
# be fetched.
#
#   scripts/deny.sh
#
# Installs cargo-deny $DENY_VERSION with `cargo install --locked` if this
# exact version is not on PATH. The install is a debug build: cargo-deny
# runs for about a second over this tree, and a release build (fat LTO in
# its manifest) takes several times longer to compile than the debug one
# (docs/ci.md has the measured times).
#
# The advisories check reads the RustSec advisory database, which cargo-deny
# clones from github.com. Where GitHub is unreachable (as on the machines
# this project's CI runs on) the check cannot run: this script then says so
# in a line starting "ADVISORIES NOT CHECKED" and goes on; it never reports
# advisories as checked when they were not. KATAVEN_REQUIRE_ADVISORIES=1
# makes that case fail instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
DENY_VERSION=0.20.2

if [ "$(cargo deny --version 2>/dev/null || true)" != "cargo-deny $DENY_VERSION" ]; then
  echo "== installing cargo-deny $DENY_VERSION (debug build)"
  start=$SECONDS
  cargo install cargo-deny --locked --version "$DENY_VERSION" --debug --quiet
  echo "installed in $((SECONDS - start)) s"
fi

echo "== licences, bans, sources (deny.toml)"
cargo deny --locked check --hide-inclusion-graph --show-stats licenses bans sources

echo "== advisories (the RustSec database, from github.com)"
if cargo deny --locked fetch db >/dev/null 2>&1; then
  # Not --offline: the yanked check (deny.toml) reads the crates.io index.
  cargo deny --locked check --hide-inclusion-graph --show-stats advisories
else
  echo "ADVISORIES NOT CHECKED: the RustSec advisory database (https://github.com/RustSec/advisory-db) could not be fetched from this machine; no advisory check ran."
  if [ "${KATAVEN_REQUIRE_ADVISORIES:-0}" = 1 ]; then
    exit 1
  fi
fi
