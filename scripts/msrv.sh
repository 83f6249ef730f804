#!/usr/bin/env bash
# What can be checked of the declared MSRV (`rust-version` in Cargo.toml)
# with the one toolchain these machines have (no other can be installed, so
# nothing here compiles with the MSRV itself; docs/ci.md says what that
# leaves unchecked).
#
#   scripts/msrv.sh
#
# 1. Every workspace member declares a rust-version; the lowest is the MSRV.
# 2. The committed Cargo.lock: every locked package's own rust-version is at
#    most the MSRV.
# 3. A fresh resolution with Cargo's MSRV-aware resolver
#    (CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback, in a temporary
#    copy): what an app on the MSRV gets today resolves, and every package in
#    it declares a rust-version of at most the MSRV.
#    In 2 and 3 a package that declares no rust-version cannot be judged: it
#    is listed, not failed.
# 4. Clippy's `incompatible_msrv` lint, which refuses std items stabilized
#    after the package's rust-version, is live: a throwaway crate with
#    rust-version 1.79 that uses `std::sync::LazyLock` (1.80), in its code and
#    in a test, must be refused by clippy under the workspace's clippy.toml
#    (`check-incompatible-msrv-in-tests`). Nothing in the workspace may allow
#    the lint. `cargo clippy ... -D warnings` in .ci/run then applies it to
#    the workspace.
#
# Needs cargo, git, python3 and crates.io (cargo metadata reads the manifests
# of every locked package, those of other platforms too).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
work="$(mktemp -d "${TMPDIR:-/tmp}/kataven-msrv.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Reads `cargo metadata` (full, with every locked package) on stdin; $1 says
# which resolution it is.
cat >"$work/check_versions.py" <<'EOF'
import json, sys
label = sys.argv[1]
meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
def key(v): return tuple(int(x) for x in v.split("."))
declared = {p["name"]: p["rust_version"] for p in meta["packages"] if p["id"] in members}
missing = [n for n, v in declared.items() if not v]
if missing:
    sys.exit(f"error: workspace members without a rust-version: {missing}")
msrv = min(declared.values(), key=key)
newer, undeclared, ok = [], [], 0
for p in meta["packages"]:
    if p["id"] in members:
        continue
    name = f"{p['name']} {p['version']}"
    v = p["rust_version"]
    if v is None:
        undeclared.append(name)
    elif key(v) > key(msrv):
        newer.append(f"{name} (rust-version {v})")
    else:
        ok += 1
print(f"{label}: {ok} packages declare a rust-version <= {msrv} (the MSRV; members: {declared})")
if undeclared:
    print(f"  {len(undeclared)} declare none, so cannot be judged: " + ", ".join(sorted(undeclared)))
if newer:
    sys.exit(f"error: {label}: packages that need a Rust newer than the MSRV {msrv}:\n  " + "\n  ".join(sorted(newer)))
EOF
check_versions() { python3 "$work/check_versions.py" "$1"; }

echo "== the committed Cargo.lock against the declared MSRV"
cargo metadata --format-version 1 --locked | check_versions "Cargo.lock"

echo "== a fresh MSRV-aware resolution (CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback)"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
  [ -e "$file" ] && printf '%s\0' "$file"
done | xargs -0 cp --parents -t "$work"
(
  cd "$work"
  rm -f Cargo.lock
  CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo generate-lockfile 2>&1
  cargo metadata --format-version 1 --locked | check_versions "fresh MSRV-aware resolution"
)

echo "== clippy's incompatible_msrv lint is live (a probe crate must be refused)"
if grep -rn --include='*.rs' --include='*.toml' -e 'incompatible_msrv' -e 'incompatible-msrv' \
     Cargo.toml src tests examples benches build.rs cli xtask 2>/dev/null; then
  echo "error: the lines above allow or configure incompatible_msrv: the MSRV check would miss code" >&2
  exit 1
fi
probe="$work/probe"
mkdir -p "$probe/src"
cp clippy.toml "$probe/"
cat >"$probe/Cargo.toml" <<'EOF'
[package]
name = "msrv-probe"
version = "0.0.0"
edition = "2021"
rust-version = "1.79"

[workspace]
EOF
cat >"$probe/src/lib.rs" <<'EOF'
pub fn in_code() -> usize {
    *std::sync::LazyLock::new(|| 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn in_test() {
        assert_eq!(*std::sync::LazyLock::new(|| 1), 1);
    }
}
EOF
if (cd "$probe" && CARGO_TARGET_DIR="$probe/target" cargo clippy --quiet --all-targets -- -D warnings) >"$work/probe.log" 2>&1; then
  echo "error: clippy accepted std::sync::LazyLock (Rust 1.80) under rust-version 1.79: incompatible_msrv is not working" >&2
  exit 1
fi
refusals="$(grep -c 'current MSRV (Minimum Supported Rust Version) is `1.79.0`' "$work/probe.log" || true)"
if ! grep -q 'src/lib.rs:2:' "$work/probe.log" || ! grep -q 'src/lib.rs:9:' "$work/probe.log"; then
  cat "$work/probe.log" >&2
  echo "error: clippy failed the probe, but not with incompatible_msrv in both the code and the test" >&2
  exit 1
fi
echo "ok: clippy refused the 1.80 item under rust-version 1.79 ($refusals refusals, in the code and in the test)"
