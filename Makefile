# The two entry points of the README: `make run` and `make test`. Both build .venv at the
# repository root from the pinned requirements, so a fresh machine needs only Python 3.11.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run serve test install install-dev system-deps runtime-deps migrate collectstatic seed bench bench-compare bench-scale-out bench-scale clean

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

# Debian packages the hub needs at run time: xmlsec1, which pysaml2 runs to check the
# signatures of SAML responses (single sign-on). Installed only when missing.
SYSTEM_RUNTIME_PACKAGES := xmlsec1
runtime-deps:
	@missing=""; for p in $(SYSTEM_RUNTIME_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# Debian packages the test suite needs: chromium and its driver for the browser tests
# (tests/browser). Installed only when missing, so a machine that has them pays nothing.
SYSTEM_TEST_PACKAGES := chromium chromium-driver
system-deps:
	@missing=""; for p in $(SYSTEM_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# The cache table holds the SCIM rate-limit counters (the database cache, unless REDIS_URL).
migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

collectstatic: install
	$(PY) manage.py collectstatic --noinput --verbosity 0

seed: migrate
	$(PY) manage.py seed_demo

# Development: DEBUG on (its default is off), Django's autoreloading server.
run: export DJANGO_DEBUG = 1
run: runtime-deps seed
	@echo "Serving the hub on http://$(HOST):$(PORT)/ (log in with the demo credentials printed above)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production: gunicorn (gunicorn.conf.py; HOST, PORT, WEB_CONCURRENCY) serving static files
# through WhiteNoise. Needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS; DATABASE_URL, REDIS_URL.
serve: runtime-deps migrate collectstatic
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py vxp_hub.wsgi

test: install-dev runtime-deps system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(PY) bench/scim_latency.py

# Side by side against stock django-scim2 0.23.0 (bench/compare.py; COMPARE_ARGS="--database postgres").
bench-compare: install-dev
	$(PY) bench/compare.py $(COMPARE_ARGS)

# 10,000 / 100,000 (/ 1,000,000) users: p50/p95, SQL, peak memory per request (bench/scale.py;
# SCALE_ARGS="--users 10000,100000,1000000 --database postgres --compare --json scale.json").
bench-scale: install-dev
	$(PY) bench/scale.py $(SCALE_ARGS)

# Two gunicorn processes on one database: shared rate limit, create race, SIGKILL mid-PATCH, req/s.
bench-scale-out: install-dev
	$(PY) bench/scale_out.py $(SCALE_OUT_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
