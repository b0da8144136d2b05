# One Makefile, verbs of the field. Everything it needs it installs into the project's own virtual environments:
#   .venv       Python 3.13: the layer's dependencies, moto, pytest, linters (requirements-dev.txt)
#   .venv-sam   aws-sam-cli, which pins its own boto3 and click (requirements-sam.txt)
#   .venv-checkov  checkov, which pins its own boto3, pydantic and others (requirements-checkov.txt)
#   .venv-openapi-client  openapi-python-client, which pins its own pydantic and ruff (requirements-openapi-client.txt)
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

PY313 = $(shell scripts/find-python313)
VENV := .venv
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
CLIENTGEN_VENV := .venv-openapi-client
PY := $(VENV)/bin/python
# `sam build` looks for python3.13 on PATH: put the interpreter we found first.
SAM := PATH="$(dir $(PY313)):$$PATH" $(SAM_VENV)/bin/sam
ENV ?= default

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# $(call make-venv,DIR,REQUIREMENTS,CHECK): a Python 3.13 venv with pinned requirements, checked, then stamped.
define make-venv
	@scripts/find-python313 >/dev/null
	$(PY313) -m venv $(1)
	$(1)/bin/pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(1)/bin/pip install --quiet -r $(2) 2>&1 | grep -v '^WARNING: Location' || true
	$(3)
	touch $@
endef

DEV_IMPORTS := import moto, aws_lambda_powertools, jose, msgspec, pytest
$(VENV)/.installed: requirements-dev.txt layers/cognito_auth/requirements.txt
	$(call make-venv,$(VENV),requirements-dev.txt,$(PY) -c '$(DEV_IMPORTS)')

$(SAM_VENV)/.installed: requirements-sam.txt
	$(call make-venv,$(SAM_VENV),requirements-sam.txt,$(SAM_VENV)/bin/sam --version)

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(call make-venv,$(CHECKOV_VENV),requirements-checkov.txt,$(CHECKOV_VENV)/bin/checkov --version)

$(CLIENTGEN_VENV)/.installed: requirements-openapi-client.txt
	$(call make-venv,$(CLIENTGEN_VENV),requirements-openapi-client.txt,$(CLIENTGEN_VENV)/bin/openapi-python-client --version)

# tests/docs renders every ```mermaid block of the docs with Mermaid itself, in the headless browser. Mermaid is
# published on npm only: its browser bundle is taken out of the registry's tarball once the tarball matches the
# integrity the registry publishes for it (`npm view mermaid@$(MERMAID_VERSION) dist.integrity`), into .cache/ (not
# committed). A version bump changes both lines.
MERMAID_VERSION := 11.17.2
MERMAID_INTEGRITY := sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47lAbhMRD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg==
MERMAID_JS := .cache/mermaid-$(MERMAID_VERSION).min.js
$(MERMAID_JS): | $(VENV)/.installed
	$(PY) tests/support/npm_file.py https://registry.npmjs.org/mermaid/-/mermaid-$(MERMAID_VERSION).tgz \
	  $(MERMAID_INTEGRITY) package/dist/mermaid.min.js $@

venv: $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed $(CLIENTGEN_VENV)/.installed ## Create the virtual environments (done by every target that needs them)

PORT ?= 3000
ARGS ?=
dev: $(VENV)/.installed ## Serve the whole API on http://127.0.0.1:3000 with an embedded Cognito (PORT=3001, ARGS=--help)
	$(PY) -m local_api --port $(PORT) $(ARGS)

