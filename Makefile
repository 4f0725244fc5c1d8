# qiscus-agent-allocator: every entry point a user or CI needs.
#   make test   install what is missing, build, run the whole suite (a throw-away redis-server per run)
#   make demo   install what is missing, build, and show the whole loop against the Qiscus simulator
#   make soak   5 minutes of load on two instances, one killed with SIGKILL every minute (not in CI)
#   make bench  measure ingest, latency and throughput against the raw Redis rate (docs/performance.md)
#   make build  release build of the `allocator` binary into .build/release/
#   make deps   install the Debian packages only (make test adds chromium for the browser tests)
SHELL := /bin/bash
DEB_PACKAGES := libhiredis-dev libcurl4-openssl-dev libmicrohttpd-dev redis-server pkg-config
# Only the tests need these: the browser tests drive chromium headless (Tests/TestSupport/Browser.swift); its fontconfig brings a font.
TEST_DEB_PACKAGES := chromium
SWIFT ?= swift
SWIFT_FLAGS ?=

.PHONY: deps build test demo soak bench clean

deps:
	@./scripts/install-deps.sh $(DEB_PACKAGES)

build: deps
	$(SWIFT) build -c release $(SWIFT_FLAGS)

# The suites that load the machine most (a six-node Redis Cluster under webhook traffic, 40,000 rooms through the
# scripts) run after the others, on their own, so the timing bounds of the rest are not measured beside them.
HEAVY_SUITES := ClusterTenantsTests|TombstoneMemoryTests|RedisClusterFailureTests
# End-to-end suites whose checks bound a time (rooms assigned within 1.5 s of a resolve while the bot endpoint
# hangs) run alone too: in the full parallel run the machine's load, not the service, decided them once.
TIMED_SUITES := QueueMessageTests

test: deps
	@./scripts/install-deps.sh $(TEST_DEB_PACKAGES)
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build --skip '$(HEAVY_SUITES)|$(TIMED_SUITES)' $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build --filter '$(TIMED_SUITES)' $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build --filter '$(HEAVY_SUITES)' $(SWIFT_FLAGS)

demo: deps
	$(SWIFT) build -c release --product allocator $(SWIFT_FLAGS)
	"$$($(SWIFT) build -c release --show-bin-path)/allocator" demo

soak: deps
	$(SWIFT) build -c release --product allocator $(SWIFT_FLAGS)
	"$$($(SWIFT) build -c release --show-bin-path)/allocator" soak --minutes 5

bench: deps
	$(SWIFT) build -c release --product allocator $(SWIFT_FLAGS)
	"$$($(SWIFT) build -c release --show-bin-path)/allocator" bench

clean:
	rm -rf .build
