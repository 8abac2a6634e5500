# The two commands of the README, and a few more for developers.
.PHONY: run test lint bench setup messages
SHELL := /bin/bash

setup:
	@civic/devtools/setup.sh

run: setup
	@civic/devtools/run.sh

test: setup
	@civic/devtools/test.sh

lint: setup
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy .

bench: setup
	@source civic/devtools/database.sh && .venv/bin/python -m bench all

messages: setup
	@for app in civic cms reports consultations; do \
	  (cd $$app && ../.venv/bin/django-admin makemessages -l ja -l en --no-obsolete -v 0); done
