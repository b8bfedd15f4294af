# medbot: `make run` runs the bot on its embedded defaults (the sandbox without a token);
# `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

CHROMIUM := /usr/bin/chromium
PROMTOOL := /usr/bin/promtool

.PHONY: run test test-fast lint typecheck imports dockerfile pytest chromium promtool bench clean lock

# Every package, transitive ones and the build backend included, comes from the lock
# file, each checked against its hashes; then medbot itself, with nothing more.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# After changing a dependency in pyproject.toml: pin the whole tree again, with hashes.
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet pip-tools==7.7.0
	.lock-venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --all-build-deps \
	  --extra dev --no-strip-extras --no-emit-index-url --no-emit-find-links \
	  -o requirements.lock pyproject.toml
	rm -rf .lock-venv

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

pytest: $(STAMP) chromium promtool
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

# The alert rules are tested with promtool, from Debian's prometheus package; likewise.
promtool:
	@test -x $(PROMTOOL) || { \
	  sudo=$$(test "$$(id -u)" = 0 || echo sudo); \
	  echo "installing Debian's prometheus for promtool (the alert rules' tests)"; \
	  { $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends prometheus; } \
	  || test "$$CI" != true; }

bench: $(STAMP)
	$(BIN)/python bench/booking.py
	$(BIN)/python bench/conversations.py
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/processing.py
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/flood.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
