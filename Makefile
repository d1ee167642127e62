# Each target does its own set-up: a virtualenv in .venv, reused when pyproject.toml has not
# changed. torch comes first, pinned to the CPU build that installs from local disk.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.paralign-installed

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev,notebook]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	HF_HUB_OFFLINE=1 $(VENV)/bin/paralign demo -o out/demo.tmx

test: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -q $(PYTEST_ARGS)

bench: setup
	HF_HUB_OFFLINE=1 $(PY) bench/accuracy.py $(or $(DATA),../shared/data)

clean:
	rm -rf $(VENV) out .pytest_cache
