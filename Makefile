# The two quick-start commands: `make run` and `make test`. Both need only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint format e2e clean messages edge

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sandbox_load
	$(BIN)/python manage.py centra_sync
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Varnish with the shipped config on http://127.0.0.1:6081, in front of `make run` (start the shop
# with HTTP_CACHE_PURGE_URLS=http://127.0.0.1:6081 so its syncs purge it). Needs Debian's
# varnish and varnish-modules; see docs/http-cache.md.
edge:
	varnishd -F -j none -a 127.0.0.1:6081 -n /tmp/centra-storefront-varnish -s malloc,256m \
		-f $(CURDIR)/deploy/varnish/default.vcl

test: lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The interface's translations: collect every marked string into locale/<language>/LC_MESSAGES/
# django.po (new ones come in untranslated; GNU gettext's msgmerge may mark near matches fuzzy),
# then compile the .mo files, which are committed so the shop needs no gettext to run.
# tests/storefront/test_translations.py fails while a string is untranslated or fuzzy, or a .mo
# is out of date. Needs GNU gettext (apt-get install gettext, brew install gettext).
LANGUAGES := de sv
messages: $(STAMP)
	$(BIN)/python manage.py makemessages $(addprefix -l ,$(LANGUAGES)) --add-location file \
		--ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'staticfiles/*' \
		--ignore 'centra_sandbox/*' --ignore 'centra/*' --ignore 'templates/admin/*'
	$(BIN)/python manage.py compilemessages $(addprefix -l ,$(LANGUAGES)) --ignore '.venv/*'
	@for lang in $(LANGUAGES); do printf '%s: ' $$lang; \
		msgfmt --statistics -o /dev/null locale/$$lang/LC_MESSAGES/django.po; done

clean:
	rm -rf $(VENV) db.sqlite3 sandbox.sqlite3 staticfiles
