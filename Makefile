# Quantis: `make serve` runs the server, `make test` runs the tests.
# Both install what is missing first (a virtual environment in .venv, npm packages
# in clients/js/node_modules), so these two commands are all a fresh machine needs.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
NODE_STAMP := clients/js/node_modules/.installed
WEB_STAMP := clients/web/node_modules/.installed
BUF := clients/js/node_modules/.bin/buf

.PHONY: install serve js web test lint proto proto-check bench bench-accuracy reliability clean

install: $(STAMP) $(NODE_STAMP)

# torch is installed first and alone, pinned, so that nothing later resolves a
# different (CUDA) build; on this project's machines 2.13.0 is a CPU wheel on disk.
$(STAMP): pyproject.toml clients/python/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e ./clients/python -e '.[dev]'
	# Envoy's data-plane protos, for the envoy.yaml schema test: kept out of the environment
	# because the package ships its own `opentelemetry` modules over the SDK's.
	$(PIP) install --quiet --no-deps --upgrade --target $(VENV)/xds-protos xds-protos==1.85.0
	touch $@

# `npm install --no-save` installs exactly what the lock file pins, like `npm ci`, but
# tolerates the lock's missing entries for other platforms' optional buf binaries.
$(NODE_STAMP): clients/js/package.json clients/js/package-lock.json
	cd clients/js && npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

serve: $(STAMP)
	$(VENV)/bin/quantis serve

# The JS SDK (clients/js/dist, by tsc; not committed). The Node SDK test builds it as well.
js: $(NODE_STAMP)
	cd clients/js && npm run --silent build

$(WEB_STAMP): clients/web/package.json clients/web/package-lock.json
	cd clients/web && npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

# The dashboard (clients/web/dist, by tsc and esbuild; not committed), on the JS SDK it bundles.
# `quantis web` serves it at /; the browser test (tests/e2e/test_browser.py) builds it as well.
web: js $(WEB_STAMP)
	cd clients/web && npm run --silent build

proto: install
	$(PY) proto/codegen.py
	cd proto && ../$(BUF) lint

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy server training model_store bench proto/codegen.py clients/python/quantis

# The suite runs in TEST_WORKERS pytest-xdist processes, a test module per worker at a time (its
# module-scoped servers start once); much of its time is spent waiting on started processes.
TEST_WORKERS ?= 2

test: install lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope

# Every model type on real data, scored on the held-out final horizon (about 15 minutes;
# ACCURACY_FLAGS="--folds 3" scores three forecast origins a horizon apart instead).
bench-accuracy: $(STAMP)
	$(PY) -m bench.accuracy $(ACCURACY_FLAGS)

# The serving benchmark (a few minutes; BENCH_FLAGS=--quick for a smoke run). It makes
# MLServer's own virtual environment under var/bench/ on first use.
bench: $(STAMP)
	$(PY) -m bench.serving $(BENCH_FLAGS)

# The reliability suite (about 10 minutes: 3 min of load, the faults, bad input for
# every RPC), ending with a table of each scenario's figures; RELIABILITY_FLAGS=--quick for CI lengths.
reliability: $(STAMP)
	$(PY) -m tests.reliability $(RELIABILITY_FLAGS)

clean:
	rm -rf $(VENV) clients/js/node_modules clients/js/dist clients/web/node_modules clients/web/dist build var
