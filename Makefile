# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in mails point here; set it to the public address in production.
export PRIZES_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install install-test lint format migrate demo messages clean serve-prod bench

$(BIN)/python:
	@echo "First run: creating $(VENV) and installing the packages: under a minute with a package cache, longer when pip downloads them (make run then loads the demo data, about ten seconds)."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed $(VENV)/.installed-demo

# Faker, for the demo data only (the test extra includes it).
$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[demo]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(FLASK) db upgrade

demo: migrate $(VENV)/.installed-demo
	$(FLASK) seed-demo --if-empty

run: demo
	@echo "Serving on http://$(HOST):$(PORT), with a background worker for mail  (Ctrl+C to stop)"
	@$(FLASK) worker --workers 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production: gunicorn with gunicorn.conf.py (PRIZES_BIND, PRIZES_WORKERS, ...), no demo data.
serve-prod: migrate
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r prizes
	$(BIN)/mypy
	$(BIN)/deptry .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/pytest

# The quick benchmark (bench/README.md): the project against a bare Flask app under wrk, in the
# production configuration, about five minutes. The database given is wiped.
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test_bench
bench: install-test
	$(BIN)/python bench/compare.py --quick --database-url $(BENCH_DATABASE_URL)

# Refresh the template from the code and every language's catalogue from the template
# (new messages come in empty, changed ones are not guessed); then translate what
# `pytest tests/test_translations.py` lists. See docs/translating.md.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o prizes/translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i prizes/translations/messages.pot -d prizes/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .ruff_cache .mypy_cache
