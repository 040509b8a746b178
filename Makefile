VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint

$(STAMP): pyproject.toml scripts/bootstrap.sh
	VENV=$(VENV) ./scripts/bootstrap.sh

## The main job.
demo: $(STAMP)
	$(BIN)/gonogo demo

lint: $(STAMP)
	$(BIN)/ruff check gonogo_tui tests bench
	$(BIN)/ruff format --check gonogo_tui tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## The whole test suite: lint, types, import contract, then pytest.
test: lint
	$(BIN)/python -m pytest
