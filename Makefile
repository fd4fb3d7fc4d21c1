# Thin wrapper over CMake. `make` builds into build/; `make test` and `make demo`
# first run the bootstrap, which installs what is missing and skips what is present.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# Warnings are errors where we build (make test, CI: WERROR=ON); a plain build leaves the
# compiler's verdict to the user's flags. Unset, the build folder keeps what it had.
WERROR ?=
WFLAG = $(if $(WERROR),-DXTALPROOF_WERROR=$(WERROR))
PREFIX ?= /usr/local

.PHONY: all build bootstrap test test-unit test-asan fuzz fuzz-smoke demo clean format \
        install uninstall release-check package package-test gpu-check python

all: build

build:
	cmake -S . -B $(BUILD) $(WFLAG) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# The program, models, contract ABIs, docs, man page and completion under PREFIX (DESTDIR is
# honoured); `make uninstall` removes what build/install_manifest.txt lists.
install:
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(WFLAG) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

uninstall:
	cmake --build $(BUILD) --target uninstall

# Release builds with gcc and clang, warnings as errors (CI); BUILD_TYPES="Debug Release ..."
# for more.
BUILD_TYPES ?= Release
release-check:
	bash scripts/build-matrix.sh build-matrix "gcc clang" "$(BUILD_TYPES)"

# The Debian package (build-pkg/xtalproof_VERSION_amd64.deb), and its install test (root).
package:
	cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	  -DXTALPROOF_CUDA=OFF -DXTALPROOF_SOURCE_MODELS=OFF >/dev/null
	cmake --build build-pkg -j $(JOBS) --target xtalproof_cli xtalproof_shared xtalproof_man
	cd build-pkg && cpack -G DEB

package-test:
	bash scripts/package-test.sh build-pkg

# On a machine with an NVIDIA GPU: the CUDA build, CPU == GPU, throughput (OUT=folder).
gpu-check:
	bash scripts/gpu-check.sh $${OUT:-gpu-check}

bootstrap:
	bash scripts/bootstrap.sh

# The Python package (python/, docs/python.md) in a virtual environment under the build folder,
# offline: Debian's pip and setuptools, and cffi, numpy, pymatgen and ASE from Debian (the venv
# sees the system's packages). Then `. $(BUILD)/venv/bin/activate` and `import xtalproof`.
PYTHON_VENV := $(BUILD)/venv
python: build
	[ -x $(PYTHON_VENV)/bin/python3 ] || /usr/bin/python3 -m venv --system-site-packages $(PYTHON_VENV)
	XTALPROOF_BUILD=$(abspath $(BUILD)) $(PYTHON_VENV)/bin/pip install -q --no-build-isolation \
	  --no-index --force-reinstall --no-deps ./python
	cd / && $(abspath $(PYTHON_VENV))/bin/python3 -c "import xtalproof; print('xtalproof', \
	  xtalproof.__version__, 'over', xtalproof.LIBRARY_PATH)"

# All tests: the contracts (forge), unit and integration tests (ctest), then the unit tests
# again under ASan+UBSan.
test: bootstrap
	$(MAKE) contracts-test WERROR=ON
	$(MAKE) test-unit WERROR=ON
	$(MAKE) test-asan WERROR=ON

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DXTALPROOF_SANITIZE=ON -DXTALPROOF_CUDA=OFF $(WFLAG) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit

fuzz:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DXTALPROOF_FUZZ=ON -DXTALPROOF_CUDA=OFF -DXTALPROOF_WERROR=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Each fuzz target for a short bounded time (FUZZ_SECONDS each).
fuzz-smoke: fuzz
	bash tests/fuzz/run.sh $(FUZZ_BUILD) $${FUZZ_SECONDS:-20}

demo: bootstrap build
	KEEP=$(KEEP) bash scripts/demo.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cu')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-pkg build-matrix

