# Sandbox — developer and CI entry points.
#
#   make deps     install what is missing (Debian packages as root, .venv)
#   make run      migrate, seed demo data, start the task worker, deadline scheduler and dev server
#   make test     lint, type-check, import contracts and migration check beside pytest on SQLite
#                 and on PostgreSQL, all side by side (TEST_JOBS=1: one after the other)
#   make serve-prod  production profile: gunicorn + whitenoise + PostgreSQL + two task workers
#   make bench    seed 100k cases + 1M events on a throwaway PostgreSQL, run every benchmark,
#                 write bench/results.json and bench/results.md
#   make bench-NAME  one benchmark on its own throwaway PostgreSQL; NAME is one of
#                 transitions, load, queue, export, verify, verifier, letters, deadlines, register (sizes: docs/performance.md)
#   make lint     ruff + mypy + import contracts (lint-imports)
#   make format   ruff format + ruff check --fix
#   make messages refresh locale/ko/LC_MESSAGES/django.po from the code (then translate new entries)
#   make clean    remove var/, caches and test leftovers (keeps .venv)
#
# Extra pytest arguments: make test PYTEST_ARGS='-k letters -x'

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
BOOTSTRAP_PYTHON := $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
PYPROJECT_SHA := $(shell sha256sum pyproject.toml | cut -d' ' -f1)
PY_STAMP := $(VENV)/.installed-$(PYPROJECT_SHA)
PYTEST_ARGS ?=
TEST_SETTINGS := sandbox.settings_test

export PIP_DISABLE_PIP_VERSION_CHECK := 1

# $(call step,TEXT): one header line per step.
step = @printf '\n==> %s\n' '$(1)'

# $(call pytest,COMMAND): run pytest; exit 5 (nothing collected) stays a failure, with a note.
pytest = rc=0; $(1) || rc=$$?; if [ "$$rc" -eq 5 ]; then \
	  echo "ERROR: pytest collected no tests (exit 5); counted as a failure." >&2; fi; exit "$$rc"

# Python for `manage.py shell -c`: exit 0 when the default task backend queues tasks in the
# database, i.e. when a `db_worker` process is needed to run them.
db_backend_check = import sys; from django.conf import settings; \
	b = getattr(settings, 'TASKS', {}).get('default', {}).get('BACKEND', ''); \
	sys.exit(0 if b.endswith('DatabaseBackend') else 1)

# makemessages flags: Python, templates and the plain-text email templates; the tests and
# environment folders hold no user-visible strings; file-only locations keep merges of the catalog
# quiet when lines move. tests/i18n/ runs makemessages with these same flags.
MESSAGES_FLAGS := -l ko -e html,txt,py --no-obsolete --add-location=file \
	--ignore=$(VENV) --ignore=tests --ignore=var --ignore=staticfiles

.PHONY: help deps system-deps python-deps run test lint format messages clean
.PHONY: serve-prod bench bench-transitions bench-load bench-queue bench-export bench-verify bench-verifier bench-letters bench-deadlines
.PHONY: bench-register _checks _test-sqlite _test-postgres

help:
	@sed -n 's/^#   make /make /p' $(firstword $(MAKEFILE_LIST))

# ---------------------------------------------------------------------------------------- deps

deps: system-deps python-deps

system-deps:
	$(call step,System packages)
	@bash .ci/system-deps.sh

