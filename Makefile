# Two commands for a fresh clone (see README.md):
#   make book   set everything up, check every notebook, build the book into _build/html
#   make test   set everything up and run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MATHJAX_VERSION := 3.2.2
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# "Another machine's arithmetic": PyTorch's generic kernels and oneDNN limited to SSE4.1 change the
# low bits of float results. Every notebook must still match its committed outputs under strict nbval.
PERTURBED := ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41
# Notebooks (files or folders) for check-perturbed and bench-notebooks; all of book/ by default.
NOTEBOOKS ?= book
PYTEST_ALL := $(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile $(NBVAL) tests book
# The perturbed pass shares one kernel per pytest worker, reset to a fresh kernel's state before each
# notebook (tests/_shared_kernel.py): it saves each notebook's kernel start and its torch imports.
PYTEST_PERTURBED := $(PERTURBED) $(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile $(NBVAL) --nbval-shared-kernel
export PYTHONHASHSEED := 0
# One OpenMP/MKL thread per notebook kernel or pytest worker: two workers already fill the 2 cores, and on
# the book's small tensors a second thread per process only spins (it doubled the CPU time of training).
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
# pip installs without byte-compiling (--no-compile): compiling all of torch, scipy and the book toolchain
# took about 100 s of the setup. Python then writes each module's .pyc the first time it is imported,
# which needs bytecode writing on even where the machine's environment turns it off.
unexport PYTHONDONTWRITEBYTECODE
# rfc3987-syntax (pulled in by jupyter-events through jsonschema[format-nongpl]) builds four Earley parsers
# when it is imported, and jsonschema imports it whenever nbformat is: 4.3 s of CPU in every pytest
# process, book build, nbgrader and Jupyter server. It only adds jsonschema's optional check of the "iri"
# string format, which nothing here uses, so setup removes it; jsonschema skips that check without it.

.PHONY: setup book test check-perturbed bench-notebooks experiments student lab browser clean

setup: $(VENV)/.installed _vendor/site/mathjax/tex-chtml.js

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -e ".[book,test,teach,lab]"
	$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	touch $@

# MathJax 3 is served from the built site so math renders offline (no CDN).
_vendor/site/mathjax/tex-chtml.js:
	mkdir -p _vendor
	cd _vendor && npm install --no-audit --no-fund --silent mathjax@$(MATHJAX_VERSION)
	rm -rf _vendor/site/mathjax && mkdir -p _vendor/site
	cp -r _vendor/node_modules/mathjax/es5 _vendor/site/mathjax

book: setup
	$(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile $(NBVAL) book
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

# Two phases; both always run, and the target fails if either failed.
test: setup browser
	@status=0; \
	echo; echo "=== make test, phase 1 of 2: every test, and strict nbval on every notebook (default environment) ==="; \
	echo "$(PYTEST_ALL)"; \
	$(PYTEST_ALL) || status=1; \
	echo; echo "=== make test, phase 2 of 2: strict nbval on every notebook under $(PERTURBED) ==="; \
	echo "$(PYTEST_PERTURBED) book"; \
	$(PYTEST_PERTURBED) book || status=1; \
	exit $$status

# The notebooks against their committed outputs under the perturbed arithmetic of phase 2 only.
# One notebook: make check-perturbed NOTEBOOKS=book/pooling/pooling.ipynb
check-perturbed: $(VENV)/.installed
	@echo "=== strict nbval under $(PERTURBED): $(NOTEBOOKS) ==="
	$(PYTEST_PERTURBED) $(NOTEBOOKS)

# Wall and kernel CPU seconds per notebook against the 60 s budget (never fails on time).
bench-notebooks: $(VENV)/.installed
	$(PY) tools/bench_notebooks.py $(NOTEBOOKS)

# The long runs behind some chapters' results files (book/<chapter>/results/*.json). Each script is
# deterministic, lists its seeds and takes 10 minutes or less on 2 cores; the notebooks only read the
# results. One script: make experiments EXPERIMENTS=experiments/spherical_latitude.py
EXPERIMENTS ?= $(filter-out experiments/_%,$(wildcard experiments/*.py))
experiments: $(VENV)/.installed
	@for script in $(EXPERIMENTS); do \
	  module=$$(echo $${script%.py} | tr / .); echo "=== $$module ==="; $(PY) -m $$module || exit 1; done

# The student edition's HTML, and a zip for students (notebooks, the cnnbook wheel, a README), so that
# they never need this repository. A subset: make student ONLY="padding ex-pooling-tie-switches" (zip only).
student: setup
	$(PY) -m cnnbook.student --out _build/student-src --build
	$(PY) -m cnnbook.student --zip _build/cnnbook-student.zip $(if $(ONLY),--only $(ONLY))

# Only what running the notebooks needs: the package and the pinned "lab" extra (JupyterLab with
# jupyterlab-myst), no npm, no test or book toolchain. For PyTorch's smaller CPU-only wheels:
#   make lab TORCH_INDEX=https://download.pytorch.org/whl/cpu
lab:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(if $(TORCH_INDEX),$(PY) -m pip install --quiet --index-url $(TORCH_INDEX) \
	  $(shell grep -oE '"torch(vision)?==[^"]+"' pyproject.toml | tr -d '"'))
	$(PY) -m pip install --quiet -e ".[lab]"
	$(VENV)/bin/jupyter lab book/

# The browser tests drive Debian's Chromium. Install it when we can (root with apt-get);
# otherwise those tests skip locally with a clear reason (and fail under CI=true).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "chromium not found and cannot be installed here: browser tests will skip"; fi; }

clean:
	rm -rf _build .pytest_cache .hypothesis
