#!/usr/bin/env bash
# Installs what `make run` and `make test` need and is missing; a second run only checks and changes nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages: PostGIS (brings GDAL, GEOS, PROJ), gettext for translations, Redis and Chromium for the
# browser tests (with Japanese fonts), a Japanese TrueType font and poppler for PDF letters, Node.js for
# the frontend build.
packages=(postgresql-15 postgresql-15-postgis-3 gdal-bin gettext redis-server chromium fonts-noto-cjk
  fonts-ipaexfont-gothic poppler-utils)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Python virtualenv with the pinned requirements, rebuilt when the requirement files change.
python=${PYTHON:-/usr/bin/python3}
stamp=.venv/.requirements.sha
want=$(cat requirements/*.txt | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "Installing Python requirements into .venv"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements/dev.txt
  echo "$want" > "$stamp"
fi

# Frontend bundle (esbuild from pinned npm packages), rebuilt when its sources change.
stamp=frontend/build/.sources.sha
want=$(find frontend/package.json frontend/package-lock.json frontend/src -type f -print0 | sort -z | xargs -0 cat | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "Building the frontend"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
  echo "$want" > "$stamp"
fi

# Compiled translations, rebuilt when a .po file is newer than its .mo.
for po in */locale/*/LC_MESSAGES/django.po; do
  mo=${po%.po}.mo
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then msgfmt --check -o "$mo" "$po"; fi
done
