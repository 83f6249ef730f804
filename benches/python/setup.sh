#!/usr/bin/env bash
# Creates .venv-bench (ignored by git) with the pinned httpx, and prints the
# path of its python. Safe to re-run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-bench"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c 'import httpx, sys; sys.exit(httpx.__version__ != "0.28.1")' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/benches/python/requirements.txt" >&2
fi
echo "$venv/bin/python"
