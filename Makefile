# The one task runner: CI calls `make test` (via .ci/run), exactly as the README says.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

NATIVE := src/solvent/tree/_sha256x.c

.PHONY: demo test install lint typecheck pytest lock clean native-deps screenshots

$(STAMP): pyproject.toml setup.py requirements/lock.txt tools/node/package-lock.json $(NATIVE)
	@$(MAKE) --no-print-directory native-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/lock.txt -e '.[all,dev]'
	# Pinned Node tools for the reserves tests and demo (anvil 1.7.1 from its linux-amd64
	# package, run directly; solc-js 0.8.37).
	cd tools/node && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
	test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	# A Chinese font, so that the page in Chinese is drawn with its real glyphs (layout tests, screenshots).
	fc-list :lang=zh | grep -q . || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-microhei; }
	touch $(STAMP)

install: $(STAMP)

# The native hashing extension compiles against OpenSSL's headers.  When the C compiler
# cannot find them, install Debian's libssl-dev at exactly the version of the libssl3
# already on the machine (the -dev package requires that version, and it is the one the
# machine's Debian snapshot serves).  Failure here only warns: the extension is optional,
# and the test suite then fails loudly unless SOLVENT_ALLOW_NO_NATIVE=1.
native-deps:
	@if ! printf '#include <openssl/sha.h>\n' | $${CC:-cc} -E -x c - >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    pin=$$(dpkg-query -W -f='$${Version}' libssl3 2>/dev/null); \
	    pkg="libssl-dev$${pin:+=$$pin}"; \
	    echo "OpenSSL headers missing: installing $$pkg"; \
	    apt-get install -y --no-install-recommends "$$pkg" \
	      || { apt-get update && apt-get install -y --no-install-recommends "$$pkg"; } \
	      || echo "warning: could not install $$pkg; solvent will hash with hashlib (slower)"; \
	  else \
	    echo "warning: OpenSSL headers missing and no apt-get; solvent will hash with hashlib (slower)"; \
	  fi; \
	fi

demo: install
	$(BIN)/solvent demo

test: install lint typecheck pytest

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

# Refresh the page screenshots in docs/screenshots/ (the browser tests take them).
screenshots: install
	SOLVENT_SCREENSHOTS=1 $(BIN)/pytest tests/web/test_page.py tests/web/test_page_v2.py tests/web/test_reserves_v2.py tests/web/test_page_layout.py

# Re-pin every Python dependency after a change to pyproject.toml.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/python -m pip install --quiet --disable-pip-version-check '.[all,dev]'
	.lockvenv/bin/python -m pip freeze --exclude-editable | grep -v '^solvent' > requirements/lock.txt
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) build src/*.egg-info src/solvent/tree/*.so .pytest_cache .mypy_cache .ruff_cache \
	  tools/node/node_modules
