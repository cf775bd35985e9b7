# Chart to Claim. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  := medcode/store/fy2026.sqlite
ARGS   ?=
SLOW   ?= true

.DEFAULT_GOAL := help
.PHONY: help setup lab test bench data lint

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(STORE): $(VENV)/.installed medcode/data/*.py medcode/data/schema.sql source_data/synonyms.csv source_data/cpt/kit_descriptions.csv
	$(BIN)/medcode data build

setup: $(VENV)/.installed $(STORE) ## Create .venv, install, build the code-set store (quick when done)

lab: setup ## Open JupyterLab on the first lesson (on a server: make lab ARGS=--no-browser)
	$(BIN)/jupyter lab course/00-start-here.ipynb $(if $(filter 0,$(shell id -u)),--allow-root,) $(ARGS)

test: setup ## Run the whole test suite (SLOW=false skips the slow tests)
	$(BIN)/python -m pytest $(if $(filter false,$(SLOW)),-m "not slow",) $(ARGS)

bench: setup ## Time the store and search against a baseline; prints JSON
	$(BIN)/python benchmarks/bench_store.py

data: $(VENV)/.installed ## Rebuild the code-set stores from the official files
	$(BIN)/medcode data build

lint: $(VENV)/.installed ## Check style with ruff
	$(BIN)/ruff check medcode autograder tests benchmarks
