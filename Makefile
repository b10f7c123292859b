# Shieldwall: `make run` sets up and serves on the embedded default (SQLite);
# `make test` sets up and runs every check and test, on SQLite and on PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/shieldwall
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run serve demo test test-sqlite test-postgres lint openapi bench clean

# PyICU (the hashtag normaliser's Unicode confusables) builds from source against Debian's ICU.
ICU_PC := /usr/lib/x86_64-linux-gnu/pkgconfig/icu-uc.pc
$(ICU_PC):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libicu-dev pkg-config g++

$(BIN)/.installed: requirements.lock requirements-dev.lock pyproject.toml $(ICU_PC)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

setup: $(BIN)/.installed $(CHROMIUM)

run: setup
	$(BIN)/shieldwall demo

serve: setup
	$(BIN)/shieldwall serve

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy -p shieldwall_client
	$(BIN)/lint-imports
	MICROBLOG_HOME=$$(mktemp -d) $(BIN)/mypy --config-file src/microblog/mypy.ini -p microblog
	MICROBLOG_HOME=$$(mktemp -d) $(BIN)/python -m django makemigrations --check --dry-run --settings=microblog.settings
	$(BIN)/python -m django makemigrations --check --dry-run --settings=shieldwall.settings
	$(BIN)/python -m shieldwall.openapi --check docs/openapi.json

test-sqlite: setup
	env -u DATABASE_URL $(BIN)/pytest -q

test-postgres: setup
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

test: lint test-sqlite test-postgres

openapi: setup
	$(BIN)/python -m shieldwall.openapi docs/openapi.json

bench: setup
	$(BIN)/python -m bench --database-url $(PG_URL)_bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
