# guarded.deploy — developer entry points. Run as root on Debian 12.
#   make demo   build what is needed, deploy the Ledger demo v1 -> v2 -> v3 (rolled back)
#   make test   lint + ansible-test sanity + unit + real PostgreSQL + molecule on real systemd containers,
#               then each stage's and each scenario's duration (scripts/test.sh)
#   make bench  benchmarks (bench/README.md): ratios and raw medians, no assertions
SHELL := /bin/bash
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/collections

.PHONY: all deps venv images demo test lint sanity unit molecule bench clean

all: test

deps:
	@bash scripts/install-deps.sh

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

venv: deps $(VENV)/.installed

images: deps
	@bash testhost/build-images.sh

demo: venv images
	@bash scripts/demo.sh

lint: venv
	ansible-lint

sanity: venv
	@bash scripts/sanity.sh

unit: venv
	python -m pytest tests -q

molecule: venv images
	@bash scripts/molecule.sh

test: venv images
	@bash scripts/test.sh

bench: venv
	@bash testhost/build-images.sh
	. testhost/podman-env.sh && nice -n 19 $(VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) .cache deploy-logs examples/ledger/.build
