# The two commands a newcomer needs: `make demo` and `make test`.
# Both build .venv on first use; later runs reuse it until pyproject.toml or
# constraints.txt change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs lint format bench readme clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/descentlab demo --out out/

test: $(STAMP)
	$(BIN)/python -m pytest

# the documentation site, offline, into site/ (the notebooks executed as it builds;
# DESCENTLAB_QUICK=1 runs them, and the gallery, with small settings)
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples scripts docs/hooks docs/notebooks
	$(BIN)/ruff format --check src tests bench examples scripts docs/hooks docs/notebooks

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench examples scripts docs/hooks docs/notebooks
	$(BIN)/ruff format src tests bench examples scripts docs/hooks docs/notebooks

bench: $(STAMP)
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/optim_step.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/train.py
	$(BIN)/python bench/serve.py
	$(BIN)/python bench/gpu.py

readme: $(STAMP)
	$(BIN)/python scripts/readme_tables.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache site
