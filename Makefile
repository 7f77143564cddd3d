# Two entry points for a fresh clone: `make run` and `make test`.
# Each creates .venv if needed, installs the package into it and does its job.

ifeq ($(OS),Windows_NT)
    PYTHON ?= python
    VENV_BIN := .venv/Scripts
else
    PYTHON ?= python3
    VENV_BIN := .venv/bin
endif
VPY := $(VENV_BIN)/python

.PHONY: run test venv test-env bench meshes clean

run: .venv/.installed-app
	$(VPY) -m viewer

test: .venv/.installed-test
	$(VPY) -m pytest

bench: .venv/.installed-test
	$(VPY) -m viewer.bench all

meshes: .venv/.installed-app
	$(VPY) -m pip install -e ".[build-meshes]"
	$(VPY) -m viewer build-meshes

.venv/.created:
	$(PYTHON) -m venv .venv
	$(VPY) -m pip install --upgrade pip
	@echo created > $@

.venv/.installed-app: .venv/.created pyproject.toml
	$(VPY) -m pip install -e .
	@echo installed > $@

.venv/.installed-test: .venv/.created pyproject.toml
	$(VPY) -m pip install -e ".[test]"
	@echo installed > $@
	@echo installed > .venv/.installed-app

clean:
	rm -rf .venv build *.egg-info
