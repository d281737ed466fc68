# m365id: convenience targets around CMake. `make demo` and `make test` are the whole set-up on a
# fresh Debian 12 machine: both install missing packages first (scripts/install-deps).

BUILD     ?= build
ASAN      ?= build-asan
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_OPT ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Seconds each fuzz target runs in `make fuzz-run`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = fuzz_jwt_parse fuzz_json_parse fuzz_sts_reply fuzz_graph_reply fuzz_token_file \
               fuzz_emu_scenario fuzz_emu_token_form

.PHONY: all deps build test test-fast test-asan demo bench fuzz fuzz-run clean

all: build

deps:
	scripts/install-deps

build:
	cmake -S . -B $(BUILD) $(CMAKE_OPT) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Every test twice: the normal build, then the same suite under ASan and UBSan.
test: deps
	$(MAKE) test-fast
	$(MAKE) test-asan

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

test-asan:
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DM365ID_SANITIZE=ON >/dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j $(JOBS) --timeout 600

demo: deps build
	scripts/demo $(BUILD)

bench: deps build
	bench/token/run $(BUILD)

fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DM365ID_FUZZ=ON -DM365ID_TESTS=OFF >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)

# Run every fuzz target for FUZZ_SECONDS. New inputs go to build-fuzz/corpus/<target>, crash
# inputs to build-fuzz/artifacts/; fuzz/corpus/<target> is read but never written.
fuzz-run: fuzz
	@mkdir -p build-fuzz/artifacts
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p build-fuzz/corpus/$$t; \
	    echo "fuzz-run: $$t for $(FUZZ_SECONDS)s"; \
	    build-fuzz/fuzz/$$t build-fuzz/corpus/$$t fuzz/corpus/$$t \
	        -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build-fuzz/artifacts/$$t- \
	        -print_final_stats=1; \
	done

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
