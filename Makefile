# The two commands a new user needs: `make run` and `make test`. Both create the virtual
# environment and install what they need on first use; nothing beyond Python 3.11+, git and make
# has to be installed beforehand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Re-install whenever the declared or locked dependencies change.
STAMP  := $(VENV)/.installed

.PHONY: run test lint format lock bench messages clean help backup restore

help:
	@echo "make run    run the product with embedded PostgreSQL and Redis and demo data"
	@echo "make test   run every test (and ruff) against the embedded servers"
	@echo "make lint   ruff check, format check and the import layers (lint-imports)"
	@echo "make bench run the benchmarks at quick sizes (results in bench/results/)"
	@echo "make lock   refresh requirements.lock after changing pyproject.toml"
	@echo "make messages  extract the texts (customer and staff), update and compile locale/ (then translate)"
	@echo "make clean  stop nothing, delete the virtualenv and var/ (all local data)"

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "). Set PYTHON=python3.x")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

.env:
	cp .env.development .env

run: $(STAMP) .env
	$(BIN)/python manage.py serve

# A consistent copy of the database under var/backups/ (docs/operations.md, "Backup").
backup: $(STAMP) .env
	$(BIN)/python manage.py backup

# make restore FILE=var/backups/20260101T000000Z.dump (stop `make run` first)
restore: $(STAMP) .env
	$(BIN)/python manage.py restore $(FILE)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: $(STAMP) .env lint
	$(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) .env
	$(BIN)/python bench/run_all.py

# The customer-facing texts (the files listed in locale/babel.cfg) into locale/django.pot, merged
# into each language's django.po, compiled to the .mo files Django reads. Babel does all three in
# Python, so no GNU gettext is needed; the .po and .mo files are committed, and
# tests/foundation/test_catalogs.py fails when they are behind the code or a text is untranslated.
# Babel knows gettext, ngettext and pgettext; Django's lazy variants and the customer side's
# _translated(language, text) are added here (tests/foundation/test_catalogs.py lists the same).
BABEL_KEYWORDS = -k _translated:2 -k gettext_lazy -k ngettext_lazy:1,2 -k pgettext_lazy:1c,2 \
	-k npgettext_lazy:1c,2,3

messages: $(STAMP)
	PYTHONPATH=. $(BIN)/pybabel -q extract -F locale/babel.cfg $(BABEL_KEYWORDS) --no-location \
		--sort-output --width=100 --project=assistant -o locale/django.pot .
	$(BIN)/pybabel -q update -i locale/django.pot -d locale -D django --no-fuzzy-matching \
		--ignore-obsolete --width=100
	$(BIN)/pybabel -q compile -d locale -D django

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf $(VENV) var
