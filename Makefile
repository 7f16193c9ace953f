# The two commands: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.irg_mm-installed

.PHONY: install demo test lint fashion-mnist benchmark-fashion-mnist clean

install: $(STAMP)

# Re-installs only when the requirements or setup.py change.
$(STAMP): requirements/pinned.txt requirements/runtime.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/pinned.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(PY) tools/analysis/run_benchmark.py configs/benchmarks/digits.py \
		--log-dir work_dirs/digits_demo/logs

# Fashion-MNIST's IDX files into data/fashion_mnist (from Debian's
# dataset-fashion-mnist package, or SOURCE=folder of the downloaded files).
fashion-mnist: install
	$(PY) tools/dataset_converters/prepare_fashion_mnist.py $(if $(SOURCE),--source $(SOURCE))

# docs/benchmarks/fashion_mnist.md: about 1.5 hours on 2 CPU cores; resumes.
benchmark-fashion-mnist: fashion-mnist
	$(PY) tools/analysis/run_benchmark.py configs/benchmarks/fashion_mnist.py --jobs 2

# flake8, isort and yapf with setup.cfg's settings, the commands that
# .pre-commit-config.yaml runs, on the whole tree; fails on any finding.
LINT_PATHS := irg_mm tools tests configs setup.py irg_mm_mim.py
lint: install
	$(PY) -m flake8 $(LINT_PATHS)
	$(PY) -m isort --check-only --diff $(LINT_PATHS)
	$(PY) -m yapf --diff --recursive $(LINT_PATHS)

# The suite (tests/) and the package's doctests (irg_mm/), see setup.cfg.
# Most tests wait on a one-thread subprocess, so a worker per core (at most
# 4: each holds torch in memory) nearly halves the time on 2 cores. A test file
# stays on one worker, whose module fixtures are then built once.
test: install
	$(PY) -m pytest -n auto --maxprocesses=4 --dist loadfile

clean:
	rm -rf $(VENV) work_dirs
