#!/usr/bin/env bash
# The SDK's build cost (BENCHMARKS.md, "Build cost").
#
#   scripts/build-cost.sh           (a), (b), codegen time, and (c): three clean
#                                   builds of a tiny app (~4-6 min on 2 cores)
#   scripts/build-cost.sh --quick   (a), (b) and the codegen run time only (seconds,
#                                   once the crate is built)
#
# (a) a no-op rebuild does not re-run build.rs;
# (b) touching a facade file recompiles the crate without re-running codegen
#     (and, as a control, touching openapi.json does re-run it);
# (c) clean debug builds, each in a fresh temporary target dir, of a tiny app
#     that depends on kataven (default features = rustls/ring and codegen), on
#     kataven with no TLS (`default-features = false, features = ["codegen"]`),
#     on kataven with rustls but
#     without `codegen` (built from the reviewed generated code), and on
#     reqwest + serde + tokio alone
#     (with the same rustls/ring TLS as the SDK). The TLS share is
#     kataven(default) - kataven(no TLS). Codegen's share is the build script's
#     run time plus the compile time of the crates only the build script needs
#     (from cargo --timings).
#
# (a) and (b) use $CARGO_TARGET_DIR (default: ./target). Exits non-zero if
# (a) or (b) fails. Nothing outside $TMPDIR and the target dirs is written.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
quick=false
[ "${1:-}" = "--quick" ] && quick=true
work="$(mktemp -d "${TMPDIR:-/tmp}/kataven-build-cost.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail=0

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.${3:-1}f}')"; }
# The build script's run, as `cargo build -v` prints it.
ran_codegen() { grep -cE 'build/kataven-[0-9a-f]+/build-script-build`' "$1" || true; }
# The mtime of this checkout's build-script output file (cargo reports the
# OUT_DIR of a fresh build script too, in its JSON messages).
output_stamp() {
    local out
    out="$(cargo build --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and m["package_id"].endswith("#kataven@'"$version"'"):
        print(m["out_dir"])
' | head -1)"
    if [ -n "$out" ] && [ -f "$out/../output" ]; then date -r "$out/../output" +%s.%N; else echo none; fi
}

cd "$root"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
echo "== build cost of kataven ($(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, $(rustc --version))"
cargo build --quiet
echo
echo "-- (a) no-op rebuild"
before="$(output_stamp)"
t0=$(now); cargo build -v >"$work/a.log" 2>&1; t1=$(now)
runs=$(ran_codegen "$work/a.log"); after="$(output_stamp)"
if [ "$runs" = 0 ] && [ "$before" != none ] && [ "$before" = "$after" ] && grep -q 'Fresh kataven' "$work/a.log"; then
    echo "ok: $(secs "$t0" "$t1") s, kataven Fresh, build.rs not run, its output file unchanged (mtime $after)"
else
    echo "FAILED: build.rs ran $runs time(s); output stamp $before -> $after"; fail=1
fi

echo "-- (b) touch src/widget_keys/model.rs (a facade file)"
before="$(output_stamp)"
touch src/widget_keys/model.rs
t0=$(now); cargo build -v >"$work/b.log" 2>&1; t1=$(now)
runs=$(ran_codegen "$work/b.log"); after="$(output_stamp)"
if [ "$runs" = 0 ] && [ "$before" != none ] && [ "$before" = "$after" ] && grep -q 'Compiling kataven' "$work/b.log"; then
    echo "ok: $(secs "$t0" "$t1") s, kataven recompiled, build.rs not run, its output file unchanged (mtime $after)"
else
    echo "FAILED: build.rs ran $runs time(s); output stamp $before -> $after"; fail=1
fi

echo "-- (b') control: touch openapi.json"
touch openapi.json
t0=$(now); cargo build -v >"$work/b2.log" 2>&1; t1=$(now)
runs=$(ran_codegen "$work/b2.log")
if [ "$runs" -ge 1 ]; then
    echo "ok: $(secs "$t0" "$t1") s, build.rs ran, output mtime now $(output_stamp) (so the checks above can see a run)"
else
    echo "FAILED: touching openapi.json did not re-run build.rs"; fail=1
fi

echo "-- codegen run time (the compiled build script, run directly, 5 times)"
script="$(grep -oE '/[^ `]*/build/kataven-[0-9a-f]+/build-script-build' "$work/b2.log" | head -1)"
if [ -n "$script" ]; then
    mkdir -p "$work/out"
    best=""
    for _ in 1 2 3 4 5; do
        t0=$(now)
        OUT_DIR="$work/out" CARGO_MANIFEST_DIR="$root" "$script" >/dev/null
        t1=$(now)
        best="$best $(secs "$t0" "$t1" 3)"
    done
    echo "build.rs run: $best s; generates $(wc -l <"$work/out/codegen.rs") lines"
