# The project's front door: every command a person or CI runs is a target here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore
# A working Python 3.10 (pyenv shims may exist without the version being active).
PYTHON310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do $$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo $$p; break; }; done)
# The model is keyed on everything that shapes it: an unchanged project starts without retraining.
# MODEL_FILES: the configuration, the training data, the custom components and every project module
# they import at serve time (`make model-files` lists them; tests/unit/test_model_hash.py follows the
# imports of components/ and fails when a module is missing here).
MODEL_FILES = config.yml domain.yml $(shell find data components -type f -name '*.y*ml' -o -type f -name '*.py' | sort) \
	bma/__init__.py bma/change_topics.py bma/confusable.py bma/text.py requirements.txt
MODEL_HASH = $(shell cat $(MODEL_FILES) | sha256sum | cut -c1-12)
MODEL = models/bma-$(MODEL_HASH).tar.gz
INSTALLED := $(VENV)/.installed
VENDOR := web/static/vendor/socket.io.min.js

.PHONY: help setup venv model train run shell test test-python test-unit test-integration test-browser lint nlu-experiments console-account test-stories validate nlu-gate nlu-dev-gate import demo demo-if-empty clean web-vendor chromium evaluate bench bench-2 bench-smoke test-scale teams-package remask purge privacy-report db-upgrade settings-docs nlu-views nlu-compare profile replies docs model-files

help:
	@echo "make run      set up, train if needed, start the assistant: web page on :8080, Rasa (REST + socket.io) on :5005, actions on :5055"
	@echo "make shell    set up, then chat in the terminal (DEBUG=1 shows intent, confidence and action)"
	@echo "make console-account LOGIN=prenom.nom   create a staff account of the console on :8081 (ROLE=lecture|support|admin; RESET=1: new password)"
	@echo "make test     set up, then data validation, lint, docs, unit/integration/browser tests, story tests, the NLU gate, the benchmark smoke"
	@echo "make test-unit  the fast loop (< 1 minute, no server)"
	@echo "make train    train a model for the current data/config"
	@echo "make test-scale  two Rasa instances, PostgreSQL tracker store, Redis lock store"
	@echo "make evaluate NLU evaluation (held-out + 5-fold CV) against a TF-IDF baseline -> results/nlu/"
	@echo "make nlu-compare  served classifier vs Rasa LogisticRegression vs DIET on development data -> docs/experiments/nlu_compare.md"
	@echo "make bench    latency/throughput/memory benchmark over REST -> results/bench.json, bench.png"
	@echo "make profile  where a served message's time goes (py-spy at saturation) -> results/profile.raw"
	@echo "make import CSV=FILE   import a registry CSV (BMA_DB_URL honoured)"
	@echo "make demo     load the demo registry (FASE 990000-999999); refused beside imported rows and in production"
	@echo "make teams-package  Teams app package -> var/teams/bma-assistant-teams.zip (needs TEAMS_APP_ID)"
	@echo "make remask  re-mask passwords in conversations and tickets already stored (idempotent)"
	@echo "make purge   apply every retention: conversations 30 days, tickets 90, staff journal 365; aggregates are kept"
	@echo "make privacy-report  every table that can hold personal data: purpose, retention, rows past it"
	@echo "make db-upgrade  bring BMA_DB_URL's schema to the latest Alembic revision (every service also does it at start)"
	@echo "make settings-docs  regenerate the table of BMA_* variables in docs/operators.md from settings.py"
	@echo "make replies  render every reply with its sources -> docs/replies.md (review its diff)"
	@echo "make docs    build the documentation (docs/, mkdocs.yml) -> var/site/; a broken link or anchor fails it"
	@echo "make clean    remove models, the local registry and caches"

# The pinned requirements, then the project itself, editable and without dependencies (pyproject.toml):
# its packages then import from any working directory, without PYTHONPATH or sys.path edits.
$(INSTALLED): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 introuvable (Rasa 3.6 en a besoin)"; exit 1; }
	test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m pip check
	touch $@

venv: $(INSTALLED)

setup: venv model web-vendor

# Front-end packages from npm, vendored so that the page loads nothing from the internet.
$(VENDOR): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p web/static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js $@

web-vendor: $(VENDOR)

# Microsoft Teams app package: the manifest is filled from the environment, checked against
# Microsoft's schema from node_modules (no network) and zipped with the icons.
#   TEAMS_APP_ID=<Azure Bot Microsoft App ID> make teams-package
teams-package: venv $(VENDOR)
	$(PY) -m scripts.teams_package

