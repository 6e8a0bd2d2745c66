# Developer shortcuts; the README's two commands work without make.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run test test-pg lint fmt typecheck check bench

$(VENV)/bin/activate:
	python3 -m venv $(VENV)

install: $(VENV)/bin/activate
	$(VENV)/bin/pip install -q -e '.[dev]'

run: install
	$(VENV)/bin/xentree serve

test: install
	$(VENV)/bin/pytest

test-pg: install
	XENTREE_TEST_DATABASE_URL=$(PG_URL) XENTREE_TEST_REDIS_URL=$(REDIS_URL) $(VENV)/bin/pytest

lint:
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

typecheck:
	$(VENV)/bin/mypy

check:
	bash .ci/run

bench: install
	$(PY) bench/bench_auth.py
