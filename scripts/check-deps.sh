#!/usr/bin/env bash
# Dependency requirements that an app depending on kataven can live with.
#
#   scripts/check-deps.sh
#
# 1. No workspace crate has an exact (`=`) requirement, except the progenitor
#    pair in kataven: the code progenitor-impl generates calls progenitor-client,
#    so they must be one release. An `=` requirement ends up in every app's
#    resolution: an app with another crate that needs a newer patch of the
#    pinned crate cannot resolve at all.
# 2. Cargo.lock holds exactly one version each of progenitor-impl (which
#    writes the code) and progenitor-client, both equal to the pin: the
#    generated code that the snapshot shows is the one its runtime expects.
# 3. Resolution: a throwaway app in a temporary directory depends on kataven
#    by path and on newer patch releases of the crates kataven used to pin
#    exactly (syn, prettyplease, openapiv3). Those releases do not exist yet,
#    so the app patches in local copies of today's sources with the patch
#    number raised. It must resolve, offline, to those copies. Against
#    `syn = "=3.0.10"` it fails with "failed to select a version for `syn`".
#
# Needs cargo and python3 (3.11: tomllib), and the crates already downloaded
# (run after a build). Writes nothing outside a temporary directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
work="$(mktemp -d "${TMPDIR:-/tmp}/kataven-check-deps.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "== exact requirements (only the progenitor pair may have one)"
cargo metadata --no-deps --format-version 1 --offline >"$work/workspace.json"
python3 - "$work/workspace.json" <<'EOF'
import json, sys
ALLOWED = {("kataven", "progenitor-impl"), ("kataven", "progenitor-client")}
packages = json.load(open(sys.argv[1]))["packages"]
exact = [
    (package["name"], dep["name"], dep["kind"] or "normal", dep["req"])
    for package in packages
    for dep in package["dependencies"]
    if dep["req"].lstrip().startswith("=")
]
for name, dep, kind, req in exact:
    print(f"  {name}: {dep} {req} ({kind})")
bad = [e for e in exact if (e[0], e[1]) not in ALLOWED]
if bad:
    sys.exit(f"error: exact requirements leak into apps' lockfiles; use a caret requirement for: "
             + ", ".join(f"{dep} in {name}" for name, dep, _, _ in bad))
pins = {req.lstrip("= ") for name, dep, _, req in exact if (name, dep) in ALLOWED}
if len(pins) != 1 or len(exact) != len(ALLOWED):
    sys.exit(f"error: progenitor-impl and progenitor-client must both be pinned to one version, found {exact}")
print(f"ok: only the progenitor pair (generator and runtime), both ={pins.pop()}")
EOF

echo "== progenitor versions in Cargo.lock"
python3 - "$work/workspace.json" <<'EOF'
import json, sys, tomllib
packages = json.load(open(sys.argv[1]))["packages"]
kataven = next(p for p in packages if p["name"] == "kataven")
pin = next(d["req"].lstrip("= ") for d in kataven["dependencies"] if d["name"] == "progenitor-impl")
with open("Cargo.lock", "rb") as lock:
    locked = tomllib.load(lock)["package"]
problems = []
for crate in ("progenitor-impl", "progenitor-client"):
    versions = sorted(p["version"] for p in locked if p["name"] == crate)
    print(f"  {crate}: {', '.join(versions) or 'absent'}")
    if versions != [pin]:
        problems.append(f"{crate} is {versions or 'absent'}, not [{pin}]")
if problems:
    sys.exit("error: the generator and its runtime differ from the pin: " + "; ".join(problems)
             + " (bump the two pins in Cargo.toml together; see CONTRIBUTING.md)")
print(f"ok: both at {pin}")
EOF

echo "== an app that needs newer patches of syn, prettyplease and openapiv3 resolves"
cargo metadata --format-version 1 --offline --filter-platform "$(rustc -vV | sed -n 's/^host: //p')" \
    >"$work/resolved.json"
patches=""
requirements=""
while read -r crate version manifest; do
    # A local copy of the release in use, one patch number higher.
    newer="$(python3 -c 'import sys; a, b, c = sys.argv[1].split("."); print(f"{a}.{b}.{int(c) + 1}")' "$version")"
    cp -R "$(dirname "$manifest")" "$work/$crate"
    python3 - "$work/$crate/Cargo.toml" "$version" "$newer" <<'EOF'
import re, sys
path, old, new = sys.argv[1:]
text = open(path).read()
# The [package] table's version line; dependency tables come later.
text, count = re.subn(rf'(?m)^version = "{re.escape(old)}"$', f'version = "{new}"', text, count=1)
if count != 1:
    sys.exit(f"error: no version line {old} in {path}")
open(path, "w").write(text)
EOF
    requirements+="$crate = { version = \"$newer\", default-features = false }"$'\n'
    patches+="$crate = { path = \"$work/$crate\" }"$'\n'
    echo "  requires $crate $newer (kataven's build uses $version)"
done < <(python3 - "$work/resolved.json" <<'EOF'
import json, sys
meta = json.load(open(sys.argv[1]))
by_id = {p["id"]: p for p in meta["packages"]}
kataven = next(n for n in meta["resolve"]["nodes"] if by_id[n["id"]]["name"] == "kataven")
for dep in kataven["deps"]:
    package = by_id[dep["pkg"]]
    if package["name"] in ("syn", "prettyplease", "openapiv3"):
        print(package["name"], package["version"], package["manifest_path"])
EOF
)
[ -n "$patches" ] || { echo "error: found none of syn, prettyplease, openapiv3 among kataven's dependencies" >&2; exit 1; }
mkdir -p "$work/app/src"
echo 'fn main() {}' >"$work/app/src/main.rs"
cat >"$work/app/Cargo.toml" <<EOF
[package]
name = "kataven-resolution-check"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
kataven = { path = "$root" }
$requirements
[patch.crates-io]
$patches
[workspace]
EOF
if ! (cd "$work/app" && cargo generate-lockfile --offline --quiet); then
    echo "error: an app that needs a newer patch of one of kataven's dependencies cannot resolve" >&2
    exit 1
fi
python3 - "$work/app/Cargo.lock" <<'EOF'
import sys, tomllib
locked = tomllib.load(open(sys.argv[1], "rb"))["package"]
for p in locked:
    if p["name"] in ("syn", "prettyplease", "openapiv3") and "source" not in p:
        print(f"  resolved {p['name']} {p['version']} (the local copy)")
EOF
echo "ok: resolves"
