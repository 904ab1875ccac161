# jssi — the two commands people need are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
BUN_VERSION := 1.4.5
# axe-core for the accessibility tests (tests/e2e/test_accessibility.py injects its axe.min.js into each page).
AXE_VERSION := 4.14.1
AXE_DIR := $(TOOLS)/axe
PORT ?= 3000
export PORT
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_USE_SYSTEM_BUN := 1
export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)

.PHONY: run run-prod test test-prod setup migrate seed bun axe browser nginx run-ca bench clean lint

setup: $(VENV)/.installed bun axe

$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# Some machines' pip configuration names local indexes that may be absent; their warnings are noise.
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 | { grep -v 'is ignored: it is neither' || true; }
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt 2>&1 | { grep -v 'is ignored: it is neither' || true; }
	@touch $@

# Reflex's own bun installer downloads from the internet; take a system bun >= 1.4.4 or bun from the npm registry.
bun:
	@if command -v bun >/dev/null 2>&1 && [ "$$(printf '%s\n' 1.4.4 "$$(bun --version)" | sort -V | head -1)" = 1.4.4 ]; then \
		echo "bun $$(bun --version) found"; \
	else \
		echo "installing bun $(BUN_VERSION) from the npm registry into $(TOOLS)/"; \
		npm install --silent --no-audit --no-fund --prefix $(TOOLS) bun@$(BUN_VERSION) >/dev/null && \
		$(TOOLS)/node_modules/.bin/bun --version; \
	fi

# Its own npm prefix, so the bun install above and this one never prune each other.
axe:
	@if [ "$$(node -p 'require("./$(AXE_DIR)/node_modules/axe-core/package.json").version' 2>/dev/null)" = $(AXE_VERSION) ]; then \
		echo "axe-core $(AXE_VERSION) found"; \
	else \
		echo "installing axe-core $(AXE_VERSION) from the npm registry into $(AXE_DIR)/"; \
		npm install --silent --no-audit --no-fund --save-exact --prefix $(AXE_DIR) axe-core@$(AXE_VERSION) >/dev/null; \
	fi

migrate: $(VENV)/.installed
	$(BIN)/alembic upgrade head

seed: migrate
	$(BIN)/python -m jssi_app seed-demo

run: setup seed
	@$(BIN)/python -m jssi_app print-demo-identities
	@$(BIN)/python -m jssi_app sweep-orphan-files
	@echo "网上服务大厅: http://localhost:$(PORT)/   (发件箱 /dev/outbox，仅非生产环境)"
	$(BIN)/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

# Production mode: PostgreSQL and Redis from the environment (REFLEX_DB_URL, REFLEX_REDIS_URL), JSSI_WORKERS
# backend workers (default 2) sharing JSSI_DATA_DIR for uploads. docs/operations.md, "Production mode".
run-prod: setup
	@test -n "$$REFLEX_DB_URL" && test -n "$$REFLEX_REDIS_URL" || { \
		echo "make run-prod 需要 REFLEX_DB_URL=postgresql+psycopg://… 和 REFLEX_REDIS_URL=redis://…"; exit 2; }
	$(BIN)/alembic upgrade head
	@if [ "$${JSSI_ENV:-dev}" != prod ]; then $(BIN)/python -m jssi_app seed-demo && $(BIN)/python -m jssi_app print-demo-identities; fi
	$(BIN)/python -m jssi_app sweep-orphan-files
	@echo "网上服务大厅（生产模式，$${JSSI_WORKERS:-2} 个后端进程）: http://localhost:$(PORT)/"
	GRANIAN_WORKERS=$${JSSI_WORKERS:-2} $(BIN)/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

# A Chromium for Playwright: the system one, else Debian's package (as root), else Playwright's download.
# As root on Debian, CJK fonts too, so the screenshots the e2e tests keep show Chinese rather than boxes.
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && echo "chromium installed"; \
	else $(BIN)/python -m playwright install chromium; fi
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
		(apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null)) \
		&& echo "fonts-noto-cjk installed"; fi

# nginx for 单位CA证书登录 (mutual TLS): the e2e test runs one on loopback; `make run-ca` puts one in front of `make run`.
nginx:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then echo "nginx: $$(command -v nginx || echo /usr/sbin/nginx)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null)) \
		&& echo "nginx installed"; \
	else echo "nginx is missing: install it (apt-get install nginx) for the CA login test"; fi

# In another terminal while `make run` serves: nginx on https://localhost:8443 (site) and :8444 (CA login).
run-ca: setup nginx
	deploy/nginx/run-local.sh

test: setup browser nginx
	$(BIN)/python -m pytest tests

# The suite again as production runs: every app-level test against the app on PostgreSQL + Redis with two workers
# (JSSI_TEST_PG_URL, JSSI_TEST_REDIS_URL required); .ci/run runs both.
test-prod: setup browser nginx
	JSSI_TEST_MODE=prod $(BIN)/python -m pytest tests

bench: setup browser
	$(BIN)/python -m bench
	@# The first-load JS and CSS of the sign-in and registration pages: builds and serves the app (~90 s).
	$(BIN)/python -m bench.frontend_weight
	@# Simulated people over the websocket against the app in production mode (PostgreSQL + Redis from
	@# JSSI_BENCH_PG_URL/JSSI_TEST_PG_URL and JSSI_BENCH_REDIS_URL/JSSI_TEST_REDIS_URL, else the embedded default);
	@# its soak lasts 10 minutes here (JSSI_BENCH_SOAK_SECONDS; 30 s when run by hand): ≈ 20 minutes on 2 cores.
	JSSI_BENCH_SOAK_SECONDS=$${JSSI_BENCH_SOAK_SECONDS:-600} $(BIN)/python -m bench.load
	@# The long mode of the kill -9 tests (make test runs 20 kills per database); figures in test-results/durability-*.json.
	@# The real server's restarts take seconds, not milliseconds: 60 kills of it per database (≈ 10–15 minutes each).
	JSSI_KILL9_KILLS=$${JSSI_KILL9_KILLS:-200} JSSI_KILL9_SERVER_KILLS=$${JSSI_KILL9_SERVER_KILLS:-60} \
		$(BIN)/python -m pytest -q tests/durability
	@# The long hostile-input profile (500 examples per property instead of make test's 60): docs/security.md
	JSSI_FUZZ_PROFILE=long $(BIN)/python -m pytest -q tests/unit/test_hostile_validators.py tests/services/test_hostile_*.py

clean:
	rm -rf .web .states var test-results
