# Two commands from a fresh clone: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_VERSION := $(shell ls /etc/postgresql 2>/dev/null | head -n 1)

.PHONY: run test lint lock install system-deps pdf-deps port-free services migrate clean bench

PORT   ?= 5000
# Exact versions of every package, generated from pyproject.toml by `make lock`: two fresh clones install the same.
LOCK   := requirements/lock.txt
PIP    := $(VENV)/bin/pip install -q --disable-pip-version-check -c $(LOCK)

# Serving needs the app's own packages; the test tools (pytest, Playwright, …) come with `make test`.
$(VENV)/.installed-serve: pyproject.toml $(LOCK)
	@echo "Setting up Python packages in $(VENV) (the first time takes a minute or two)…"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) -e .
	@touch $@

$(VENV)/.installed: pyproject.toml $(LOCK)
	@echo "Setting up Python packages and test tools in $(VENV)…"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) -e '.[dev]'
	@touch $@ $(VENV)/.installed-serve

install: $(VENV)/.installed

## Serve the app with demo data on SQLite at http://127.0.0.1:$(PORT) (PORT=5001 make run for another
## port), with the outbox worker running: one process migrates, loads the demo if the database is
## empty, sends mail from a thread and serves.
run: port-free $(VENV)/.installed-serve pdf-deps
	@$(FLASK) serve --port $(PORT)

# Refuse before any installing when another program (often a copy of the app) holds the port.
port-free:
	@$(PYTHON) -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
	  sys.exit(s.connect_ex(('127.0.0.1', $(PORT))) == 0)" || \
	  { echo "Port $(PORT) is already in use (is the app already running in another terminal?)."; \
	    echo "Stop that one, or choose another port: make run PORT=$$(( $(PORT) + 1 ))"; exit 1; }

## Debian packages: Pango for WeasyPrint's PDF packs (serving needs it).
pdf-deps:
	@if ! ldconfig -p | grep -q libpangoft2-1.0; then \
	  echo "Installing Debian packages: pango (for the PDF feedback packs)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	fi

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
test: install lint system-deps services
	@if command -v npm >/dev/null && [ ! -d tests/js/node_modules ]; then \
	  echo "Installing ical.js for the calendar feed tests"; npm ci --prefix tests/js --no-audit --no-fund --silent; \
	fi
	$(PY) -m pytest

## The gate `make test` runs first: style and import order (ruff), types (mypy on association/) and the
## layers' import contracts (import-linter). .pre-commit-config.yaml runs the same on commit.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## Refresh requirements/lock.txt from pyproject.toml (newest versions that fit the lower bounds there).
lock: install
	$(VENV)/bin/pip-compile -q --extra dev --strip-extras --upgrade --no-emit-index-url --no-emit-find-links \
	  --no-emit-trusted-host --output-file $(LOCK) pyproject.toml

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
