# Thin wrapper over CMake. `make` builds into build/; `make test` and `make demo`
# first run the bootstrap, which installs what is missing and skips what is present.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build bootstrap test test-unit test-asan fuzz fuzz-smoke demo clean format

all: build

build:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

bootstrap:
	bash scripts/bootstrap.sh

# All tests: the contracts (forge), unit and integration tests (ctest), then the unit tests
# again under ASan+UBSan.
test: bootstrap
	$(MAKE) contracts-test
	$(MAKE) test-unit
	$(MAKE) test-asan

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DXTALPROOF_SANITIZE=ON -DXTALPROOF_CUDA=OFF >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit

fuzz:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DXTALPROOF_FUZZ=ON -DXTALPROOF_CUDA=OFF >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Each fuzz target for a short bounded time (FUZZ_SECONDS each).
fuzz-smoke: fuzz
	bash tests/fuzz/run.sh $(FUZZ_BUILD) $${FUZZ_SECONDS:-20}

demo: bootstrap build
	bash scripts/demo.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cu')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# Contracts and the local chain. forge runs offline in contracts/ with the npm solc behind
# testnet/solc-wrapper (contracts/foundry.toml names it by a path relative to contracts/).
FORGE := testnet/node_modules/.bin/forge
.PHONY: contracts-build contracts-test contracts-snapshot testnet-test

$(FORGE):
	bash scripts/bootstrap.sh

# Builds the contracts and writes each one's ABI to contracts/abi/<Name>.json and its creation
# bytecode to contracts/bin/<Name>.bin (both committed, so the C side needs no forge).
contracts-build: $(FORGE)
	cd contracts && ../$(FORGE) build
	node contracts/tools/export-abi.js

# All forge tests (unit, fuzz, invariant, gas), the per-function gas report, and the gas figures
# of the issue's targets (contracts/snapshots/GasTest.json, written by test/Gas.t.sol); then
# checks that the committed contracts/abi and contracts/bin match the sources.
contracts-test: $(FORGE)
	cd contracts && ../$(FORGE) test --gas-report
	node contracts/tools/gas-summary.js
	node contracts/tools/export-abi.js --check

# Rewrites contracts/.gas-snapshot (gas of every test) after a change; commit the result.
contracts-snapshot: $(FORGE)
	cd contracts && ../$(FORGE) snapshot

# anvil-up / anvil-status / anvil-down on a free port; the committed contracts deployed there.
testnet-test: $(FORGE)
	bash tests/cli/test_testnet.sh
	bash tests/cli/test_contracts_deploy.sh
