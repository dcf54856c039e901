# make run   — set up everything and start the app on http://localhost:8501
# make lint  — ruff (style, imports) and mypy (types of services/, models/, ui/)
# make test  — set up everything (incl. Chromium) and run lint, unit, page and browser tests
# make bench — measure services and pages at district and city scale (BENCH_SCALES=district,city,province
#              adds the province; BENCH_DATABASE_URL adds PostgreSQL); writes bench/results.json

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint bench system-deps clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py init-db
	$(VENV)/bin/streamlit run server.py --server.headless true --server.port $(PORT)

# Debian's Chromium and CJK fonts for the browser tests (installed as root when missing).
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "need root to install chromium and fonts-noto-cjk (sudo make system-deps)"; exit 1; \
		fi; \
	fi

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(VENV)/.dev-installed system-deps lint
	TEST_DB=sqlite $(VENV)/bin/pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== database tests again on PostgreSQL: $$TEST_DATABASE_URL"; \
		TEST_DB=postgres $(VENV)/bin/pytest -q -p no:cacheprovider tests/unit tests/pages; \
	fi

bench: $(VENV)/.dev-installed
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) data tests/artifacts
