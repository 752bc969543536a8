# Two commands: `make serve` runs Tracehouse on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Test processes: one more than the cores, so a worker waiting on a server, a browser or a retry
# delay leaves no core idle (docs/PERFORMANCE.md, "Test suite").
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: serve test check format bench install clean

$(STAMP): pyproject.toml
	@echo "Installing Tracehouse and its dependencies into $(VENV) (a minute or two the first time)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -e '.[server,dev,clickhouse]'
	@rm -f $(VENV)/.installed-*
	@touch $@
	@echo "Installed."

install: $(STAMP)

# Ctrl-C reaches make and the server alike: the server stops in order, and the trap makes the
# recipe end as a normal stop instead of an error of make's.
serve: $(STAMP)
	@trap 'exit 0' INT; $(BIN)/tracehouse serve

check: $(STAMP)
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

test: $(STAMP)
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-chromium.sh
	$(MAKE) --no-print-directory check
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder  # a file per worker, longest first

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache test-output
