# The two commands of the README's quick start:
#   make up     install everything, then run master + dashboard + local agents + virtual boards
#   make test   install everything, then run the whole suite (what .ci/run calls)
SHELL := /bin/bash
APT_PACKAGES := udev socat chromium gcc libc6-dev binutils curl
BENCH_APT_PACKAGES := redis-server nats-server
STAMP := node_modules/.ourci-install-stamp

.PHONY: up test ci install system-deps bench-deps typecheck lint unit browser build clean

up: install
	./bin/ourci up --virtual-boards esp8266:2,cc3200:1

test: install
	$(MAKE) typecheck lint build unit browser

ci: test

install: system-deps $(STAMP)

$(STAMP): package.json package-lock.json
	ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
	touch $(STAMP)

# System packages: udev (serialport's list()), socat (pty pairs), chromium (browser tests).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get install -y --no-install-recommends $$missing || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends $$missing; }; \
	fi

# Peers for `npm run bench:pubsub` (not needed by the tests).
bench-deps:
	@SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get install -y --no-install-recommends $(BENCH_APT_PACKAGES)

typecheck:
	npm run typecheck

lint:
	npm run lint

build:
	npm run build

unit:
	npx vitest run

browser:
	npx playwright test

clean:
	rm -rf dist out test-results playwright-report
