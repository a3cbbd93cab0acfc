# The two commands of the README's quick start:
#   make up     install everything, then run master + dashboard + local agents + virtual boards
#   make test   install everything, then run the whole suite (the checks .ci/run runs)
SHELL := /bin/bash
BENCH_APT_PACKAGES := redis-server nats-server
STAMP := node_modules/.ourci-install-stamp

.PHONY: up test ci install bench-deps typecheck lint unit browser build clean

up: install
	./bin/ourci up --virtual-boards esp8266:2,cc3200:1

test: install
	$(MAKE) typecheck lint build unit browser

ci: test

install: $(STAMP)

# .ci/install: system packages (apt) and `npm ci`; rerun when the dependencies change.
$(STAMP): package.json package-lock.json
	./.ci/install

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