# Re-mask secrets already stored (tracker store of endpoints.yml or TRACKER_URL, tickets of BMA_DB_URL).
remask: venv
	$(PY) -m bma.remask $(if $(TRACKER_URL),--tracker-url "$(TRACKER_URL)")

# Retention (analytics/privacy.py declares it, analytics/retention.py applies it): conversations after
# BMA_RETENTION_DAYS (30: tracker store, event broker, transcripts, inbox, conversation states, the
# votes' link), tickets' personal fields after BMA_TICKET_RETENTION_DAYS (90), the staff's journal
# after BMA_AUDIT_RETENTION_DAYS (365); the aggregates stay. The console also does it once a day.
purge: venv
	$(PY) -m console.retention

# Every table that can hold personal data: columns, purpose, retention, rows older than it now.
privacy-report: venv
	$(PY) -m analytics.privacy

# The project's database schema at the latest Alembic revision (storage/migrations), then its revision.
db-upgrade: venv
	$(PY) -m storage upgrade

# The operators' table of BMA_* variables (docs/operators.md), from settings.py.
settings-docs: venv
	$(PY) -m settings --write-docs

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

$(MODEL): | $(INSTALLED)
	mkdir -p models
	$(RASA) train --fixed-model-name bma-$(MODEL_HASH) --out models --quiet
	@ls -1 models/bma-*.tar.gz | grep -v "$(MODEL_HASH)" | xargs -r rm -f

# The files the model's hash covers, one a line.
model-files:
	@printf '%s\n' $(MODEL_FILES)

model: venv
	@$(MAKE) --no-print-directory $(MODEL)

train: venv
	rm -f $(MODEL)
	@$(MAKE) --no-print-directory $(MODEL)

# The demo registry (FASE 990000–999999, recorded as demonstration data): refused (exit 1) when the
# registry holds imported rows, or in production (BMA_PRODUCTION=1, deploy/ endpoints).
demo: venv
	$(PY) -m bma.registry demo

# make run / make shell: the demo into an empty registry only; a registry with imported rows is left
# as it is, and production never gets it (scripts/run.sh then refuses a registry holding demo rows).
demo-if-empty: venv
	$(PY) -m bma.registry demo --if-empty

run: setup demo-if-empty
	MODEL=$(MODEL) scripts/run.sh

shell: setup demo-if-empty
	MODEL=$(MODEL) DEBUG=$(DEBUG) scripts/shell.sh

# Staff console account: the password is asked twice, never echoed (or read from stdin by a script).
console-account: venv
	@test -n "$(LOGIN)" || { echo "usage: make console-account LOGIN=identifiant [ROLE=lecture|support|admin] [RESET=1]"; exit 2; }
	$(PY) -m console.accounts $(if $(RESET),reset "$(LOGIN)",create "$(LOGIN)" $(if $(ROLE),--role "$(ROLE)"))

import: venv
	@test -n "$(CSV)" || { echo "usage: make import CSV=FILE.csv"; exit 2; }
	$(PY) -m bma.registry import "$(CSV)"

validate: venv
	@mkdir -p var
	@$(RASA) data validate --fail-on-warnings > var/validate.log 2>&1 || { cat var/validate.log; exit 1; }
	@if grep -E "UserWarning|WARNING|ERROR" var/validate.log; then echo "rasa data validate: warnings above"; exit 1; fi
	@echo "rasa data validate: clean"

lint: venv
	$(VENV)/bin/ruff check .

# The documentation (docs/, mkdocs.yml: strict, links and anchors checked) -> var/site/. Not
# --quiet: mkdocs 1.6.1 then drops the warnings before strict mode counts them, and a broken link
# passes (mkdocs/mkdocs#4126); the log is printed when the build fails.
docs: venv
	@mkdir -p var
	@$(PY) -m mkdocs build --strict -d var/site > var/docs.log 2>&1 || { cat var/docs.log; exit 1; }
	@echo "mkdocs build --strict: clean"

# The fast loop: pure Python and rasa-sdk actions, no server, no model, no service (< 1 minute, two processes).
test-unit: venv
	$(PY) -m pytest -q -n 2 tests/unit

# Real servers on loopback, PostgreSQL and Redis (skipped with a reason locally when missing, required under CI).
# Two processes, a module each at a time (its servers and databases are its own): 7 minutes instead of 14.
test-integration: setup
	BMA_MODEL=$(MODEL) $(PY) -m pytest -q -n 2 --dist loadfile -m "not scale" tests/integration

