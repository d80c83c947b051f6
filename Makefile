# Two commands for a newcomer (see README):
#   make serve   -> creates .venv, installs hpnmr, serves the dashboard on data/example
#   make test    -> creates .venv, installs hpnmr with its test tools, runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5006

.PHONY: serve test lint benchmark fuzz wheel-check clean demo-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

serve: $(VENV)/.installed
	$(BIN)/hpnmr serve data/example --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/ruff check analysis dashboard tests
	$(BIN)/python -m pytest $(PYTEST_ARGS)

benchmark: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python -m pytest -m benchmark tests/benchmarks -s

fuzz: $(VENV)/.installed
	$(BIN)/python -m pytest -m slow -s

# build the wheel, install it into a fresh environment and run it outside the checkout
wheel-check: $(VENV)/.installed
	$(BIN)/python -m pytest -m slow tests/test_packaging.py

demo-data: $(VENV)/.installed
	$(BIN)/hpnmr demo-data data/example

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
