# myorelax: two commands do all the set-up on a fresh machine.
#   make run   install into .venv (locked dependencies) and start the main job
#   make test  install and run every check: ruff, mypy (strict), import contracts, pytest
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON := $(shell command -v $(PYTHON))

.PHONY: install run test lint typecheck contracts pytest browser lock bench clean schema docs

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode is compiled at install time (uv --compile-bytecode, compileall for src/): where
# PYTHONDONTWRITEBYTECODE is set, as on these machines, every process would otherwise compile
# every module it imports from source, which costs more than a second per command.
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --extra dev --quiet --compile-bytecode
	touch $@

# The population kernels are compiled by numba once here (cached on disk), not by the first
# /simulate with a population after an install (which waited a minute for the compiler).
$(VENV)/.kernels-warm: $(VENV)/.installed src/myorelax/pk/kernel.py src/myorelax/pk/streaming_stores.py
	@$(BIN)/python -m myorelax.pk.warm
	@touch $@

install: $(VENV)/.installed $(VENV)/.kernels-warm
	@$(BIN)/python -m compileall -q src > /dev/null

run: install
	$(BIN)/myorelax serve

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

# Browser tests drive Debian's chromium (Playwright's own browser download cannot work here).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@[ -x /usr/bin/chromium ] || { export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y -q chromium || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }; }

pytest: install browser
	$(BIN)/pytest -q -n 2 --durations=10

test: lint typecheck contracts pytest

lock: $(UV)
	$(UV) lock

schema: install
	$(BIN)/python -m myorelax.knowledge.jsonschema > docs/knowledge-base.schema.json

bench: install
	$(UV) sync --frozen --extra dev --extra bench --quiet --compile-bytecode
	$(BIN)/python bench/bench_check.py
	$(BIN)/python bench/bench_pk.py
	$(BIN)/python bench/bench_check_concurrency.py
	$(BIN)/python bench/bench_cds.py
	$(BIN)/python bench/bench_screening.py

clean:
	rm -rf $(VENV) .uv .mypy_cache .pytest_cache .ruff_cache

docs: install
	$(BIN)/python -m myorelax.knowledge.jsonschema > docs/knowledge-base.schema.json
	$(BIN)/python -m myorelax.cli.rules_doc > docs/safety-rules.md
	$(BIN)/python -m myorelax.cli.pk_validation_doc docs/validation.md
	$(BIN)/python -m myorelax.screening.concepts > src/myorelax/screening/data/concept_map.csv
