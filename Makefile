# Solar smart bench: firmware, host tools and tests. `make help` lists the targets; CI runs
# `make test` (.ci/run), which is setup + lint + typecheck + mpy + pytest.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_TRACE := tests/traces/park-summer-day.jsonl
# Each board, checked against its port's stubs: BOARD_PORTS holds board:port pairs.
BOARD_PORTS := esp32-rak3172:esp32 esp32-wifi:esp32 rp2040-rak3172:rp2

.PHONY: help setup demo test lint typecheck mpy pytest bench energy firmware size docs fuzz soak reliability clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): .ci/setup-venv host_tools/requirements.txt host_tools/requirements-stubs.txt host_tools/pyproject.toml host_tools/codec/acorn-version
	@bash .ci/setup-venv "$(PYTHON)" "$(VENV)"
	@touch $@

setup: $(STAMP) ## Create .venv with the pinned tools, MicroPython and the stubs

demo: $(STAMP) ## Run the bench firmware on a simulated bench from a bundled trace
	$(BIN)/benchctl replay $(DEMO_TRACE) --out out/demo --console

test: $(STAMP) lint typecheck mpy pytest ## Everything CI checks

lint: $(STAMP) ## ruff over firmware, boards, host tools and tests
	$(BIN)/ruff check firmware boards host_tools tests

typecheck: $(STAMP) ## mypy: firmware, main.py and each board's wiring against its port's stubs
	@for pair in $(BOARD_PORTS); do \
	  board=$${pair%%:*}; port=$${pair##*:}; \
	  echo "mypy: $$board ($$port stubs)"; \
	  MYPYPATH=firmware:boards/common:boards/$$board:$(VENV)/stubs/$$port $(BIN)/mypy --config-file mypy.ini \
	    --custom-typeshed-dir $(VENV)/stubs/$$port firmware/bench firmware/drivers firmware/main.py \
	    boards/common/wiring.py boards/$$board/board.py || exit 1; \
	done

mpy: $(STAMP) ## Compile every firmware and board file with mpy-cross
	$(BIN)/python -m benchctl.mpy firmware boards

pytest: $(STAMP) ## The test suite (pytest + hypothesis, every engine), and the bundled traces against their expectations
	$(BIN)/pytest -q tests --bench-traces tests/traces

bench: $(STAMP) ## Benchmarks: telemetry, flashing, occupancy against ground truth, energy (December and a year), replay speed on every engine and a fleet, per-sample costs, MicroPython heap, board RAM (32-bit)
	$(BIN)/python -m benchctl.figures.benchmarks

firmware: $(STAMP) ## The firmware frozen into an image: make firmware BOARD=esp32-rak3172 PORT_BOARD=ESP32_GENERIC MICROPYTHON=DIR (the port's toolchain; docs/boards.md)
	$(BIN)/python -m benchctl.flash.freeze $(BOARD) --port-board $(PORT_BOARD) --micropython $(MICROPYTHON)

energy: $(STAMP) ## The energy benchmark alone: December, a year, ten winters against the perfect-foresight bound (about 30 min)
	$(BIN)/python -m benchctl.figures.energy

size: $(STAMP) ## Panel, battery and heater for a Smiltene winter (benchctl size), table and plot in build/bench/energy/size
	$(BIN)/benchctl size

docs: $(STAMP) ## Write the docs' output excerpts again by running them on virtual boards (a test compares them)
	$(BIN)/python -m benchctl.excerpts

fuzz: $(STAMP) ## The fuzz suite (property tests over every parser), run longer than in `make test`
	set -o pipefail; HYPOTHESIS_PROFILE=long $(BIN)/pytest -q -m fuzz --hypothesis-show-statistics tests | grep -E "passing|passed|failed"

soak: $(STAMP) ## A seeded year of faults of every kind, replayed under MicroPython (about 10 min)
	$(BIN)/python -m benchctl.figures.soak 365

reliability: $(STAMP) ## The reliability report: fault matrix, the year's soak, fuzz; a table for the README
	$(BIN)/python -m benchctl.figures.reliability 365

clean: ## Remove .venv and outputs
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