fi

if $quick; then
    exit $fail
fi

echo
echo "-- (c) clean debug builds of a tiny app, fresh target dir each (--offline, the repo's Cargo.lock)"
mkapp() { # name, dependency lines, main.rs
    mkdir -p "$work/$1/src"
    cp "$root/Cargo.lock" "$work/$1/Cargo.lock"
    printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[dependencies]\n%s\n\n[workspace]\n' \
        "$1" "$2" >"$work/$1/Cargo.toml"
    printf '%s\n' "$3" >"$work/$1/src/main.rs"
}
sdk_main='#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = kataven::Client::builder()
        .api_key("sk_live_acme_secret")
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .build()
        .expect("client");
    let keys = client.widget_keys().list().await;
    println!("{:?}", keys.map(|k| k.len()));
}'
raw_main='use std::sync::Arc;

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct WidgetKey {
    id: String,
    name: String,
    key_last8: String,
    domain_allowlist: Vec<String>,
    agent_id: Option<String>,
    created_at: String,
    updated_at: String,
    disabled_at: Option<String>,
    last_used_at: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("tls")
        .with_platform_verifier()
        .expect("verifier")
        .with_no_client_auth();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .expect("client");
    let keys: Result<Vec<WidgetKey>, reqwest::Error> = async {
        http.get("http://127.0.0.1:9/api/v1/widget-keys")
            .bearer_auth("sk_live_acme_secret")
            .send()
            .await?
            .json()
            .await
    }
    .await;
    println!("{:?}", keys.map(|k| k.len()));
}'
tokio_dep='tokio = { version = "1", default-features = false, features = ["rt", "macros"] }'
mkapp app_kataven "kataven = { path = \"$root\" }
$tokio_dep" "$sdk_main"
mkapp app_kataven_notls "kataven = { path = \"$root\", default-features = false, features = [\"codegen\"] }
$tokio_dep" "$sdk_main"
mkapp app_kataven_prebuilt "kataven = { path = \"$root\", default-features = false, features = [\"rustls\"] }
$tokio_dep" "$sdk_main"
mkapp app_raw "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"rustls-no-provider\"] }
rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }
rustls-platform-verifier = \"0.7\"
serde = { version = \"1\", features = [\"derive\"] }
$tokio_dep" "$raw_main"

declare -A wall cpu
# BUILD_COST_ORDER changes the order, to interleave repeated runs, or leaves
# apps out (app_kataven is needed for the shares).
for app in ${BUILD_COST_ORDER:-app_raw app_kataven_notls app_kataven app_kataven_prebuilt}; do
    (
        cd "$work/$app"
        # Wall and CPU (user + sys) seconds: CPU time is the steadier
        # figure when other work shares the cores.
        CARGO_TARGET_DIR="$work/target-$app" /usr/bin/time -f '%e %U %S' -o "$work/$app.time" \
            cargo build --offline --timings >"$work/$app.log" 2>&1 || {
            echo "build of $app failed:"; tail -20 "$work/$app.log"; exit 1
        }
        read -r e u s <"$work/$app.time"
        python3 -c "print(f'{$e:.1f} {$u + $s:.1f}')" >"$work/$app.result"
    )
    read -r w c <"$work/$app.result"
    wall[$app]=$w; cpu[$app]=$c
    echo "$app: ${w} s wall, ${c} s CPU, $(grep -c ' Compiling ' "$work/$app.log") crates compiled"
done

# The crates only kataven's build script needs: those in the subtree under
# kataven's own [build-dependencies] and nowhere else in its tree (so ring's
# build-dependency `cc` counts as TLS, not codegen). Their compile time comes
# from --timings.
(cd "$work/app_kataven" && cargo tree --offline -e normal,build --no-dedupe -p kataven) >"$work/tree.txt"
# The TLS-only crates: in kataven's tree with default features, not without.
(cd "$root" && cargo tree --offline -e normal,build --prefix none -p kataven) >"$work/tree_default.txt"
(cd "$root" && cargo tree --offline -e normal,build --prefix none -p kataven --no-default-features --features codegen) >"$work/tree_notls.txt"
cp "$work/target-app_kataven/cargo-timings/cargo-timing.html" "${TMPDIR:-/tmp}/kataven-build-cost-timing.html"
python3 - "$work" "${wall[app_raw]:-0}" "${wall[app_kataven_notls]:-0}" "${wall[app_kataven]}" \
    "${cpu[app_raw]:-0}" "${cpu[app_kataven_notls]:-0}" "${cpu[app_kataven]}" \
    "${wall[app_kataven_prebuilt]:-0}" "${cpu[app_kataven_prebuilt]:-0}" <<'PY'
import json, re, sys, glob
work, raw, notls, sdk, craw, cnotls, csdk, pre, cpre = sys.argv[1], *map(float, sys.argv[2:])
# BUILD_COST_ORDER may leave apps out; their rows then show 0.
raw, craw = raw or float("nan"), craw or float("nan")
build, runtime, section = set(), set(), "normal"
for line in open(f"{work}/tree.txt").read().splitlines()[1:]:
    if line.startswith("["):
        section = line
        continue
    m = re.search(r"([A-Za-z0-9_-]+) v(\S+)", line)
    if not m or line.lstrip(" │├└─").startswith("["):
        continue
    (build if section == "[build-dependencies]" else runtime).add(f"{m.group(1)}@{m.group(2)}")
only = build - runtime
names = lambda f: {re.sub(r" v(\S+).*", r"@\1", l.strip()) for l in open(f) if l.strip()}
tls = names(f"{work}/tree_default.txt") - names(f"{work}/tree_notls.txt")
html = open(glob.glob(f"{work}/target-app_kataven/cargo-timings/cargo-timing.html")[0]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
codegen_compile = sum(u["duration"] for u in units if f'{u["name"]}@{u["version"]}' in only)
total = sum(u["duration"] for u in units)
print()
print("| clean debug build of the tiny app | wall | vs raw | CPU (user+sys) | vs raw |")
print("|---|---:|---:|---:|---:|")
print(f"| reqwest + serde + tokio (+ rustls/ring) | {raw:.1f} s | 1.00x | {craw:.1f} s | 1.00x |")
print(f"| kataven, no TLS (`default-features = false, features = [\"codegen\"]`) | {notls:.1f} s | {notls/raw:.2f}x | {cnotls:.1f} s | {cnotls/craw:.2f}x |")
print(f"| kataven (default: rustls/ring) | {sdk:.1f} s | {sdk/raw:.2f}x | {csdk:.1f} s | {csdk/craw:.2f}x |")
if pre:
    print(f"| kataven, rustls without `codegen` (from the reviewed generated code) | {pre:.1f} s | {pre/raw:.2f}x | {cpre:.1f} s | {cpre/craw:.2f}x |")
print()
print(f"TLS share of the kataven build: {sdk - notls:.1f} s wall ({(sdk - notls) / sdk:.0%}), {csdk - cnotls:.1f} s CPU ({(csdk - cnotls) / csdk:.0%})")
tls_compile = sum(u["duration"] for u in units if f'{u["name"]}@{u["version"]}' in tls)
print(f"  by --timings: the {len(tls)} TLS-only crates take {tls_compile:.1f} s of {total:.0f} s of unit time ({tls_compile / total:.0%}):")
print("   ", ", ".join(sorted(n.split("@")[0] for n in tls)))
print(f"codegen share (kataven app, --timings; unit times add up to {total:.0f} s on 2 cores):")
print(f"  {len(only)} crates only the build script needs: {codegen_compile:.1f} s ({codegen_compile / total:.0%}):")
print("   ", ", ".join(sorted(n.split("@")[0] for n in only)))
for u in units:
    if u["name"] == "kataven":
        print(f"  kataven{u.get('target', '')}: {u['duration']:.1f} s")
script = sum(u["duration"] for u in units if u["name"] == "kataven" and "build-script" in u.get("target", "").replace(" ", "-"))
print(f"  codegen in all (those crates + compiling and running build.rs): {codegen_compile + script:.1f} s ({(codegen_compile + script) / total:.0%})")
pre_html = glob.glob(f"{work}/target-app_kataven_prebuilt/cargo-timings/cargo-timing.html")
if pre_html:
    pre_units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", open(pre_html[0]).read(), re.S).group(1))
    pre_total = sum(u["duration"] for u in pre_units)
    pre_codegen = sum(u["duration"] for u in pre_units if f'{u["name"]}@{u["version"]}' in only)
    pre_script = sum(u["duration"] for u in pre_units if u["name"] == "kataven" and "build-script" in u.get("target", "").replace(" ", "-"))
    print(f"without `codegen` (rustls): {len(pre_units)} units, {pre_total:.0f} s of unit time; codegen crates {pre_codegen:.1f} s, build.rs (compile + run: copies the reviewed code) {pre_script:.1f} s ({(pre_codegen + pre_script) / pre_total:.0%})")
PY
exit $fail
