# The two entry points of the README: `make run` and `make test`. Both build .venv at the
# repository root from the pinned requirements, so a fresh machine needs only Python 3.11.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test install install-dev migrate seed bench bench-compare clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo "Serving the hub on http://$(HOST):$(PORT)/ (log in with the demo credentials printed above)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(PY) bench/scim_latency.py

# Side by side against stock django-scim2 0.23.0 (bench/compare.py; COMPARE_ARGS="--database postgres").
bench-compare: install-dev
	$(PY) bench/compare.py $(COMPARE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
