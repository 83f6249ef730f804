#!/usr/bin/env bash
# The workspace on the newest dependency versions its requirements allow,
# as an app's fresh resolution would pick them (the committed Cargo.lock
# hides what a newer release deprecates or breaks).
#
#   scripts/latest-deps.sh
#
# In a temporary copy of the workspace (the committed Cargo.lock is never
# touched): `cargo update` with the MSRV-aware resolver switched off, so it
# takes the newest releases even where they need a Rust newer than the
# declared rust-version (an app on a current toolchain gets those; the MSRV
# side is scripts/msrv.sh). Then clippy with warnings denied over every
# target and feature (a deprecation is a warning, so it fails the job), and
# the SDK's unit and integration tests (`tests/it`: the mock Hub over
# loopback HTTP, through reqwest, hyper and the retry/timeout transport).
#
# Builds into the same target directory as the rest of CI (cargo keeps the
# copy's artifacts apart by path and version), so only what moved rebuilds;
# the copy itself is made in that directory and removed at the end.
# Needs cargo, git, python3 and crates.io.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target_dir="$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
# The copy lives at the same path in every run, and keeps the files' times
# (cp -p): cargo then sees the same workspace packages as last time and
# rebuilds only what changed, instead of all of them from a new path.
work="$target_dir/kataven-latest-deps"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# The files git knows of, committed or not (not target/ or other ignored ones).
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
  [ -e "$file" ] && printf '%s\0' "$file"
done | xargs -0 cp -p --parents -t "$work"
cd "$work"

echo "== cargo update (newest versions the requirements allow, whatever their rust-version)"
CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=allow cargo update 2>&1
if cmp -s Cargo.lock "$root/Cargo.lock"; then
  echo "(nothing newer than Cargo.lock)"
fi

export CARGO_TARGET_DIR="$target_dir"
echo "== clippy on the newest versions, warnings denied (deprecations included)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

echo "== the SDK's unit and integration tests on the newest versions"
cargo test -p kataven --lib --test it
