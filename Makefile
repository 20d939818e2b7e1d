# Tend: `make run` to try it, `make test` to check it. Both set up everything they need.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app
LOCALES := fr_CA

.PHONY: run test setup install assets catalogs migrate seed lint format extract bench screenshots clean

# The web app and the worker that delivers alerts and reminders, together (Procfile.dev);
# Ctrl-C stops both. Links in messages point at this server unless BASE_URL says otherwise.
run: setup migrate seed
	@echo "Tend is at http://127.0.0.1:$(PORT)"
	BASE_URL="$${BASE_URL:-http://127.0.0.1:$(PORT)}" $(BIN)/honcho start --procfile Procfile.dev --port $(PORT)

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

setup: install assets catalogs

# Reinstall only when pyproject.toml changes, so a second `make run` is quick.
install: $(VENV)/.stamp-install
$(VENV)/.stamp-install: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# htmx, the fonts and the icons come from the npm registry at the versions package-lock.json
# pins; never a CDN. The fonts are subset and the icon sprite holds only the icons app/icons.py
# lists (scripts/build_assets.py). axe-core stays in node_modules: only the browser tests
# load it, never the app.
assets: static/vendor/htmx.min.js static/vendor/icons.svg
static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
static/vendor/icons.svg: static/vendor/htmx.min.js scripts/build_assets.py app/icons.py $(VENV)/.stamp-install
	$(BIN)/python scripts/build_assets.py

catalogs: install
	$(BIN)/pybabel compile -d translations

migrate: setup
	$(FLASK) db-upgrade

seed: migrate
	$(FLASK) demo-seed --if-empty

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the template from the code, then merge it into every catalog.
extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project Tend --copyright-holder "Tend contributors" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

bench: setup
	$(BIN)/python -m bench.run

# The key screens at 320, 390 and 1280 px in English and French, on a fresh demo database,
# into screenshots/ (not committed); README=1 also refreshes the README's four.
screenshots: setup
	$(BIN)/python -m scripts.screenshots $(if $(README),--readme)

clean:
	rm -rf $(VENV) node_modules static/vendor instance/*.sqlite3*
