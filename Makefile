# Every target installs what it needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
# Debian packages the test suite needs (the browser tests drive Debian's chromium; the LDES
# tests drive the npm package ldes-client under Node; the remote publish is tested against
# Debian's Virtuoso). A package counts as present when dpkg has it or a command of its name
# exists (Node from elsewhere brings its own npm).
TEST_DEBS := chromium nodejs npm virtuoso-opensource
# Node packages the tests drive, pinned by tests/support/package-lock.json.
NODE_TEST_DEPS := tests/support/node_modules/.installed
# Debian packages the benchmark needs (Virtuoso is the peer measured side by side).
BENCH_DEBS := virtuoso-opensource

.PHONY: help venv serve build validate test lint bench bench-build bench-publish bench-writers bench-memory bench-1m soak fuzz golden clean system-test-deps system-bench-deps

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@

venv: $(BIN)/.installed ## create the virtualenv and install the project

build: venv ## build, validate and publish the bundled graph
	$(BIN)/prospectus build

validate: venv ## validate the bundled sources against the shapes
	$(BIN)/prospectus validate

serve: build ## build the bundled graph and serve it on http://$(HOST):$(PORT)/
	$(BIN)/prospectus serve --host $(HOST) --port $(PORT)

system-test-deps: ## install the Debian packages the tests need
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

system-bench-deps: ## install the Debian packages the benchmark needs
	@missing=""; for p in $(BENCH_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

lint: venv ## ruff (check and format) and mypy
	$(BIN)/ruff check graph server tests bench
	$(BIN)/ruff format --check graph server tests bench
	$(BIN)/mypy

$(NODE_TEST_DEPS): tests/support/package.json tests/support/package-lock.json | system-test-deps
	cd tests/support && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The tests run in TEST_PROCESSES processes (pytest-xdist), a test file's tests all in one of
# them (its module fixtures made once): on the 2-core machine many tests wait on a server, a
# browser or a subprocess, and two processes keep both cores busy. TEST_PROCESSES=0: one.
TEST_PROCESSES ?= 2
test: venv system-test-deps $(NODE_TEST_DEPS) ## lint and type-check, then every test (live server and browser included)
	$(BIN)/ruff check graph server tests bench
	$(BIN)/ruff format --check graph server tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile

bench: venv system-bench-deps bench-build ## benchmark over HTTP against rdflib-endpoint and Virtuoso
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.pages

# 100,000 programmes is the size issue 13's targets are set at: about an hour and 40 GB of
# disk on the 2-core machine (bench/README.md); BUILD_SIZES=1000,10000 for a quick run.
BUILD_SIZES ?= 1000,10000,100000
bench-build: venv ## the catalogue build against pyoxigraph's bulk load, 1% rebuild, peak memory
	$(BIN)/python -m bench.build --sizes $(BUILD_SIZES)

PUBLISH_SIZES ?= 1000,10000
bench-publish: venv ## publishing alone (sort, store, dumps, change record) against the bulk load, 1% republish
	$(BIN)/python -m bench.publish --sizes $(PUBLISH_SIZES)

WRITER_SIZES ?= 1000,10000
bench-writers: venv ## each writer of the build alone, main's (3fd16af) against this tree's: time, peak RSS
	$(BIN)/python -m bench.writers --sizes $(WRITER_SIZES) --reference ../shared/ref --elm-rebuild

soak: venv ## 8 clients for 10 minutes with hostile queries mixed in (docs/operations.md)
	$(BIN)/python -m bench.soak

fuzz: venv ## 10,000 generated and mutated queries against a live server (docs/operations.md)
	$(BIN)/python -m bench.fuzz --queries 10000

bench-memory: venv ## memory (PSS) and latency per process layout at 10k, 50k, 100k programmes
	$(BIN)/python -m bench.memory

# 1,000,000 programmes served from disk (issue 14 item 4). Not part of `make bench`: hours of
# work, about 35 GB of N-Quads and 50 GB of store per copy (bench/README.md, "1M programmes").
ONE_MILLION := 1000000
bench-1m: venv ## 1M programmes: bulk-path build, then pages (search included), lookups and the SPARQL mix served from disk
	$(BIN)/python -m bench.build --sizes $(ONE_MILLION)
	$(BIN)/python -m bench.pages --sizes $(ONE_MILLION) --force
	$(BIN)/python -m bench.memory --sizes $(ONE_MILLION) --layouts server-disk --max-gb 20

golden: venv ## regenerate the golden files under tests/golden
	$(BIN)/python -m tests.golden_regen

clean: ## remove the virtualenv and everything built
	rm -rf $(VENV) var bench/work