# Contracts and the local chain. forge runs offline in contracts/ with the npm solc behind
# testnet/solc-wrapper (contracts/foundry.toml names it by a path relative to contracts/).
FORGE := testnet/node_modules/.bin/forge
.PHONY: contracts-build contracts-test contracts-snapshot contracts-gas-bench testnet-test
# The step-vector files of tests/stepvec/gen_step_vectors (read by contracts/test/inference/; forge
# may read under build/ only, contracts/foundry.toml's fs_permissions).
STEPVEC := $(abspath $(BUILD))/stepvec

$(FORGE):
	bash scripts/bootstrap.sh

# Builds the contracts and writes each one's ABI to contracts/abi/<Name>.json and its creation
# bytecode to contracts/bin/<Name>.bin (both committed, so the C side needs no forge); then the
# build for EVMs at Shanghai rules (foundry.toml's shanghai profile) into contracts/bin/shanghai/,
# with the same ABIs.
contracts-build: $(FORGE)
	cd contracts && ../$(FORGE) build
	node contracts/tools/export-abi.js
	cd contracts && FOUNDRY_PROFILE=shanghai ../$(FORGE) build
	node contracts/tools/export-abi.js --profile shanghai

# All forge tests (unit, fuzz, invariant, gas), the per-function gas report, and the gas figures
# of the issue's targets (contracts/snapshots/GasTest.json, written by test/Gas.t.sol); then
# checks that the committed contracts/abi and contracts/bin match the sources. The step verifiers'
# tests (test/inference/) run on vectors the C reference writes first (gen_step_vectors, about
# 10 s), without the gas report (they make some 10^6 calls), and print the gas of the dev
# structures' step checks. The dispute game's tests (test/inference/DisputeGame.t.sol) play whole
# games over the traces gen_game_vectors writes into $(STEPVEC)/game (about 2 s, 20 MB).
contracts-test: $(FORGE) build
	$(BUILD)/bin/gen_step_vectors $(STEPVEC)
	rm -rf $(STEPVEC)/game && $(BUILD)/bin/gen_game_vectors $(STEPVEC)/game
	cd contracts && ../$(FORGE) test --gas-report --no-match-path 'test/inference/*'
	cd contracts && STEPVEC_DIR=$(STEPVEC) ../$(FORGE) test --match-path 'test/inference/*' -vv
	node contracts/tools/gas-summary.js
	node contracts/tools/export-abi.js --check
	cd contracts && FOUNDRY_PROFILE=shanghai ../$(FORGE) test --no-match-path 'test/inference/*'
	node contracts/tools/export-abi.js --profile shanghai --check

# The worst gas of every step check of every dev structure with both models, as transactions
# (about 10 minutes on two cores; 2 GB of vectors in build/stepvec-all, removed after).
contracts-gas-bench: $(FORGE) build
	$(BUILD)/bin/gen_step_vectors --dev-all $(STEPVEC)-all
	cd contracts && STEPVEC_DIR=$(STEPVEC)-all STEPVEC_BENCH=1 bash -o pipefail -c \
	  "../$(FORGE) test --match-path test/inference/StepVectors.t.sol --match-test test_bench_ -vv \
	  | tee $(STEPVEC)-all/bench.log"
	awk '/^  bench / { k = $$2; n[k] += $$4; if ($$9 > m[k]) m[k] = $$9 } \
	  END { printf "%-8s %9s %13s\n", "kind", "checks", "max tx gas"; \
	  for (k in n) printf "%-8s %9d %13d\n", k, n[k], m[k] }' $(STEPVEC)-all/bench.log
	rm -f $(STEPVEC)-all/*.bin

# Rewrites contracts/.gas-snapshot (gas of every test) after a change; commit the result. The
# step verifiers' vector tests are left out (their gas is that of 10^4 vectors, and they need
# build/stepvec: make contracts-test).
contracts-snapshot: $(FORGE)
	cd contracts && ../$(FORGE) snapshot --no-match-path 'test/inference/*'

# anvil-up / anvil-status / anvil-down on a free port; the committed contracts deployed there.
testnet-test: $(FORGE)
	bash tests/cli/test_testnet.sh
	bash tests/cli/test_contracts_deploy.sh
