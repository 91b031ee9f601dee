# Two commands from a fresh clone: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_VERSION := $(shell ls /etc/postgresql 2>/dev/null | head -n 1)

.PHONY: run test install system-deps services migrate clean bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Serve the app with demo data on SQLite at http://127.0.0.1:5000, with the outbox worker running.
run: install system-deps
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "Serving on http://127.0.0.1:5000 — sign in as admin@example.org / demo-pass-2026"
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port 5000

## Debian packages: Chromium for the browser journeys, Pango for WeasyPrint's PDFs, poppler-utils
## (pdfinfo) for the test that the issued PDF is tagged.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! ldconfig -p | grep -q libpangoft2-1.0 || ! [ -x /usr/bin/pdfinfo ]; then \
	  echo "Installing Debian packages: chromium, pango (for PDF packs), poppler-utils (to check them)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-liberation \
	    libpango-1.0-0 libpangoft2-1.0-0 poppler-utils >/dev/null; \
	fi

## With CI set, PostgreSQL must be reachable: start the local cluster if it is down.
services:
	@if [ -n "$$CI" ] && [ -z "$$TEST_POSTGRES_URL" ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  echo "Starting PostgreSQL $(PG_VERSION)"; \
	  $(SUDO) pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main start || true; \
	fi

## node, when present, gets ical.js (tests/js) to read the calendar feeds as Thunderbird does.
test: install system-deps services
	@if command -v npm >/dev/null && [ ! -d tests/js/node_modules ]; then \
	  echo "Installing ical.js for the calendar feed tests"; npm ci --prefix tests/js --no-audit --no-fund --silent; \
	fi
	$(PY) -m pytest

migrate: install
	$(FLASK) db upgrade

## Load the pages of a large generated association (bench/generate.py) with wrk against gunicorn
## -w 2, on SQLite and on PostgreSQL; tables in bench/results/. BENCH_SEED picks the data (42).
bench: install
	@command -v wrk >/dev/null || { echo "Installing wrk"; $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	@PYTHONPATH=bench/data/tools $(PY) -c "import pyinstrument" 2>/dev/null || \
	  $(VENV)/bin/pip install -q --target bench/data/tools pyinstrument
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $(SUDO) pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main start
	$(PY) bench/run.py --engine sqlite --seed $${BENCH_SEED:-42}
	$(PY) bench/run.py --engine postgresql --seed $${BENCH_SEED:-42}

clean:
	rm -rf $(VENV) instance .pytest_cache tests/js/node_modules
