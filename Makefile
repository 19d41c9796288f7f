# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
WEB_CONCURRENCY ?= 2
# Production-like settings for `make check` (nothing here is a real secret).
PROD_ENV := DEBUG=0 HTTPS_ONLY=1 ALLOWED_HOSTS=spa.example.com SITE_URL=https://spa.example.com \
	SECRET_KEY=check-only-$$(date +%s)-a-long-random-looking-key-for-deploy-checks-0123456789

.PHONY: run test serve worker lint fmt check bench reliability audit clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

# The links in mail point at the port served (unless SITE_URL says otherwise).
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.runtime-installed
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo --if-empty
	@# The worker (mail, texts, reminders) beside the web server; Ctrl-C stops both.
	@DEBUG=$${DEBUG:-1} $(PY) manage.py qcluster & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.dev-installed
	$(VENV)/bin/pytest -n $${TEST_WORKERS:-2} --dist loadgroup $(PYTEST_ARGS)

serve: $(VENV)/.runtime-installed
	DEBUG=0 $(PY) manage.py collectstatic --no-input --verbosity 0
	DEBUG=0 $(PY) manage.py migrate --no-input
	DEBUG=0 $(VENV)/bin/gunicorn medspa.wsgi --bind 127.0.0.1:$(PORT) \
		--workers $(WEB_CONCURRENCY) --access-logfile - --forwarded-allow-ips='127.0.0.1' \
		--logger-class medspa.log_redaction.RedactingGunicornLogger

# The background worker (django-q2): sends mail and texts, runs the minute schedule.
worker: $(VENV)/.runtime-installed
	DEBUG=0 $(PY) manage.py qcluster

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: $(VENV)/.dev-installed
	$(PROD_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# Load test on a fresh Postgres database (bench/run.py; BENCH_SECONDS, BENCH_ROUNDS).
bench: $(VENV)/.runtime-installed
	$(PY) bench/run.py

# The mail worker under faults (bench/worker_reliability.py, SECURITY.md G13): a hanging
# mail server, SIGTERM and SIGKILL mid-way; its own fresh database; about 4 minutes.
reliability: $(VENV)/.dev-installed
	$(PY) bench/worker_reliability.py

# Lighthouse 12.2.3 (npm, locked in package-lock.json) with Debian's Chromium, against a
# production-like server on a free port with a seeded database in /tmp; mobile; prints the
# scores of four pages and fails below the targets (tools/audit/lighthouse.py).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

audit: $(VENV)/.runtime-installed node_modules/.installed
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(PY) tools/audit/lighthouse.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
