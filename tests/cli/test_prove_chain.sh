#!/usr/bin/env bash
# A record made by prove against the deployed contracts on a fresh anvil (free port): the
# Rounds contract's commitmentHash of the record's fields is its commitment, and anvil's
# eth_sign of its recordHash (js-sha3) by the predictor, anvil's account 0 imported into a
# keystore, is its signature (tests/tools/prove-chain-check.js).
# usage: test_prove_chain.sh PATH/TO/xtalproof SHARED_DIR TESTNET_DIR
set -u
XP=$1
S=$2/data/cgcnn/sample-cifs/1000041.cif
TN=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
if [ ! -x "$TN/node_modules/.bin/anvil" ]; then
  echo "no anvil in $TN/node_modules/.bin (run scripts/bootstrap.sh)"; echo "0 passed, 1 failed"; exit 1
fi
PORT=$(free_port) || { echo "no free port found"; echo "0 passed, 1 failed"; exit 1; }
export ANVIL_DIR=$T/inst ANVIL_PORT=$PORT ANVIL_CHAIN_ID=4711 ANVIL_STATE=none XTALPROOF_HOME=$T/home
export TESTNET_DIR=$TN ANVIL_BIN=$TN/node_modules/.bin/anvil
trap '"$TN/anvil-down" >/dev/null 2>&1; rm -rf "$T"' EXIT
"$TN/anvil-up" >"$T/up" 2>&1 || { cat "$T/up"; echo "0 passed, 1 failed"; exit 1; }
CHECK=$(dirname "$0")/../tools/prove-chain-check.js
URL=http://127.0.0.1:$PORT

read -r CHAIN ROUNDS < <(node "$CHECK" "$URL" deploy) && [ -n "$ROUNDS" ] && ok "deployed Rounds at $ROUNDS (chain $CHAIN)" || bad "deploy failed"
echo ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 > "$T/k"
echo pw > "$T/pw"
expect "key import (anvil account 0)" 0 "$XP" key import --private-key-file "$T/k" --keystore "$T/ks.json" --password-file "$T/pw" --light-kdf
P=(prove --model formation-energy-per-atom --keystore "$T/ks.json" --password-file "$T/pw" --round 5 --target 0 --chain-id "$CHAIN" --rounds-contract "$ROUNDS")
expect "prove" 0 "$XP" "${P[@]}" "$S"
expect "prove --reveal" 0 "$XP" "${P[@]}" --reveal --out "$T/rev.json" "$S"
node "$CHECK" "$URL" check "$T/rev.json" | tee "$T/chk"
pass=$((pass + $(grep -c '^ok ' "$T/chk"))); fail=$((fail + $(grep -c '^FAIL ' "$T/chk")))
[ "$(grep -c '^ok ' "$T/chk")" = 2 ] || bad "chain checks did not all run"
finish
