# The two commands of the README: `make run` and `make test`. Both set themselves up on first use.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run code test lint bench translations

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# `make run ARGS=--debug` serves with Flask's development server instead of gunicorn.
run: $(STAMP)
	$(VENV)/bin/pybabel compile -d webapp/translations
	$(PY) -m webapp.demo $(ARGS)

# The demo's second factor without a phone: `make code USER=manager` prints the current code.
code: $(STAMP)
	@APP_MODE=demo $(PY) -m flask --app wsgi demo code $(USER)

# Two test processes (each with its own PostgreSQL database when TEST_DATABASE_URL is set).
test: $(STAMP)
	bash scripts/ensure-test-tools.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n 2

# After changing user-visible text: extract, merge into ru/uk, then translate what is new.
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 \
		--no-location --sort-output -o webapp/translations/messages.pot .
	$(VENV)/bin/pybabel update -N --ignore-obsolete -i webapp/translations/messages.pot -d webapp/translations
	$(VENV)/bin/pybabel compile -d webapp/translations

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Benchmarks (not part of the tests): a table on stdout, JSON in bench/results/latest.json.
# Subsets and options through ARGS, e.g. make bench ARGS="--only overhead,pages --quick".
bench: $(STAMP)
	$(PY) -m bench $(ARGS)
