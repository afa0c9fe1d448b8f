# Newsroom: `make run` serves the demo site, `make test` runs everything CI runs on SQLite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint venv dev-venv migrate demo serve edge bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

venv: $(VENV)/.installed-run
dev-venv: $(VENV)/.installed-dev

# Development and test targets: DEBUG on (the settings default to off, which needs a production secret key).
run demo migrate test: export DJANGO_DEBUG = 1
# make run: the site's own 404/500 pages, and no page or fragment cache, so a template edit shows on reload.
run: export NEWSROOM_ERROR_PAGES_IN_DEBUG = 1
run: export NEWSROOM_PAGE_CACHE = 0
run: export NEWSROOM_FRAGMENT_CACHE = 0

migrate: venv
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py update_rankings

run: demo
	@echo "Serving the demo on http://$(HOST):$(PORT)/ (admin: /admin/, demo logins above; PORT=8001 make run for another port)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The production setup locally: nginx (deploy/nginx.conf) in front of gunicorn, DEBUG off.
serve: venv
	./scripts/serve-production.sh

# The edge setup locally: Varnish (deploy/varnish/newsroom.vcl) in front of two gunicorn app servers.
edge: venv
	./scripts/serve-edge.sh

lint: dev-venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: dev-venv lint
	./scripts/ensure-chromium.sh
	./scripts/ensure-nginx.sh
	./scripts/ensure-varnish.sh
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
