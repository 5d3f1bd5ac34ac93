# Two entry points on a fresh machine: `make plan` (offline plan of the dev stack) and `make test`.
PYTHON ?= python3
VENV ?= venv
PY := $(VENV)/bin/python

.PHONY: plan test
plan: $(VENV)/.installed
	$(PY) -m components.plan

test: $(VENV)/.installed
	$(PY) -m pytest -q

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@
