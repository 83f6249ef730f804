#!/usr/bin/env bash
# Contract tests: openapi.json, the SDK and the mock Hub must agree, checked
# by third-party tools (see docs/contract-testing.md).
#
#   1. lint      Redocly CLI (strict, examples checked) + openapi-spec-validator
#   2. sdk-mock  the SDK's scenarios (tests/it/contract.rs) against `prism mock --errors`
#      sdk-dynamic  the same against `prism mock -d --seed 1 --errors` (made-up responses)
#   3. hub       schemathesis against the mock Hub process (examples/mock_hub.rs)
#   4. sdk-proxy the SDK's scenarios through `prism proxy --errors` in front of the mock Hub
#
# Prism answers an invalid request with the spec's own 4xx, so a passing test
# is not enough: the Prism steps fail on any violation (✖) or warning (⚠) in
# Prism's log. Prism serves a stricter test copy of the spec (no unknown
# fields anywhere, `Bearer` checked): see tools/contract/strict_spec.py.
#
# Needs only Rust, Node 20 + npm and Python 3.11 + pip. Installs the pinned
# tools into ignored folders (tools/contract/node_modules, .venv-contract),
# reinstalling only when their lock files change. Every server it starts is
# stopped by its process id on exit. Logs go to target/contract/.
#
# Usage: scripts/contract.sh [STEP...]   (default: all the steps, in this order)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

TOOLS=$ROOT/tools/contract
BIN=$TOOLS/node_modules/.bin
VENV=$ROOT/.venv-contract
SPEC=$ROOT/openapi.json
# Prism gets a stricter test copy: no unknown fields, `Bearer` checked
# (tools/contract/strict_spec.py says why).
STRICT_SPEC=$ROOT/target/contract/openapi.strict.json
LOGS=$ROOT/target/contract
API_KEY=sk_live_acme_test
# The mock Hub's session token (a JWT in form), for what needs a person's session.
JWT=eyJhbGciOiJub25lIn0.eyJzdWIiOiJjb250cmFjdCJ9.contract
# The scenarios: the ignored tests of tests/it/contract.rs (libtest filter).
SCENARIOS=contract::
# Outer bound for schemathesis (`--max-time` would spend its whole budget).
SCHEMATHESIS_TIMEOUT=${SCHEMATHESIS_TIMEOUT:-240}

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true SCARF_ANALYTICS=false
export NO_UPDATE_NOTIFIER=1 PIP_DISABLE_PIP_VERSION_CHECK=1 CARGO_TERM_COLOR=never
mkdir -p "$LOGS"

