#!/usr/bin/env bash
# `make test`: the quality gates, then the whole pytest suite against a real PostGIS database.
set -euo pipefail
cd "$(dirname "$0")/../.."
source civic/devtools/database.sh
py=.venv/bin/python
export CIVIC_DEBUG=0 CIVIC_SECRET_KEY=${CIVIC_SECRET_KEY:-test-only-secret-key}
echo "==> ruff";    .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "==> mypy";    .venv/bin/mypy .
echo "==> checks";  $py manage.py preflight && $py manage.py check --fail-level WARNING
$py manage.py makemigrations --check --dry-run >/dev/null || { echo "A model change has no migration: run makemigrations."; exit 1; }
echo "==> pytest";  exec $py -m pytest "$@"