# The test that opens the local API's /docs page in a real headless browser finds an installed Chrome or Chromium
# (CHROME=/path picks one) and is skipped, saying how to run it, where there is none. `make test` installs nothing;
# this target is the opt-in for Debian and Ubuntu machines (.ci/run calls it on CI's clean Debian machine).
browser: ## Install Debian's chromium (apt, sudo unless root) when it is missing
	@command -v chromium >/dev/null || { \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

lint: $(VENV)/.installed ## ruff, ruff format --check, mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: venv lint $(MERMAID_JS) ## Run every test: lint, types, unit, integration, template checks and sam build
	SAM_BIN="$(abspath $(SAM_VENV))/bin/sam" CHECKOV_BIN="$(abspath $(CHECKOV_VENV))/bin/checkov" \
	  OPENAPI_PYTHON_CLIENT_BIN="$(abspath $(CLIENTGEN_VENV))/bin/openapi-python-client" \
	  PYTHON313="$(PY313)" $(VENV)/bin/pytest

build: $(SAM_VENV)/.installed ## sam build (no container) for arm64
	$(SAM) build

validate: $(SAM_VENV)/.installed ## sam validate (both modes) and cfn-lint
	$(SAM) validate --region us-east-1
	$(SAM) validate --lint
	$(VENV)/bin/cfn-lint template.yaml

deploy: $(SAM_VENV)/.installed ## sam build + sam deploy of samconfig.toml's ENV (default: dev; ENV=prod)
	$(SAM) build --config-env $(ENV)
	$(SAM) deploy --config-env $(ENV) $(ARGS)

delete: $(SAM_VENV)/.installed ## sam delete the stack of samconfig.toml's ENV (asks first)
	$(SAM) delete --config-env $(ENV) $(ARGS)

e2e: $(VENV)/.installed ## End-to-end tests over HTTPS against a deployed stack: AWS_SAM_STACK_NAME=auth-api-dev make e2e
	# --confcutdir: not tests/conftest.py, whose fixtures replace AWS credentials with fakes for the other suites.
	$(VENV)/bin/pytest tests/e2e --confcutdir tests/e2e -p no:cacheprovider -v

# Not in `make test` (minutes of fresh interpreters, one at a time); tests/bench runs a one-process smoke of it.
bench: $(VENV)/.installed $(SAM_VENV)/.installed ## Cold start, warm cost, memory and size of every function vs its budgets (ARGS=--help)
	SAM_BIN="$(abspath $(SAM_VENV))/bin/sam" PYTHON313="$(PY313)" PYTHONPATH=layers/cognito_auth:. \
	  $(PY) -m bench.run $(ARGS)

lock: ## Regenerate layers/cognito_auth/requirements-lock.txt (hash-pinned, for the layer's arm64 build) from requirements.txt
	$(MAKE) -C layers/cognito_auth lock PYTHON="$(PY313)"

events: $(SAM_VENV)/.installed ## Regenerate events/*.json with sam local generate-event
	SAM="$(SAM_VENV)/bin/sam" scripts/generate-events.sh

FUZZ_EXAMPLES ?= 200
fuzz: $(VENV)/.installed ## Fuzz the local API from openapi.yaml, FUZZ_EXAMPLES per operation (make test runs 8)
	FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest tests/security/test_fuzz.py -p no:cacheprovider

# Not in `make test`: pip-audit looks each pinned release up in PyPI's JSON API, which answers 404 for those look-ups
# from this project's machines (and OSV is unreachable). --strict fails then, rather than passing unaudited packages.
audit: venv ## pip-audit every virtual environment's packages against PyPI's vulnerability data (needs pypi.org)
	$(VENV)/bin/pip-audit --strict --progress-spinner off
	$(VENV)/bin/pip-audit --strict --progress-spinner off --path $(wildcard $(SAM_VENV)/lib/python3*/site-packages)
	$(VENV)/bin/pip-audit --strict --progress-spinner off --path $(wildcard $(CHECKOV_VENV)/lib/python3*/site-packages)
	$(VENV)/bin/pip-audit --strict --progress-spinner off --path $(wildcard $(CLIENTGEN_VENV)/lib/python3*/site-packages)

clean: ## Remove build output and virtual environments
	rm -rf .aws-sam .cache $(VENV) $(SAM_VENV) $(CHECKOV_VENV) $(CLIENTGEN_VENV) .pytest_cache .ruff_cache .mypy_cache

.PHONY: help venv dev browser lint test build validate deploy delete e2e bench lock events fuzz audit clean
