# The everyday commands. `make test` is what CI runs (via .ci/run).
PYTHON ?= python3

.PHONY: install demo test lint bench fuzz

install:
	$(PYTHON) -m pip install -q -e ".[dev]"

demo:
	$(PYTHON) -m pip install -q -e . && shopwarden demo

test: install
	$(PYTHON) -m pytest -n 2 -q

# Fuzz the API from its OpenAPI document, with more examples than CI (FUZZ_EXAMPLES=...).
FUZZ_EXAMPLES ?= 50
fuzz:
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PYTHON) tests/fuzz/run.py

lint:
	$(PYTHON) -m ruff check src tests bench
	$(PYTHON) -m ruff format --check src tests bench
	$(PYTHON) -m mypy

bench:
	$(PYTHON) bench/ledger.py
	$(PYTHON) bench/bnpl_reflag.py
	$(PYTHON) bench/score.py --orders 5000000 --merchants 100000
