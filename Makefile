# Two commands: `make run` starts the product, `make test` runs the whole suite.
# Both create .venv when missing and reinstall only when pyproject.toml changed.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3.10 python3; do \
	command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
	&& echo $$p && break; done)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test chat train lint typecheck bench bench-1m bench-10m browser-deps postgres-deps clean

$(PY):
	@test -n "$(PYTHON)" || { echo "Python >= 3.10 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	@touch $@

# The dev install includes the `scale` extra (ray): the Ray tests run in `make test`.
$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[dev]"
	@touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(VENV)/bin/chainlit run assistant/ui/app.py --headless --host $(HOST) --port $(PORT)

chat: $(RUN_STAMP)
	$(VENV)/bin/cvm chat

# Debian's chromium for the end-to-end browser test (installed when missing and we can).
browser-deps:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing chromium for the browser test..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium missing and cannot be installed here: the browser test will report it"; fi; }

# Debian's PostgreSQL server for the ledger's second backend (tests start their own
# cluster in a temp dir as a non-root user; nothing is started here).
postgres-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing postgresql for the PostgreSQL ledger tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else echo "postgresql missing and cannot be installed here: the PostgreSQL tests will report it"; fi; }

# The suite in one worker per core (pytest-xdist), a test file per worker at a time
# (module-level state and fixtures stay together), the longest files first
# (tests/conftest.py); TEST_WORKERS=0 runs it in-process.
TEST_WORKERS ?= auto
# mypy (~25 s of one core, most of it without a cache) runs beside pytest rather than
# before it: the workers' start-up and the tests' waits on servers and processes
# leave a core idle often enough. Its cache is kept outside the checkout (the run's
# closing check fails on any new path in it), one per checkout; its report is printed
# after the tests' and either failing fails the target.
MYPY_CACHE ?= $(HOME)/.cache/cvm-assistant-mypy/$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-12)
# Python's bytecode goes to a cache outside the checkout as well (PYTHONPYCACHEPREFIX):
# CI and this workplace set PYTHONDONTWRITEBYTECODE, so without it every process a
# test starts (~100 `cvm` commands, a dozen chat UI servers, the racing processes,
# each xdist worker) compiled the project's modules from source again.
PYCACHE ?= $(HOME)/.cache/cvm-assistant-pycache
test: $(DEV_STAMP) browser-deps postgres-deps
	$(VENV)/bin/ruff check assistant tools tests benchmarks
	$(VENV)/bin/lint-imports --no-cache
	@typed=$$(mktemp); \
	$(VENV)/bin/mypy --cache-dir "$(MYPY_CACHE)" >"$$typed" 2>&1 & mypy=$$!; \
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX="$(PYCACHE)" \
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder; tests=$$?; \
	wait $$mypy; types=$$?; echo "mypy:"; cat "$$typed"; rm -f "$$typed"; \
	exit $$(( tests ? tests : types ))

# Retrain the offline planner's intent classifier from tests/corpus (scikit-learn;
# the weights it writes are scored with numpy at run time). A test fails when the
# shipped weights were not trained on the corpus in the repo.
train: $(DEV_STAMP)
	$(PY) -m assistant.evaluation.train_intents

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check assistant tools tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

bench: $(DEV_STAMP) postgres-deps
	$(PY) -m benchmarks.decisions
	$(PY) -m benchmarks.assistant
	$(PY) -m benchmarks.planning
	$(PY) -m benchmarks.simulate
	$(PY) -m benchmarks.ledger
	$(PY) -m benchmarks.ledger_writers
	$(PY) -m benchmarks.outcomes
	$(PY) -m benchmarks.holdout
	$(PY) -m benchmarks.startup
	$(PY) -m benchmarks.base --customers 200000
	$(PY) -m benchmarks.ray_engines --customers 100000

# The customer base at 1M (and 10M: long, not in CI): generate, import (against a plain
# DuckDB copy), decide-all, chat turn, find, one customer's offline turn, peak RSS,
# each against its target.
bench-1m: $(DEV_STAMP)
	$(PY) -m benchmarks.base --customers 1000000
	$(PY) -m benchmarks.ray_engines --customers 1000000

bench-10m: $(DEV_STAMP)
	$(PY) -m benchmarks.base --customers 10000000
	$(PY) -m benchmarks.ray_engines --customers 10000000

clean:
	rm -rf $(VENV) var .files .pytest_cache
