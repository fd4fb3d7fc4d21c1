#!/usr/bin/env bash
# The explorer in a real browser: the demo's state (scripts/demo.sh with KEEP=1: chain, datasets,
# rounds, disputes, settlement) behind a node, then every page in headless Chromium driven by
# puppeteer-core (explorer.test.mjs). Screenshots go to BUILD/explorer-screenshots.
# usage: test_explorer.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$1; case $B in /*) ;; *) B=$PWD/$B ;; esac
XP=$B/bin/xtalproof
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
[ -x "$CHROMIUM" ] || { echo "test_explorer: no chromium (Debian package chromium): run scripts/bootstrap.sh"; exit 1; }
[ -d web/node_modules/puppeteer-core ] && [ -d web/node_modules/axe-core ] ||
  { echo "test_explorer: no web/node_modules: run scripts/bootstrap.sh (npm ci in web/)"; exit 1; }
work=$B/explorer-test
rm -rf "$work"; mkdir -p "$work"
trap '[ -f "$work/demo/stop.sh" ] && bash "$work/demo/stop.sh"' EXIT
start=$SECONDS
KEEP=1 DEMO_WORK=$work/demo bash scripts/demo.sh "$B" > "$work/demo.log" 2>&1 ||
  { tail -30 "$work/demo.log"; echo "test_explorer: the demo failed"; exit 1; }
echo "demo state made in $((SECONDS - start)) s"
URL=$(cat "$work/demo/explorer.url")
S=$(cd "${XTALPROOF_SHARED:-../shared}/data/cgcnn/sample-cifs" && pwd)
RPC=$(jq -r .rpc "$work/demo/home/deployment-31337.json")
# what `xtalproof verify` prints for the demo's record and for a tampered copy (another value):
# the page must show the same lines
rec=$work/demo/r1-0.json
jq '.valueQ = 70000' "$rec" > "$work/tampered.json"
for r in "$rec" "$work/tampered.json"; do
  XTALPROOF_HOME=$work/demo/home "$XP" verify "$r" --structure "$S/9011998.cif" --rpc "$RPC" \
    > "$work/$(basename "$r" .json).verify.txt" || true
done
grep -q '^FAIL' "$work/tampered.verify.txt" || { echo "test_explorer: the tampered record passes verify"; exit 1; }
# the explorer's chain answers are cached by the chain's latest block: a second request at the
# same block comes from the cache (the node's metrics count it) with the same answer; a new block
# (anvil's evm_mine) gives a fresh one, read from the chain, at that block
served() { curl -fsS "${URL}metrics" | awk -v s="source=\"$1\"" 'index($0, s) { print $2 }'; }
rounds() { curl -fsS "${URL}v1/chain/rounds?limit=1000"; }
rpc() { curl -fsS -H 'content-type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":[]}" "$RPC"; }
r1=$(rounds); h1=$(served cache); m1=$(served chain)
r2=$(rounds); h2=$(served cache); m2=$(served chain)
[ "$r1" = "$r2" ] && [ "$h2" = $((h1 + 1)) ] && [ "$m2" = "$m1" ] ||
  { echo "test_explorer: the second request at the same block is not the cached answer ($h1 $m1 -> $h2 $m2)"; exit 1; }
b1=$(jq .block <<< "$r1")
[ "$b1" = $(($(rpc eth_blockNumber | jq -r .result))) ] || { echo "test_explorer: block $b1 is not the chain's"; exit 1; }
rpc evm_mine > /dev/null
r3=$(rounds); h3=$(served cache); m3=$(served chain)
[ "$(jq .block <<< "$r3")" = $((b1 + 1)) ] && [ "$m3" = $((m2 + 1)) ] && [ "$h3" = "$h2" ] ||
  { echo "test_explorer: a new block did not give a fresh answer ($(jq .block <<< "$r3"), $h2 $m2 -> $h3 $m3)"; exit 1; }
echo "explorer chain cache: a hit at block $b1, a fresh read at block $((b1 + 1))"
node tests/web/explorer.test.mjs "$URL" "$CHROMIUM" "$work" "$B/explorer-screenshots" "$rec"
