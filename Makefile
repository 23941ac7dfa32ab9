# twin — make targets. `make demo` and `make test` work on a fresh Debian 12 machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := postgresql-15-postgis-3 chromium chromium-driver nginx-light wrk fonts-noto-cjk
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup system python node viewer demo test lint typecheck services bench clean

setup: system python node viewer

system:  ## Debian packages: PostGIS for the test catalog, Chromium for browser tests, nginx for the serving benchmark
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

python: $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"

node:
	npm ci --prefix viewer --no-audit --no-fund
	npm ci --prefix tests/node --no-audit --no-fund

viewer:
	npm run --prefix viewer build

services:  ## make sure the machine's PostgreSQL 15 answers on 127.0.0.1:5432
	@pg_isready -h 127.0.0.1 -p 5432 -q || $(SUDO) pg_ctlcluster --skip-systemctl-redirect 15 main start
	@for i in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done; \
	 echo "PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1

demo: setup
	$(BIN)/twin --log-format text demo

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	npm run --prefix viewer typecheck

test: setup services lint
	npm test --prefix viewer
	$(BIN)/pytest -q

bench: python services
	$(BIN)/python -m bench.bench_ingest --n 20000,200000
	$(BIN)/python -m bench.bench_ifc
	$(BIN)/python -m bench.bench_review
	$(BIN)/python -m bench.bench_rays
	$(BIN)/python -m bench.bench_analysis
	$(BIN)/python -m bench.bench_pointcloud
	$(BIN)/python -m bench.bench_terrain
	$(BIN)/python -m bench.bench_serve
	$(BIN)/python -m bench.bench_overlays
	$(BIN)/python -m bench.bench_soak

clean:
	rm -rf twin-data .pytest_cache .mypy_cache .ruff_cache scene_api/static