python-deps:
	$(call step,Python environment ($(VENV)))
	@if [ -f "$(PY_STAMP)" ] && "$(PY)" -c '' 2>/dev/null; then \
	  echo "up to date (pyproject.toml unchanged since the last install)"; exit 0; \
	fi; \
	if ! "$(PY)" -c '' 2>/dev/null; then \
	  if [ -z "$(BOOTSTRAP_PYTHON)" ]; then echo "ERROR: neither python3.11 nor python3 found" >&2; exit 1; fi; \
	  echo "creating $(VENV) with $(BOOTSTRAP_PYTHON) ($$("$(BOOTSTRAP_PYTHON)" --version))"; \
	  rm -rf "$(VENV)"; \
	  "$(BOOTSTRAP_PYTHON)" -m venv "$(VENV)"; \
	fi; \
	echo "installing the project's dependencies: pip install -e '.[dev]'"; \
	if ! "$(PY)" -m pip install -q -e '.[dev]'; then \
	  echo "editable install failed; installing the dependencies listed in pyproject.toml instead" >&2; \
	  "$(PY)" -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	    print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' \
	    > "$(VENV)/requirements-from-pyproject.txt"; \
	  "$(PY)" -m pip install -q -r "$(VENV)/requirements-from-pyproject.txt"; \
	fi; \
	rm -rf sandbox.egg-info; \
	rm -f "$(VENV)"/.installed-*; \
	touch "$(PY_STAMP)"; \
	echo "done"

# ----------------------------------------------------------------------------------------- run
# The worker, the deadline scheduler and the server each run in their own process group
# (setsid), so that stopping one also stops the child process of its autoreloader; Ctrl-C,
# SIGTERM or the server exiting on its own stops them all.

run: deps
	$(call step,Translations (compilemessages))
	"$(PY)" manage.py compilemessages --ignore=$(VENV)
	$(call step,Database migrations)
	"$(PY)" manage.py migrate --noinput
	$(call step,Demo data (seed_demo))
	"$(PY)" manage.py seed_demo
	@groups=""; \
	stop_all() { \
	  for g in $$groups; do kill -TERM -- "-$$g" 2>/dev/null || true; done; \
	  for g in $$groups; do wait "$$g" 2>/dev/null || true; done; \
	  groups=""; \
	}; \
	trap stop_all EXIT; \
	trap 'stop_all; exit 130' INT; \
	trap 'stop_all; exit 143' TERM HUP; \
	if ! "$(PY)" manage.py shell -v 0 -c "$(db_backend_check)" >/dev/null 2>&1; then \
	  printf '\n==> %s\n' 'No task worker: tasks run in-process (TASKS_BACKEND=database queues them)'; \
	else \
	  printf '\n==> %s\n' 'Task worker (manage.py db_worker, in the background)'; \
	  setsid "$(PY)" manage.py db_worker & groups="$$!"; \
	fi; \
	printf '\n==> %s\n' "Deadline scheduler (manage.py run_scheduler: a sweep every $${SANDBOX_SWEEP_INTERVAL:-300} s, in the background)"; \
	setsid "$(PY)" manage.py run_scheduler & groups="$$groups $$!"; \
	printf '\n==> %s\n' 'Development server on http://127.0.0.1:8000/ (Ctrl-C stops it)'; \
	setsid "$(PY)" manage.py runserver 127.0.0.1:8000 & server=$$!; groups="$$groups $$server"; \
	wait "$$server"

# --------------------------------------------------------------------------------- serve-prod
# DEBUG=0, gunicorn, whitenoise, database task queue with two db_worker processes, on
# $$DATABASE_URL or, when unset, on a throwaway PostgreSQL cluster (deleted when stopped).

serve-prod: deps
	@"$(PY)" manage.py compilemessages --ignore=$(VENV) >/dev/null
	@if [ -n "$${DATABASE_URL:-}" ]; then \
	  "$(PY)" -m sandbox.prodserver --seed; \
	else \
	  "$(PY)" -m tests.pgcluster -- "$(PY)" -m sandbox.prodserver --seed; \
	fi

# --------------------------------------------------------------------------------------- bench
# Benchmarks are programs in tests/benchmarks/, never part of `make test`.
bench_on_pg = "$(PY)" -m tests.pgcluster -- "$(PY)" -m tests.benchmarks.$(1)

bench: deps
	$(call bench_on_pg,run_all)

bench-transitions: deps
	$(call bench_on_pg,bench_transitions)

bench-load: deps
	$(call bench_on_pg,bench_load)

bench-queue: deps
	$(call bench_on_pg,bench_queue)

bench-export: deps
	$(call bench_on_pg,bench_export)

bench-verify: deps
	$(call bench_on_pg,bench_verify)

