# The README's commands. Needs only Python 3.11+ and the package registries.
PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
BIN := .venv/bin
PACKAGES := core pubmed labels claims warehouse dashboards pipelines
# The bootstrap uv is pinned: a new uv release must not change what installs.
UV_VERSION := 0.13.9

.PHONY: install demo test lint bench clean

install: $(BIN)/.installed

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, every command would
# otherwise compile Prefect, scikit-learn and our own modules again (seconds per start).
$(BIN)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --all-groups --compile-bytecode
	$(BIN)/python -m compileall -q $(PACKAGES)
	touch $@

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

demo: install
	$(BIN)/ketamine-evidence demo

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/parse_bench.py
	$(BIN)/python bench/ingest_bench.py --compare
	$(BIN)/python bench/commands_bench.py
	$(BIN)/python bench/classify_bench.py
	$(BIN)/python bench/dashboard_bench.py

clean:
	rm -rf .venv .tools warehouse/*.duckdb warehouse/spool
