#!/usr/bin/env bash
# `make run`: prepares the database and demo data, then serves the site and a background-jobs worker in the
# foreground; Ctrl-C stops all of it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source civic/devtools/database.sh
export CIVIC_DEBUG=${CIVIC_DEBUG:-1}
py=.venv/bin/python
$py manage.py preflight
$py manage.py migrate --no-input -v 0
$py manage.py collectstatic --no-input -v 0
$py manage.py seed_demo
port=${PORT:-8000}
trap 'trap - EXIT; kill 0 2>/dev/null' EXIT INT TERM
$py manage.py db_worker --interval 0.5 &
$py -m uvicorn civic.asgi:application --host 127.0.0.1 --port "$port" --no-access-log &
echo "==> Civic is at http://127.0.0.1:$port/  (admin: http://127.0.0.1:$port/admin/)  Ctrl-C stops it."
wait -n
