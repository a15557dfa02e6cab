# Every target bootstraps .venv itself: a fresh clone needs only `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow lint format bench clean figures

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,distributed,notebook]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m simulator demo
	$(BIN)/python -m simulator report results/demo
	$(BIN)/python -m simulator sweep scenarios/sweeps/atos_terms.yaml --out results/atos_terms --force
	$(BIN)/python -m simulator solve scenarios/dassault_leaves.yaml --lever partners.state.pledge=135..300 \
	  --target "P(committed_final >= 285 at 2014-12) >= 0.9"
	$(BIN)/python -m simulator value scenarios/atos_joins.yaml --outcome p_no_collapse --seed 2011

test: $(STAMP)
	$(BIN)/python -m pytest -n 2

# The slow suite (tests marked slow, which .ci/run runs after make test): sweeps killed at
# many random moments, workers killed, statistical checks, notebooks, runs of 5-15 s and
# command-line checks that run consim several times (a few seconds each).
test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m slow

lint: $(STAMP)
	$(BIN)/ruff check simulator tests bench
	$(BIN)/ruff format --check simulator tests bench

format: $(STAMP)
	$(BIN)/ruff format simulator tests bench
	$(BIN)/ruff check --fix simulator tests bench

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/sweep.py

clean:
	rm -rf $(VENV) results/*/

# The README's first picture: the demo's comparison figure, copied into docs/.
figures: $(STAMP)
	$(BIN)/python -m simulator demo
	cp results/demo/comparison.png docs/images/comparison.png