test-browser: setup chromium
	BMA_MODEL=$(MODEL) $(PY) -m pytest -q tests/browser

test-python: test-unit test-integration test-browser

test-stories: setup
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml --fail-on-prediction-errors --out var/test-core > var/test-core.log 2>&1 \
		|| { tail -40 var/test-core.log; cat var/test-core/failed_test_stories.yml 2>/dev/null; exit 1; }
	@echo "story tests: all passed"

# The sealed NLU set (issue #24), end to end over REST, answer-level: totals only. Floors at today's
# measure (accuracy 0.958, baseline 0.945, served 0.949, confidently wrong 3.6 %; stop 34); the issue's targets
# (0.96, 0.97, 2 %) are printed as met or not.
nlu-gate: setup
	$(PY) -m scripts.nlu_sealed_gate --model $(MODEL) --min-accuracy 0.95 --min-served 0.945 --max-confident-wrong 0.035

# The development set (tests/heldout/nlu_heldout.yml, read many times to choose: development data).
# Issue #11's targets (0.95, baseline + 0.03, honest 0.90) are printed as met or not; the floor is
# 0.94 since stop 29's training data (0.950: questions on what an e-mail contains are labelled the
# steps there, how to migrate in the FAQ and the new data; docs/measurements-nlu.md).
nlu-dev-gate: setup
	$(PY) -m scripts.nlu_gate --model $(MODEL) --min-accuracy 0.94 --min-margin 0.02 --min-honest 0.90

test: setup chromium
	@mkdir -p var
	$(MAKE) --no-print-directory validate
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory docs
	$(MAKE) --no-print-directory test-python
	$(MAKE) --no-print-directory test-stories
	$(MAKE) --no-print-directory nlu-dev-gate
	$(MAKE) --no-print-directory nlu-gate
	$(MAKE) --no-print-directory secrets-gate
	$(MAKE) --no-print-directory bench-smoke

# The sealed weak-password corpora (totals only; issue #22's target is every secret masked): floors at
# today's measure, one per corpus (second sealed corpus: 92.6 % masked, 1.5 % false masks; third,
# stop 32, a writer asked for varied ways: 72.8 % of 298 since its one displayed item was dropped, 2.2 %),
# every address kept.
secrets-gate: venv
	$(PY) -m scripts.secrets_gate --min-masked 0.92 0.72 --max-false 0.02 0.025

# Which views of a message the classifier uses: dev rounds and 5-fold CV, never the held-out file.
nlu-views: setup
	$(PY) -m scripts.nlu_views

evaluate: setup
	$(PY) -m scripts.evaluate --model $(MODEL) --folds 5

# NLU variants compared by cross-validation on data/nlu, confirmed on the held-out file (~25 min).
nlu-experiments: setup
	$(PY) -m scripts.nlu_experiments --folds 3

# Issue #24, item 4: the served classifier against Rasa's LogisticRegressionClassifier and DIET on
# development data (dev file + 5-fold CV, DIET 3-fold) -> docs/experiments/nlu_compare.md (~20 min).
nlu-compare: setup
	$(PY) -m scripts.nlu_compare --folds 5 --diet-folds 3

bench: setup
	$(PY) -m scripts.bench --model $(MODEL)

# Where a served message's time goes (py-spy on the shipped Rasa process at saturation).
profile: setup
	$(PY) -m scripts.profile_saturation

# deploy/'s layout: SQL tracker store on PostgreSQL, Redis lock store, two Rasa processes behind
# nginx (Debian's nginx-light), one action server.
bench-2: setup
	@command -v nginx >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light; }
	$(PY) -m scripts.bench --model $(MODEL) --layout production

# Two Rasa instances + PostgreSQL tracker store + Redis lock store (the machine's servers).
test-scale: setup
	BMA_MODEL=$(MODEL) $(PY) -m pytest -q -m scale tests/integration/test_scale.py

bench-smoke: setup
	$(PY) -m scripts.bench --model $(MODEL) --quick

# Every reply for every intent × period × situation, with its sources, for review (docs/replies.md);
# tests/unit/test_audit.py fails when the committed file differs from what the code renders.
replies: venv
	$(PY) -m bma.audit

clean:
	rm -rf models var results/nlu .pytest_cache .rasa build *.egg-info
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
