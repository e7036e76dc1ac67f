# perceptinb developer entry points. `make lab` and `make test` work on a fresh machine with
# Python 3.10+ and Node 20.19+; every other target is a building block of those two.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.perceptinb-installed
NODE_STAMP := js/node_modules/.package-lock.json
BUNDLE := perceptinb/static/canvas.js
JS_SOURCES := $(shell find js/src -type f 2>/dev/null) js/build.mjs js/package.json

.PHONY: venv js lab test test-js test-py bench chromium lint clean

venv: $(STAMP) $(BUNDLE)

# Re-run pip only when the dependency list changes; the bundle is built first so the
# hatch build hook finds it and skips its own npm run.
$(STAMP): pyproject.toml | $(BUNDLE)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

$(NODE_STAMP): js/package.json js/package-lock.json
	cd js && npm ci --no-audit --no-fund
	touch $@

$(BUNDLE): $(NODE_STAMP) $(JS_SOURCES)
	cd js && npm run build

js: $(BUNDLE)

# JupyterLab refuses to start as root without --allow-root (containers, CI machines).
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: venv
	$(VENV)/bin/jupyter lab $(LAB_FLAGS) notebooks/01-quickstart.ipynb

# Debian's chromium drives the browser tests; install it where we are allowed to (root, apt).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium not installed and cannot install it here: browser tests will skip"; fi; }

# The JS tests include biome's lint and format check, so `make test` fails on either.
test-js: $(NODE_STAMP)
	cd js && npm run lint && npm test

# Tests marked slow (the whole model corpus, keras.applications round trips) run in `make bench`.
test-py: venv chromium
	$(PY) -m pytest -q -ra -m "not slow" tests

test: venv chromium test-js test-py

bench: venv
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) -m pytest -q -ra -m slow tests
	@for script in benchmarks/*.py; do \
	  echo "== $$script"; $(PY) $$script || exit 1; \
	done

# ruff for Python; biome (js/biome.json) formats and lints the TypeScript and CSS.
lint: venv $(NODE_STAMP)
	$(VENV)/bin/ruff check perceptinb tests benchmarks
	cd js && npm run lint

clean:
	rm -rf $(VENV) js/node_modules perceptinb/static
