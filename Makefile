# The two commands of README.md: `make demo` (set up, run the main job) and `make test`.
# `make docs` builds the documentation site (Sphinx, the `docs` extra) into docs/_build/html.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.docs-installed

.PHONY: demo test bench install docs clean

$(STAMP): pyproject.toml requirements-ci.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-ci.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/badminima demo --out demo-output

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests

# The docs extra (sphinx, numpydoc, pydata-sphinx-theme, myst-parser, sphinx-gallery and
# sphinx-mathjax-offline, which ships MathJax: the site needs no network), installed once;
# warnings are errors. The gallery runs every script in examples/.
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -c "import importlib, sphinx, numpydoc, pydata_sphinx_theme, myst_parser, sphinx_gallery; \
		importlib.import_module('sphinx-mathjax-offline')" 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -b html -W --keep-going docs docs/_build/html
	@echo "Open docs/_build/html/index.html"

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-output .pytest_cache docs/_build docs/generated docs/auto_examples
