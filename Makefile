# Earshot: `make demo` runs the whole pipeline on a sandbox shop and opens the UIs;
# `make test` runs every test. Both install what they need first.

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
TOOLS := .earshot/tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DATA := sandbox_data/demo

export UV_PYTHON := 3.11
export UV_PYTHON_DOWNLOADS := never
export DAGSTER_HOME := $(CURDIR)/.dagster
export RUNTIME__DLTHUB_TELEMETRY := false
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help install demo test test-quick lint format stop status materialize browser-deps voice-model quality bench

help:
	@echo "make demo    install, generate a sandbox shop, run the pipeline, start Dagster and Streamlit"
	@echo "make test    install and run the whole test suite"
	@echo "make test-quick  the fast tests only: no whole-pipeline or browser runs"
	@echo "make quality how well Earshot reads customers (sandbox and eval/voice_dev.jsonl)"
	@echo "make voice-model  retrain and ship the voice classifier"
	@echo "make bench   every stage timed on the S, M and L shops into docs/benchmarks.md (SCALE=S for one)"
	@echo "make lint    ruff and sqlfluff"
	@echo "make format  apply ruff's formatting and fixes"
	@echo "make stop    stop the services make demo started"

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Installed with every package's bytecode compiled: each dbt command, load and
# worker is a fresh Python process, and one that compiles dbt's or dlt's modules
# from source (as under PYTHONDONTWRITEBYTECODE) spends seconds doing it each time.
$(BIN)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

install: $(BIN)/.synced $(DAGSTER_HOME)/dagster.yaml

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp $< $@

.dlt/secrets.toml:
	cp .dlt/secrets.toml.example $@
	@echo "wrote .dlt/secrets.toml with the sandbox's credentials (edit it to point at a real shop)"

$(DEMO_DATA)/shopify/orders.jsonl: | $(BIN)/.synced
	$(BIN)/python -m sandbox generate --out $(DEMO_DATA) --seed 7 --scale S

materialize: install .dlt/secrets.toml
	$(BIN)/dagster asset materialize -m orchestration.definitions --select '*' \
		--partition $$(date -u +%F) \
		-c orchestration/run_config.yaml

demo: install .dlt/secrets.toml $(DEMO_DATA)/shopify/orders.jsonl
	$(BIN)/python -m earshot.services start sandbox --sandbox-data $(DEMO_DATA)
	$(MAKE) --no-print-directory materialize
	$(BIN)/python -m earshot.services start dagster streamlit
	@echo
	@echo "Earshot is running on the sandbox shop:"
	@echo "  Dagster UI:  http://127.0.0.1:3000"
	@echo "  Dashboards:  http://127.0.0.1:8501"
	@echo "  Sandbox API: http://127.0.0.1:8765"
	@echo "Stop them with 'make stop'."

stop:
	@$(BIN)/python -m earshot.services stop

status:
	@$(BIN)/python -m earshot.services status

# Browser tests drive Debian's Chromium; install it when it is missing (root on CI).
browser-deps:
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

# Tests run in parallel workers (pytest-xdist), one per core; tests sharing a built
# warehouse stay in one worker (see tests/conftest.py). WORKERS=0 runs them in one process.
WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist loadgroup

test: install browser-deps
	$(PYTEST)

# While working: everything but the tests that run the whole pipeline or a browser.
test-quick: install
	$(PYTEST) -m "not e2e and not browser"

# Retrain the voice classifier on the seed and earshot/voice/training/ and ship it
# (earshot/voice/model/); the sandbox's tuning texts are regenerated first and the
# encoder's top layers re-tuned when the training texts changed.
voice-model: install
	$(BIN)/python -m earshot.voice.train --sandbox-texts

# How well Earshot reads customers: the sandbox's answer key, and eval/voice_dev.jsonl
# laid into a shop (measure only). docs/quality.md records a run.
quality: install
	$(BIN)/python bench/quality_report.py

# make bench SCALE=S RUNS=1 BENCH_DOCS=/tmp/bench.md: one scale, one run per stage, elsewhere.
SCALE ?= S M L
bench: install
	@for scale in $(SCALE); do \
		$(BIN)/python bench/suite.py --scale $$scale $(if $(RUNS),--runs $(RUNS)) \
			$(if $(BENCH_DOCS),--docs $(BENCH_DOCS)) || exit 1; \
	done

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# sqlfluff compiles the models with dbt; it needs no warehouse, so give it none.
	EARSHOT_WAREHOUSE=:memory: $(BIN)/sqlfluff lint transform

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	EARSHOT_WAREHOUSE=:memory: $(BIN)/sqlfluff fix transform
