# The two commands: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.irg_mm-installed

.PHONY: install demo test clean

install: $(STAMP)

# Re-installs only when the requirements or setup.py change.
$(STAMP): requirements/pinned.txt requirements/runtime.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/pinned.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(PY) tools/digits_demo.py

test: install
	$(PY) -m pytest tests

clean:
	rm -rf $(VENV) work_dirs
