# Two entry points on a fresh machine: `make plan` (offline plan of the dev stack) and `make test`.
PYTHON ?= python3
VENV ?= venv
PY := $(VENV)/bin/python

.PHONY: plan test engine-test
plan: $(VENV)/.installed
	$(PY) -m components.plan

test: $(VENV)/.installed
	$(PY) -m pytest -q --ignore=tests/engine

# The real Pulumi engine, built from Go modules into ~/.cache/arc-onboarding/engine (minutes when
# cold, reused after), with stand-in plugins: tests/engine/, docs/engine-tests.md. Needs Go.
engine-test: $(VENV)/.installed
	@if command -v go >/dev/null; then bash tests/engine/build.sh; else echo "engine-test: go is not on PATH: the engine tests will be skipped"; fi
	$(PY) -m pytest -q tests/engine

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@
