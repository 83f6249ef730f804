#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one command.
#
#   scripts/bench.sh           full: SDK vs raw vs Python (~2 min after the
#                              bench build), then the build cost with three
#                              clean builds (~5 min)
#   scripts/bench.sh --quick   smoke: the same code paths for a few seconds,
#                              build cost without the clean builds
#   scripts/bench.sh --no-python ...   skip the Python venv and httpx runs
#
# Python: benches/python/setup.sh makes .venv-bench (git-ignored) with the
# pinned httpx from PyPI; the bench starts it against its own server.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
quick=() python=yes
for arg in "$@"; do
    case "$arg" in
        --quick) quick=(--quick) ;;
        --no-python) python=no ;;
        *) echo "unknown argument $arg" >&2; exit 2 ;;
    esac
done
py_args=()
if [ "$python" = yes ]; then
    py_args=(--python "$(benches/python/setup.sh)")
fi
echo "== SDK vs raw reqwest + serde_json vs Python httpx"
cargo bench --bench sdk_vs_raw -- "${quick[@]}" "${py_args[@]}"
echo
scripts/build-cost.sh "${quick[@]}"
