# m365id: convenience targets around CMake. `make demo` and `make test` are the whole set-up on a
# fresh Debian 12 machine: both install missing packages first (scripts/install-deps).

BUILD     ?= build
ASAN      ?= build-asan
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_OPT ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Seconds each fuzz target runs in `make fuzz`, and in the smoke run of `make test`. A positive
# FUZZ_RUNS also stops each target of `make fuzz` after that many executions.
FUZZ_SECONDS ?= 180
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_RUNS ?= 0
FUZZ_TARGETS = fuzz_jwt_parse fuzz_json_parse fuzz_sts_reply fuzz_graph_reply fuzz_token_file \
               fuzz_config_resolve \
               fuzz_manifest fuzz_emu_scenario fuzz_emu_token_form fuzz_emu_query fuzz_emu_request \
               fuzz_tfp_dynamic fuzz_cred_reply fuzz_doctor_reply

.PHONY: all deps build test test-fast test-asan demo bench fuzz fuzz-build fuzz-run fuzz-smoke \
        clean

all: build

deps:
	scripts/install-deps

build:
	cmake -S . -B $(BUILD) $(CMAKE_OPT) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Every test twice: the normal build, then the same suite under ASan and UBSan; then each fuzz
# target for FUZZ_SMOKE_SECONDS when clang has libFuzzer (the suites replay the corpora anyway).
test: deps
	$(MAKE) test-fast
	$(MAKE) test-asan
	$(MAKE) fuzz-smoke

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
	bench/emulator_slowloris/run $(BUILD)
	bench/provider/run $(BUILD)

# Run every fuzz target for FUZZ_SECONDS, one after another. New inputs go to
# build-fuzz/corpus/<target>, crash inputs to build-fuzz/artifacts/; fuzz/corpus/<target> is
# read but never written.
fuzz: fuzz-build
	FUZZ_RUNS=$(FUZZ_RUNS) scripts/fuzz-run build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-run: fuzz

fuzz-build: deps
	CC=clang cmake -S . -B build-fuzz -DM365ID_FUZZ=ON -DM365ID_TESTS=OFF >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)

# A bounded smoke run of every target, skipped (with a message) without clang's libFuzzer.
fuzz-smoke:
	@if printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' | \
	    clang -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null; then \
	    $(MAKE) fuzz-build && scripts/fuzz-run build-fuzz $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS); \
	else \
	    echo "fuzz-smoke: clang with libFuzzer not found; the corpus replay tests ran instead"; \
	fi

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
