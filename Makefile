# The two commands of the README, and a few conveniences. Each installs what is missing first.
PRESET ?= release
JOBS ?= $(shell nproc)
# Most tests wait (on Redis, on child processes, on timers) more than they compute: CTest runs
# twice as many at once as there are cores (docs/operations.md, "Build and CI time").
TEST_JOBS ?= $(shell echo $$(( 2 * $(JOBS) )))

.PHONY: all deps build test test-asan run examples bench bench-web format clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	@ctest --preset $(PRESET) -j $(TEST_JOBS)

test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

run: build
	@./scripts/run.sh build/$(PRESET)

examples: build
	@./scripts/examples.sh build/$(PRESET)

bench: build
	@cmake --build --preset $(PRESET) -j $(JOBS) --target api_bench
	@./bench/run.sh build/$(PRESET)

# The web application's bench alone (bench/web): the web build, accordd and accordctl, and
# tests/web's playwright-core driving /usr/bin/chromium.
bench-web: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS) --target web accordd accordctl
	@[ -d tests/web/node_modules/playwright-core ] || (cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
	@./bench/run.sh build/$(PRESET) web

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf build
