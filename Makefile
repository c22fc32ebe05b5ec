# The two set-up commands (README): `make run` builds the environment and runs the main job;
# `make test` runs the whole local check, the same one CI runs (.ci/run).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# grlc, for tests/test_grlc.py: in a venv of its own, as it pins its own rdflib and Flask.
GRLC_VENV := .venv-grlc
GRLC := grlc==1.3.11

.PHONY: run test lint format clean

run: $(VENV)/.installed
	$(BIN)/kg validate
	$(BIN)/kg query books --format table

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(GRLC_VENV)/.installed:
	$(PYTHON) -m venv $(GRLC_VENV)
	$(GRLC_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(GRLC_VENV)/bin/python -m pip install --quiet '$(GRLC)'
	touch $@

clean:
	rm -rf $(VENV) $(GRLC_VENV) build dist *.egg-info .pytest_cache .ruff_cache
