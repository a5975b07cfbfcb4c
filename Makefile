# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test test-fast lint browser demo run clean

# Test processes: the machine's two cores (`make test WORKERS=0` runs in one process).
WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The system's Chromium for the browser test (installed when missing, where that is possible).
browser:
	@sh tests/browser/install_chromium.sh

# Everything, as CI runs it (.ci/run calls `make test`).
test: lint browser
	$(PYTEST)

# For iterating: lint and every test but the end-to-end and browser ones.
test-fast: lint
	$(PYTEST) -m "not e2e and not browser"

# `make demo PORT=8081` for another port.
demo: $(STAMP)
	$(BIN)/python -m bot sandbox $(if $(PORT),--port $(PORT))

run: $(STAMP)
	@test -n "$$BOT_TOKEN" || (echo "Set BOT_TOKEN to your bot's token first." >&2; exit 2)
	$(BIN)/python -m bot db upgrade
	$(BIN)/python -m bot run

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
