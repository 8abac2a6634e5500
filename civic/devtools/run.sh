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
# The demo town talks to a local LINE simulator instead of LINE's servers (no internet needed).
sim_port=${LINE_SIMULATOR_PORT:-8901}
sim_secret=demo-channel-secret
$py manage.py set_line_channel sakuragawa --secret "$sim_secret" --token demo-access-token \
  --api-base "http://127.0.0.1:$sim_port" >/dev/null
trap 'trap - EXIT; kill 0 2>/dev/null' EXIT INT TERM
$py manage.py db_worker --interval 0.5 &
$py manage.py line_simulator --port "$sim_port" --secret "$sim_secret" \
  --webhook "http://127.0.0.1:$port/line/sakuragawa/webhook" >/dev/null &
$py -m uvicorn civic.asgi:application --host 127.0.0.1 --port "$port" --no-access-log &
echo "==> Civic is at http://127.0.0.1:$port/  (admin: http://127.0.0.1:$port/admin/)"
echo "==> Chat with the town's LINE bot at http://127.0.0.1:$sim_port/  Ctrl-C stops it all."
wait -n
