# Tend: `make run` to try it, `make test` to check it. Both set up everything they need.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app
LOCALES := fr_CA

.PHONY: run test setup install lock audit assets catalogs migrate seed lint format extract bench trials screenshots clean

# The web app and the worker that delivers alerts and reminders, together (Procfile.dev);
# Ctrl-C stops both. Links in messages point at this server unless BASE_URL says otherwise.
run: setup migrate seed
	@echo "Tend is at http://127.0.0.1:$(PORT)"
	BASE_URL="$${BASE_URL:-http://127.0.0.1:$(PORT)}" $(BIN)/honcho start --procfile Procfile.dev --port $(PORT)

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

setup: install assets catalogs

# Every dependency, the dev extra's too, at the version and file hashes requirements.lock
# names: nothing unpinned or altered is installed. Tend itself goes in without dependencies,
# so pip check then fails if pyproject.toml asks for something the lock lacks (run make lock).
# Reinstall only when the lock or pyproject.toml changes, so a second `make run` is quick.
LOCK := requirements.lock
install: $(VENV)/.stamp-install
$(VENV)/.stamp-install: $(LOCK) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	@touch $@

# Rewrite the lock from pyproject.toml (the dev extra included): versions already locked stay
# as they are, new or changed requirements are resolved and hashed. After a merge that adds
# dependencies, `make lock` and commit requirements.lock. `make lock UPGRADE=1` moves every
# package to the newest version pyproject.toml allows. Resolved against the public index
# alone (no local pip configuration), so the hashes are those every machine downloads.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'pip-tools>=7.4,<8'
	env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
		$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev --strip-extras \
		--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade) \
		--output-file $(LOCK) pyproject.toml

# Known vulnerabilities in the locked versions, looked up over the network in the package
# index's advisory data. --strict: a package it could not look up fails the audit instead of
# being skipped, so "no known vulnerabilities" is said only of a complete check.
audit: install
	$(BIN)/pip-audit --strict --require-hashes --disable-pip -r $(LOCK)

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

# Fault trials (trials/README.md): races, concurrency, SIGKILLs and outages over loopback, on
# SQLite and, when TEST_DATABASE_URL is set, on that PostgreSQL database (wiped). Not in
# `make test`: about seven minutes per database. Exits 1 if an acknowledged save was lost.
trials: setup
	$(BIN)/python -m trials.run $(TRIALS_ARGS)

# The key screens at 320, 390 and 1280 px in English and French, on a fresh demo database,
# into screenshots/ (not committed); README=1 also refreshes the README's four.
screenshots: setup
	$(BIN)/python -m scripts.screenshots $(if $(README),--readme)

clean:
	rm -rf $(VENV) node_modules static/vendor instance/*.sqlite3*
