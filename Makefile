# Two commands a newcomer needs: `make serve` and `make test`.
# Both create .venv and install into it on first use.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install serve test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# CPU torch first, or sentence-transformers pulls the CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[local,dev,postgres]"
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/persona-memory serve --demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/persona-memory bench retrieval

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
