# Sổ Thư viện — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 2

.PHONY: run test test-fast lint test-sqlite test-postgres bench translations extract browser-deps serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

## translations: compile translations/*/LC_MESSAGES/messages.po into .mo
translations: $(VENV)/.runtime
	$(BIN)/pybabel compile --statistics -d translations 2>&1 | grep -v '^$$' || true
	@test -f translations/vi/LC_MESSAGES/messages.mo && test -f translations/en/LC_MESSAGES/messages.mo

## extract: collect new strings into messages.pot and merge them into both catalogs
extract: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs '.*' -k lazy_gettext -k _l -k _n:1,2 --sort-by-file --no-location -o translations/messages.pot .
	$(BIN)/pybabel update -N --no-wrap --ignore-obsolete -i translations/messages.pot -d translations
	$(BIN)/python tools/fill_en_catalog.py translations/en/LC_MESSAGES/messages.po

## run: set up, migrate, load demo data into an empty database, serve with gunicorn (gthread workers: gunicorn.conf.py)
run: translations
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - wsgi:app

## test: the whole suite on SQLite, then again on a throw-away PostgreSQL cluster
test: lint test-sqlite test-postgres

## lint: ruff over the code, tests and benchmarks (settings in pyproject.toml)
lint: $(VENV)/.dev
	$(BIN)/ruff check .

test-sqlite: $(VENV)/.dev translations browser-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

test-postgres: $(VENV)/.dev translations browser-deps
	tools/with-postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider tests

## test-fast: the inner loop: SQLite only, without the browser, multi-server and sweep tests (make test runs them all)
test-fast: $(VENV)/.dev translations
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser and not servers and not sweep" tests

## browser-deps: Debian's chromium for the Playwright tests (installed when missing)
browser-deps:
	@tools/ensure-debian-package.sh chromium /usr/bin/chromium

## bench: page weight, server times, a phone on Slow 3G (field.py), the province roll-up (1x and 10x history), every page per role, load under gunicorn + wrk, the cost of every page kind (page_cost.py), and the whole country on PostgreSQL (national.py)
bench: $(VENV)/.dev translations
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/equipment.py
	$(BIN)/python bench/visits.py
	$(BIN)/python bench/training.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/field.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/page_cost.py
	$(BIN)/python bench/national.py

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo
