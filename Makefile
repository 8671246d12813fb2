# Signal: `make run` starts everything standalone; `make test` runs the whole suite.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint format bench chaos install install-test clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Signal needs Python 3.11 or newer on PATH."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/python manage.py standalone

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest --ignore=tests/bench $(PYTEST_ARGS)

# Benchmarks print figures (ratios against a baseline measured in the same run); they
# assert nothing about speed. Needs wrk (apt-get install wrk) and Redis.
bench: install-test
	$(BIN)/python -m pytest tests/bench/test_transform_bench.py -s $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/bench/test_pipeline_bench.py -s $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/bench/test_fanout_bench.py -s $(PYTEST_ARGS)

# Load through the collection API while workers and web servers are SIGKILLed, Redis restarts
# empty, PostgreSQL stops and Mixpanel fails; prints sent/acknowledged/delivered/duplicates,
# the faults and the longest recovery (tests/chaos/run.py). `make test` runs a short mode.
CHAOS_SECONDS ?= 300
chaos: install-test
	$(BIN)/python -m tests.chaos.run --duration $(CHAOS_SECONDS) $(CHAOS_ARGS)

lint: install-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var
