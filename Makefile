# Two commands a newcomer needs: `make serve` and `make test`.
# Both create .venv and install into it on first use.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install browser serve test lint typecheck unit fuzz bench screenshots docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# CPU torch first, or sentence-transformers pulls the CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[local,dev,postgres,ner,presidio]"
	touch $(STAMP)

install: $(STAMP)

# The system Chromium the admin UI tests drive (installed when missing).
browser:
	sh scripts/ensure_chromium.sh

# The demo data goes into a database of its own (docs/configuration.md), never
# yours; `persona-memory reset-demo` deletes it.
serve: $(STAMP)
	$(BIN)/persona-memory serve --demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# One pytest worker per core, at most four: each worker starts its own PostgreSQL
# and Chromium. TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto
unit: $(STAMP) browser
	$(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses=4

test: lint typecheck unit

# The hostile-input tests at length: many more schemathesis examples per
# operation than `make test` runs (docs/security.md).
FUZZ_EXAMPLES ?= 300
fuzz: $(STAMP)
	PERSONA_MEMORY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest \
		tests/http/test_schemathesis.py tests/http/test_every_route.py tests/http/test_hostile_input.py

bench: $(STAMP)
	$(BIN)/persona-memory bench retrieval

# The admin UI's screenshots in docs/images, embedded in docs/admin.md.
screenshots: $(STAMP) browser
	$(BIN)/python scripts/screenshots.py

# The SDK reference, generated from docstrings: open $(SDK_DOCS)/index.html.
# `Memory` and everything `persona_memory` exports, plus a page per service
# (memory.memories, memory.profiles, ...). Any warning fails the build.
SDK_DOCS ?= build/sdk
docs: $(STAMP)
	$(BIN)/python -W error -m pdoc -o $(SDK_DOCS) persona_memory persona_memory.tools \
		persona_memory.core '!persona_memory\.core\.(?!.*_service$$)'

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(SDK_DOCS)
	@echo "left alone: your data, $${XDG_DATA_HOME:-$$HOME/.local/share}/persona-memory/memory.db (or PERSONA_MEMORY_DATABASE_URL), and the demo's, $${XDG_DATA_HOME:-$$HOME/.local/share}/persona-memory/demo/demo.db (persona-memory reset-demo deletes it)"
