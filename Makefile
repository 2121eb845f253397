# The one task runner: CI calls `make test` (via .ci/run), exactly as the README says.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint typecheck pytest lock clean

$(STAMP): pyproject.toml setup.py requirements/lock.txt tools/node/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/lock.txt -e '.[dev]'
	# Pinned Node tools for the reserves tests and demo (anvil 1.7.1 from its linux-amd64
	# package, run directly; solc-js 0.8.37).
	cd tools/node && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
	test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/solvent demo

test: install lint typecheck pytest

lint: install
	$(BIN)/ruff check src tests benchmarks

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

# Re-pin every Python dependency after a change to pyproject.toml.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/python -m pip install --quiet --disable-pip-version-check '.[dev]'
	.lockvenv/bin/python -m pip freeze --exclude-editable | grep -v '^solvent' > requirements/lock.txt
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache tools/node/node_modules
