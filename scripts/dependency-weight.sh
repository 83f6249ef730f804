#!/usr/bin/env bash
# How many crates kataven brings into an app (BENCHMARKS.md, "Dependency
# weight"). Counts distinct crate versions from `cargo tree` for the kataven
# package only, with its default features; extra arguments go to every
# `cargo tree` call (e.g. `--no-default-features --features native-tls`).
#
#   scripts/dependency-weight.sh
#
# normal          cargo tree -p kataven -e normal: what is compiled into an
#                 app that uses kataven (proc-macros included)
# build tree      the crates under kataven's own [build-dependencies], all
#                 levels: the code generator (progenitor and what it needs)
# build only      the part of the build tree that nothing else needs
# all             cargo tree -p kataven -e normal,build: everything compiled
#                 for kataven, build scripts' dependencies included
#
# Reads Cargo.lock; compiles nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# One crate version per line ("syn v3.0.10"), kataven itself left out.
crates() {
    sed -E 's/^[ │├└─]*//; s/ \(\*\)$//; s/ \(proc-macro\)$//; s/ \(\/.*\)$//' |
        grep -v -e '^\[' -e '^kataven v' -e '^$' | sort -u
}

work="$(mktemp -d "${TMPDIR:-/tmp}/kataven-dependency-weight.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cargo tree -p kataven -e normal --prefix none "$@" | crates >"$work/normal"
cargo tree -p kataven -e normal,build --prefix none "$@" | crates >"$work/all"
# Full tree (no dedupe), from the root's [build-dependencies] heading to the end.
cargo tree -p kataven -e normal,build --no-dedupe "$@" |
    awk 'section { print } /^\[build-dependencies\]$/ { section = 1 }' | crates >"$work/build"
comm -23 "$work/build" "$work/normal" >"$work/build-only"

printf '%-12s %4d  %s\n' \
    normal "$(wc -l <"$work/normal")" "cargo tree -p kataven -e normal" \
    "build tree" "$(wc -l <"$work/build")" "kataven's [build-dependencies], all levels" \
    "build only" "$(wc -l <"$work/build-only")" "$(tr '\n' ' ' <"$work/build-only" | sed 's/ v[^ ]*//g')" \
    all "$(wc -l <"$work/all")" "cargo tree -p kataven -e normal,build"