bench-verifier: deps
	$(call bench_on_pg,bench_verifier)

bench-letters: deps
	$(call bench_on_pg,bench_letters)

bench-deadlines: deps
	$(call bench_on_pg,bench_deadlines)

bench-register: deps
	$(call bench_on_pg,bench_register)

# ---------------------------------------------------------------------------------------- test

test: deps
	$(call step,Translations (compilemessages; before the passes read them))
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) "$(PY)" manage.py compilemessages --ignore=$(VENV)
	$(call step,checks and pytest on SQLite and on PostgreSQL side by side (each prints when it ends))
	@$(MAKE) --no-print-directory $(TEST_PARALLEL) --output-sync=target _checks _test-postgres _test-sqlite

# The checks and the two passes share nothing (temporary directories, in-memory SQLite, a
# throwaway cluster on a free port), so they run side by side: the passes wait on their
# subprocesses and servers often enough that the checks fit beside them on two cores.
# make test TEST_JOBS=1 runs the checks and the passes one after the other. Each pass ends with
# its 15 slowest tests, to keep the suite within its time.
TEST_JOBS ?= 2
ifeq ($(TEST_JOBS),1)
TEST_PARALLEL := -j1
else
TEST_PARALLEL := -j$(shell echo $$(( $(TEST_JOBS) + 1 )))
endif

_checks:
	$(call step,ruff check)
	"$(BIN)/ruff" check .
	$(call step,ruff format --check)
	"$(BIN)/ruff" format --check .
	$(call step,mypy)
	"$(BIN)/mypy" .
	$(call step,Import contracts (lint-imports: which app may import which))
	"$(BIN)/lint-imports" --no-cache
	$(call step,Migrations are up to date (makemigrations --check))
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) "$(PY)" manage.py makemigrations --check --dry-run

_test-sqlite:
	$(call step,pytest on SQLite (not postgres-marked))
	$(call pytest,env -u DATABASE_URL "$(BIN)/pytest" -m "not postgres" -q -p no:randomly --durations=15 $(PYTEST_ARGS))

_test-postgres:
	$(call step,pytest on PostgreSQL (every test that touches the database; throwaway cluster from tests/pgcluster.py))
	$(call pytest,SANDBOX_TEST_PASS=postgres "$(PY)" -m tests.pgcluster -- "$(BIN)/pytest" -q --durations=15 $(PYTEST_ARGS))

# ------------------------------------------------------------------------------- lint / format

lint: python-deps
	$(call step,ruff check)
	"$(BIN)/ruff" check .
	$(call step,ruff format --check)
	"$(BIN)/ruff" format --check .
	$(call step,mypy)
	"$(BIN)/mypy" .
	$(call step,Import contracts (lint-imports))
	"$(BIN)/lint-imports" --no-cache

format: python-deps
	$(call step,ruff format)
	"$(BIN)/ruff" format .
	$(call step,ruff check --fix)
	"$(BIN)/ruff" check --fix .

# ------------------------------------------------------------------------------------ messages
# New strings arrive untranslated (empty msgstr); changed ones as "fuzzy" guesses. Both must be
# translated (and the fuzzy flag removed) before `make test` passes: tests/i18n checks it.

messages: python-deps
	$(call step,Korean catalog (makemessages))
	mkdir -p locale
	"$(PY)" manage.py makemessages $(MESSAGES_FLAGS)
	@printf 'locale/ko/LC_MESSAGES/django.po: '; \
	  msgfmt --statistics -o /dev/null locale/ko/LC_MESSAGES/django.po

# --------------------------------------------------------------------------------------- clean

clean:
	$(call step,Removing var/ and caches and test leftovers (keeping $(VENV)))
	rm -rf var staticfiles .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache sandbox.egg-info
	find . -path ./$(VENV) -prune -o \
	  -type d -name __pycache__ -prune -exec rm -rf {} +
	tmp="$${TMPDIR:-/tmp}"; rm -rf "$$tmp"/sandbox-test.sqlite3* "$$tmp"/sandbox-test-db-* "$$tmp"/sandbox-test-private-*

