# medbot: `make run` runs the bot on its embedded defaults (the sandbox without a token);
# `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

CHROMIUM := /usr/bin/chromium

.PHONY: run test test-fast lint typecheck imports dockerfile pytest chromium bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# With TELEGRAM_BOT_TOKEN (environment or .env): the real bot. Without: sandbox mode.
run: $(STAMP)
	@if $(BIN)/python -c 'import sys; from bot.settings import load_settings; \
	    sys.exit(0 if load_settings().telegram_bot_token else 1)' 2>/dev/null; then \
	  $(BIN)/medbot db upgrade && exec $(BIN)/medbot run; \
	else \
	  exec $(BIN)/medbot sandbox; \
	fi

test: lint typecheck imports dockerfile pytest

# Under a minute: lint, types, import contracts, the unit tests and the SQLite storage tests.
test-fast: lint typecheck imports
	$(BIN)/pytest -q tests/unit tests/storage -m "not postgres"

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

dockerfile: $(STAMP)
	$(BIN)/hadolint Dockerfile

pytest: $(STAMP) chromium
	$(BIN)/pytest

# The browser tests drive Debian's chromium; install it when missing (CI runs as root).
# Outside CI a failed install is not fatal: those tests then skip and say why.
chromium:
	@test -x $(CHROMIUM) || { \
	  sudo=$$(test "$$(id -u)" = 0 || echo sudo); \
	  echo "installing Debian's chromium for the browser tests"; \
	  { $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium; } \
	  || test "$$CI" != true; }

bench: $(STAMP)
	$(BIN)/python bench/booking.py
	$(BIN)/python bench/conversations.py
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/processing.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
