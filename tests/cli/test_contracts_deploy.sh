#!/usr/bin/env bash
# The committed contract artifacts (contracts/bin) deployed to a fresh anvil on a free port
# and checked against outside implementations (testnet/deploy-check.js: js-sha3 for the
# commitment and the record leaf, anvil's eth_signTypedData_v4 for the oracle reports).
# usage: test_contracts_deploy.sh [TESTNET_DIR]   (default: the testnet/ of this checkout)
set -u
TN=${1:-$(cd "$(dirname "$0")/../../testnet" && pwd)}
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"

if [ ! -x "$TN/node_modules/.bin/anvil" ]; then
  echo "no anvil in $TN/node_modules/.bin (run scripts/bootstrap.sh)"
  echo "0 passed, 1 failed"
  exit 1
fi
PORT=$(free_port) || { echo "no free port found"; echo "0 passed, 1 failed"; exit 1; }
export ANVIL_DIR=$T/inst ANVIL_PORT=$PORT ANVIL_CHAIN_ID=4711 ANVIL_STATE=none
trap '"$TN/anvil-down" >/dev/null 2>&1; rm -rf "$T"' EXIT

"$TN/anvil-up" >"$T/up" 2>&1 || { cat "$T/up"; echo "0 passed, 1 failed"; exit 1; }
node "$TN/deploy-check.js" "http://127.0.0.1:$PORT" | tee "$T/out"
rc=${PIPESTATUS[0]}
passed=$(grep -c '^ok ' "$T/out")
failed=$(grep -c '^FAIL ' "$T/out")
[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed"
[ "$rc" = 0 ]
