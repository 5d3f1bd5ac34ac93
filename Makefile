# Two entry points on a fresh machine: `make plan` (offline plan of the dev stack) and `make test`.
# Both build ./venv from uv.lock (every dependency pinned with its hashes) with `uv sync --frozen`.
# uv is the one on PATH when it is the pinned version (tools/uv.txt), otherwise make installs that
# version with pip into .tools/ (hash-checked). Needs Python 3.11+ and PyPI.
# After changing a dependency in pyproject.toml: `make lock` and commit uv.lock and requirements.txt
# (the lock's runtime packages exported with their hashes, for pip: `pip install --require-hashes -r`).
PYTHON ?= python3
VENV ?= venv
PY := $(VENV)/bin/python
UV_VERSION := $(shell sed -n 's/^uv==\([0-9.]*\).*/\1/p' tools/uv.txt)
UV ?= $(if $(filter $(UV_VERSION),$(word 2,$(shell uv --version 2>/dev/null))),uv,.tools/bin/uv)
# Where uv puts the project's environment: ./venv, the directory Pulumi.yaml names.
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: plan test pytest engine-test cluster-test lint lock lock-check requirements

plan: $(VENV)/.installed
	$(PY) -m components.plan

test: lock-check lint pytest

# The engine and cluster tiers have their own targets: they need Go and minutes of build the first time.
pytest: $(VENV)/.installed
	$(PY) -m pytest -q --ignore=tests/engine --ignore=tests/cluster

# The real Pulumi CLI, built from Go modules into ~/.cache/arc-onboarding/engine (about 12 min cold
# on 2 cores, reused after), with stand-in plugins: tests/engine/, docs/engine-tests.md. Needs Go.
engine-test: $(VENV)/.installed
	@if command -v go >/dev/null; then bash tests/engine/build.sh; else echo "engine-test: go is not on PATH: the engine tests will be skipped"; fi
	$(PY) -m pytest -q tests/engine

# The engine tier with real clusters: etcd, the control plane, kwok, kubectl, helm and the
# kubernetes provider built from Go modules into ~/.cache/arc-onboarding/cluster (about 31 min cold
# on 2 cores, reused after), started on 127.0.0.1 per test: tests/cluster/, docs/engine-tests.md.
cluster-test: $(VENV)/.installed
	@if command -v go >/dev/null; then bash tests/engine/build.sh >/dev/null && bash tests/cluster/build.sh; else echo "cluster-test: go is not on PATH: the cluster tests will be skipped"; fi
	$(PY) -m pytest -q tests/cluster

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check
	$(VENV)/bin/ruff format --check
	$(VENV)/bin/mypy
	$(VENV)/bin/zizmor --offline --quiet .github/workflows

# The lock must match pyproject.toml (`uv sync --frozen`, here and in `pulumi install`, does not check),
# and requirements.txt the lock.
EXPORT = $(UV) export --quiet --frozen --no-dev --format requirements-txt
lock-check: | $(UV)
	$(UV) lock --check
	@$(EXPORT) | diff -u requirements.txt - || { echo "requirements.txt is not uv.lock's export: run make requirements"; exit 1; }

lock: | $(UV)
	$(UV) lock
	$(EXPORT) >requirements.txt

requirements: | $(UV)
	$(EXPORT) >requirements.txt

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

.tools/bin/uv: tools/uv.txt
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r tools/uv.txt
	touch $@
