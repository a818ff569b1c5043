# Two entry points for a fresh machine with Python 3.11 and make:
#   make demo   creates .venv, installs thematic, evaluates every shipped basket offline
#   make test   installs the dev extras, runs ruff, mypy and the whole pytest suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: demo test install dev lint browser bench snapshot mutants clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

demo: install
	$(BIN)/thematic evaluate --offline baskets/

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The report's screenshot test needs a headless browser: Debian's chromium, installed here
# when we may (root with apt-get); otherwise that one test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the report screenshot test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium) >/dev/null 2>&1 || echo "chromium could not be installed: that test will skip"; \
	  else echo "chromium not installed (needs root and apt-get): the report screenshot test will skip"; fi; }

test: lint browser
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

bench: dev
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_stats.py
	$(BIN)/python benchmarks/bench_dask.py
	$(BIN)/python benchmarks/bench_scorecard.py
	$(BIN)/python benchmarks/bench_calls.py

# Mutation testing (mutmut, configured in pyproject.toml): slow, so not part of `make test`.
# One child process, niced: the machine is shared.  Narrow it with a glob of mutant names,
# e.g. make mutants MUTANTS='thematic.stats.placebo*'; results stay in mutants/ and a rerun
# checks only what changed.  THEMATIC_MUTATION=1: the properties try a fifth of their
# examples, derandomised (tests/helpers.examples).
MUTANTS ?=
mutants: dev
	-THEMATIC_MUTATION=1 nice -n 15 $(BIN)/mutmut run --max-children 1 $(MUTANTS)
	$(BIN)/python scripts/mutation_score.py

snapshot: dev
	$(BIN)/python scripts/build_snapshot.py

clean:
	rm -rf $(VENV) build *.egg-info
