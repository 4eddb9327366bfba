# KuaiCRM developer entry points. Everything runs from the project's .venv (scripts/bootstrap.sh).
#
#   make run      set up, create site `default` if needed, migrate, collect (and compress) static
#                 files, load demo data, serve on :8000
#   make test     lint + type check + migration/system checks + pytest -n 2 on site `test` (SQLite),
#                 the desk's browser tests in headless Chromium included (scripts/browser.sh)
#   make lint     ruff check, ruff format --check, mypy
#   make format   ruff format + ruff check --fix
#   make bench    python bench/run_all.py (site `bench`)
#   make clean    caches and generated artefacts; `make distclean` also drops .venv and node_modules
#
# Overridable: SITE=default PORT=8000 TEST_SITE=test BENCH_SITE=bench PYTEST_WORKERS=2

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# The recipes depend on each other's order (bootstrap first); never run them in parallel.
.NOTPARALLEL:

VENV       := .venv
BIN        := $(VENV)/bin
KUAICRM    := $(BIN)/kuaicrm
PYTHON     := $(BIN)/python

SITE           ?= default
PORT           ?= 8000
TEST_SITE      ?= test
BENCH_SITE     ?= bench
PYTEST_WORKERS ?= 2

.PHONY: help bootstrap browser run test lint format typecheck bench clean distclean \
        services-start services-stop site-test

help:
	@sed -n '3,12p' Makefile | sed 's/^# \{0,1\}//'

bootstrap:
	scripts/bootstrap.sh

# Debian's Chromium and CJK fonts for tests/browser (apt-get only what is missing).
browser:
	scripts/browser.sh install

# ---------------------------------------------------------------- run
run: export KUAICRM_SITE = $(SITE)
run: bootstrap
	@test -f sites/$(SITE)/site_config.json || $(KUAICRM) new-site $(SITE)
	$(KUAICRM) migrate
	$(KUAICRM) collectstatic --noinput --verbosity 0
	$(KUAICRM) load-demo --url http://127.0.0.1:$(PORT)/
	$(KUAICRM) start --port $(PORT)

# ---------------------------------------------------------------- checks
# The Django settings (and so the mypy django-stubs plugin) read the site config: lint and test
# run against site $(TEST_SITE), created on first use (SQLite by default).
site-test: bootstrap
	@test -f sites/$(TEST_SITE)/site_config.json || $(KUAICRM) new-site $(TEST_SITE)

lint: export KUAICRM_SITE = $(TEST_SITE)
lint: site-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy apps

typecheck: export KUAICRM_SITE = $(TEST_SITE)
typecheck: site-test
	$(BIN)/mypy apps

format: bootstrap
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: export KUAICRM_SITE = $(TEST_SITE)
test: lint browser
	$(KUAICRM) makemigrations --check --dry-run
	$(KUAICRM) check
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# ---------------------------------------------------------------- bench
bench: export KUAICRM_SITE = $(BENCH_SITE)
bench: bootstrap
	$(PYTHON) bench/run_all.py

# ---------------------------------------------------------------- services (MariaDB + Redis, no systemd)
services-start:
	scripts/services.sh install
	scripts/services.sh start

services-stop:
	scripts/services.sh stop

# ---------------------------------------------------------------- cleanup
clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache bench/out test-artifacts build dist sites/assets
	find . -path ./.venv -prune -o -path ./node_modules -prune -o \
		\( -name __pycache__ -o -name '*.egg-info' \) -type d -print0 | xargs -0 rm -rf
	find . -path ./.venv -prune -o -path ./node_modules -prune -o -name '*.pyc' -type f -print0 \
		| xargs -0 rm -f

# Also the environments and the throw-away test/CI sites (sites/default is kept: it holds your data).
distclean: clean
	rm -rf $(VENV) node_modules sites/$(TEST_SITE) sites/ci-mariadb
