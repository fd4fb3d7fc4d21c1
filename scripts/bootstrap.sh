#!/usr/bin/env bash
# Installs everything xtalproof needs on a fresh Debian 12 machine, and skips what is present:
# the system libraries and tools with apt-get, the chain tools (anvil, forge, solc) and the
# Solidity libraries with `npm ci` from testnet/package-lock.json, the explorer's 3D viewer and
# browser-test tools with `npm ci` from web/package-lock.json. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the libraries of DESIGN.md, the build tools, clang for fuzzing, chromium for
# the explorer's browser test.
PKGS=(
  build-essential cmake pkg-config git ca-certificates jq curl
  libsecp256k1-dev libsodium-dev libssl-dev liblmdb-dev libcurl4-openssl-dev zlib1g-dev
  lmdb-utils  # mdb_copy: the store's online backup (docs/operations.md, its test)
  libsymspg-dev libjansson-dev libmicrohttpd-dev libcmocka-dev libcif-dev
  clang libclang-rt-14-dev
  nodejs npm
  # the Python package (python/, make python) and its tests: Debian's Python 3 only, no PyPI
  python3-cffi python3-numpy python3-pymatgen python3-ase python3-spglib python3-pytest
  python3-pip python3-setuptools python3-wheel python3-venv
  chromium
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# nodejs/npm may come from elsewhere than Debian (the image ships Node 20): accept a working one.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]:-}"

if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "bootstrap: system packages present"
fi

# npm tools, pinned by the lock file. Reinstalled only when the lock file changed.
stamp=testnet/node_modules/.xtalproof-lock.sha256
want=$(sha256sum testnet/package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x testnet/node_modules/.bin/anvil ]; then
  echo "bootstrap: npm tools present"
else
  echo "bootstrap: npm ci in testnet/"
  (cd testnet && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi
# the explorer's 3D viewer (3Dmol.js, embedded in the node at build time) and the browser test's
# puppeteer-core and axe-core, pinned by web/package-lock.json
stamp=web/node_modules/.xtalproof-lock.sha256
want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f web/node_modules/3dmol/build/3Dmol-min.js ]; then
  echo "bootstrap: explorer npm packages present"
else
  echo "bootstrap: npm ci in web/"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi
testnet/node_modules/.bin/anvil --version | head -1