step() { printf '\n=== contract: %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
fail() {
    echo "contract: FAILED: $*" >&2
    exit 1
}

# --- servers, stopped by pid -------------------------------------------------
PIDS=()
stop_all() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# stop PID: stops one server started here.
stop() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local kept=() pid
    for pid in "${PIDS[@]}"; do
        [[ $pid == "$1" ]] || kept+=("$pid")
    done
    PIDS=("${kept[@]+"${kept[@]}"}")
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PID LOG: waits for a TCP connect (never an HTTP request: a
# probe of GET / would itself put a ✖ in Prism's log).
wait_port() {
    local port=$1 pid=$2 log=$3
    for _ in $(seq 1 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$log" >&2
            fail "the server on port $port exited before listening (log above)"
        fi
        sleep 0.1
    done
    cat "$log" >&2
    fail "nothing listens on port $port after 30 s (log above)"
}

# prism_gate LOG: fails on any violation or warning line in a Prism log.
prism_gate() {
    local log=$1
    if grep -qE '✖|⚠' "$log"; then
        echo "Prism logged contract violations or warnings ($log):" >&2
        grep -E '✖|⚠' "$log" | sed 's/^/  /' >&2
        return 1
    fi
    echo "Prism log clean: no ✖ or ⚠ lines ($(grep -c 'Request received' "$log" || true) requests)"
}

# --- install -------------------------------------------------------------------
install_tools() {
    step "install pinned tools"
    local stamp
    stamp=$(sha256sum "$TOOLS/package-lock.json" | cut -d' ' -f1)
    if [[ ! -x $BIN/prism || ! -x $BIN/redocly || "$(cat "$TOOLS/node_modules/.contract-stamp" 2>/dev/null)" != "$stamp" ]]; then
        npm ci --prefix "$TOOLS" --no-audit --no-fund --loglevel=error
        echo "$stamp" >"$TOOLS/node_modules/.contract-stamp"
    fi
    stamp=$(sha256sum "$TOOLS/requirements.txt" | cut -d' ' -f1)
    if [[ ! -x $VENV/bin/schemathesis || "$(cat "$VENV/.contract-stamp" 2>/dev/null)" != "$stamp" ]]; then
        rm -rf "$VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --no-deps --require-virtualenv -r "$TOOLS/requirements.txt"
        "$VENV/bin/pip" check
        echo "$stamp" >"$VENV/.contract-stamp"
    fi
    echo "prism $("$BIN/prism" --version), redocly $("$BIN/redocly" --version 2>/dev/null)," \
        "$("$VENV/bin/schemathesis" --version), openapi-spec-validator $("$VENV/bin/pip" show openapi-spec-validator | sed -n 's/^Version: //p')"
}

build() {
    step "build the scenarios and the mock Hub"
    cargo build --all-features --example mock_hub
    # The scenarios run from this binary, so nothing compiles while a server
    # waits (and the steps time only themselves). They are the ignored tests
    # of its `contract` module.
    SCENARIOS_BIN=$(cargo test --all-features --test it --no-run --message-format=json |
        python3 -c 'import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg.get("executable") and msg["target"]["name"] == "it":
        print(msg["executable"])')
    [[ -x $SCENARIOS_BIN ]] || fail "no integration test binary (got \`$SCENARIOS_BIN\`)"
    # A filter that matches nothing would pass every step.
    local count
    count=$("$SCENARIOS_BIN" --ignored --list "$SCENARIOS" | grep -c ': test$' || true)
    [[ $count -gt 0 ]] || fail "no ignored tests match \`$SCENARIOS\` in $SCENARIOS_BIN"
    # And without a server they must fail, never pass silently.
    if env -u PRISM_URL "$SCENARIOS_BIN" --ignored "$SCENARIOS" >"$LOGS/scenarios-without-prism.log" 2>&1; then
        fail "the contract scenarios pass without PRISM_URL (log: $LOGS/scenarios-without-prism.log)"
    fi
    echo "$count contract scenarios; without PRISM_URL they fail, as they must"
    local target
    target=$(cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    HUB_BIN=$target/debug/examples/mock_hub
    [[ -x $HUB_BIN ]] || fail "no mock_hub binary at $HUB_BIN"
    python3 "$TOOLS/strict_spec.py" "$SPEC" "$STRICT_SPEC"
}

# start_hub PORT LOG: starts the mock Hub process; sets HUB_PID.
start_hub() {
    "$HUB_BIN" --port "$1" --api-key "$API_KEY" --jwt "$JWT" >"$2" 2>&1 &
    HUB_PID=$!
    PIDS+=("$HUB_PID")
    wait_port "$1" "$HUB_PID" "$2"
}

# run_scenarios MODE URL: the SDK's scenarios against Prism.
run_scenarios() {
    PRISM_URL=$2 PRISM_MODE=$1 CONTRACT_API_KEY=$API_KEY CONTRACT_JWT=$JWT "$SCENARIOS_BIN" --ignored --test-threads=2 "$SCENARIOS"
}

# --- steps ---------------------------------------------------------------------
lint() {
    step "lint: Redocly CLI"
    "$BIN/redocly" lint --config "$TOOLS/redocly.yaml" --format=stylish "$SPEC" 2>"$LOGS/redocly.stderr" ||
        { cat "$LOGS/redocly.stderr" >&2; fail "Redocly lint"; }
    step "lint: openapi-spec-validator"
    "$VENV/bin/openapi-spec-validator" "$SPEC" || fail "openapi-spec-validator"
}

# sdk_mock MODE: mock serves the spec's examples; dynamic makes responses up
# from the schemas (seeded), which the SDK must decode too.
sdk_mock() {
    local mode=$1 port log=$LOGS/prism-$1.log pid rc=0 extra=()
    [[ $mode == dynamic ]] && extra=(-d --seed 1)
    step "SDK scenarios against prism mock --errors ${extra[*]-}"
    port=$(free_port)
    "$BIN/prism" mock --errors "${extra[@]+"${extra[@]}"}" -h 127.0.0.1 -p "$port" "$STRICT_SPEC" >"$log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_port "$port" "$pid" "$log"
    run_scenarios "$mode" "http://127.0.0.1:$port" || rc=$?
    sleep 0.3 # let Prism flush its log
    stop "$pid"
    prism_gate "$log" || rc=1
    [[ $rc == 0 ]] || fail "SDK scenarios against prism mock, $mode (log: $log)"
}

hub() {
    step "mock Hub against schemathesis"
    local port log=$LOGS/mock-hub-schemathesis.log rc=0
    port=$(free_port)
    start_hub "$port" "$log"
    # Run from the log folder, so that its caches land there; no example
    # database, so that every machine runs the same seeded cases.
    (cd "$LOGS" && timeout --kill-after=10 "$SCHEMATHESIS_TIMEOUT" \
        "$VENV/bin/schemathesis" run "$SPEC" \
        --url "http://127.0.0.1:$port" \
        --header "Authorization: Bearer $API_KEY" \
        --checks all \
        --max-examples 20 --seed 1 \
        --request-timeout 5 \
        --no-color \
        --generation-database none \
        --report junit --report-dir "$LOGS/schemathesis") || rc=$?
    # API keys again, signed in as a person: with the API key, create, update
    # and delete are refused (403, declared), so their success paths need
    # the session.
    if [[ $rc == 0 ]]; then
        (cd "$LOGS" && timeout --kill-after=10 "$SCHEMATHESIS_TIMEOUT" \
            "$VENV/bin/schemathesis" run "$SPEC" \
            --url "http://127.0.0.1:$port" \
            --include-tag "API Keys" \
            --header "Authorization: Bearer $JWT" \
            --header "X-Account-ID: acme" \
            --checks all \
            --max-examples 20 --seed 1 \
            --request-timeout 5 \
            --no-color \
            --generation-database none \
            --report junit --report-dir "$LOGS/schemathesis-session") || rc=$?
    fi
    stop "$HUB_PID"
    [[ $rc == 124 || $rc == 137 ]] && fail "schemathesis ran past ${SCHEMATHESIS_TIMEOUT}s"
    [[ $rc == 0 ]] || fail "schemathesis found disagreements between the mock Hub and openapi.json"
}

sdk_proxy() {
    step "SDK scenarios through prism proxy --errors in front of the mock Hub"
    local hub_port port log=$LOGS/prism-proxy.log pid rc=0
    hub_port=$(free_port)
    start_hub "$hub_port" "$LOGS/mock-hub-proxy.log"
    port=$(free_port)
    "$BIN/prism" proxy --errors -h 127.0.0.1 -p "$port" "$STRICT_SPEC" "http://127.0.0.1:$hub_port" >"$log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_port "$port" "$pid" "$log"
    run_scenarios proxy "http://127.0.0.1:$port" || rc=$?
    sleep 0.3
    stop "$pid"
    stop "$HUB_PID"
    prism_gate "$log" || rc=1
    [[ $rc == 0 ]] || fail "SDK scenarios through prism proxy (log: $log)"
}

STEPS=("$@")
[[ ${#STEPS[@]} -gt 0 ]] || STEPS=(lint sdk-mock sdk-dynamic hub sdk-proxy)
started=$(date +%s)
install_tools
for s in "${STEPS[@]}"; do
    case $s in
    lint | sdk-mock | sdk-dynamic | hub | sdk-proxy) ;;
    *) fail "unknown step \`$s\` (lint, sdk-mock, sdk-dynamic, hub, sdk-proxy)" ;;
    esac
done
[[ " ${STEPS[*]} " == *" lint "* && ${#STEPS[@]} == 1 ]] || build
for s in "${STEPS[@]}"; do
    case $s in
    lint) lint ;;
    sdk-mock) sdk_mock mock ;;
    sdk-dynamic) sdk_mock dynamic ;;
    hub) hub ;;
    sdk-proxy) sdk_proxy ;;
    esac
done
step "done: ${STEPS[*]} passed in $(($(date +%s) - started)) s"
