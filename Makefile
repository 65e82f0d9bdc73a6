# nhvflow: two commands for a newcomer (see README.md).
#   make demo   set up .venv and run the demo on demo.sqlite
#   make test   set up .venv and run ruff, mypy --strict (src, benchmarks) and pytest
#   make docs   regenerate docs/process.md, docs/rules.md and the README's diagram
#   make bench  set up .venv and print the benchmarks (ratios against baselines; see benchmarks/README.md)

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit bench docs clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/pilot_proposals.py demo.sqlite

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict src
	$(BIN)/mypy --strict benchmarks

unit: $(STAMP)
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
		echo "note: PostgreSQL (pg_ctl) not found: the PostgreSQL store tests will be skipped" \
		"(apt-get install postgresql to run them)"
	$(BIN)/pytest

test: lint typecheck unit

docs: $(STAMP)
	$(BIN)/python -m nhvflow._docs .

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) demo.sqlite demo.sqlite-wal demo.sqlite-shm .pytest_cache .mypy_cache .ruff_cache
