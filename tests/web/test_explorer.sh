#!/usr/bin/env bash
# The explorer in a real browser: the demo's state (scripts/demo.sh with KEEP=1: chain, datasets,
# rounds, disputes, settlement) behind a node, then every page in headless Chromium driven by
# puppeteer-core (explorer.test.mjs), then the chain cache on anvil: a hit at one block, carried
# over an empty block, one round read after a block that opens one, a reorg at the same height
# seen. Screenshots go to BUILD/explorer-screenshots.
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
node tests/web/explorer.test.mjs "$URL" "$CHROMIUM" "$work" "$B/explorer-screenshots" "$rec"

# the explorer's chain answers are cached at the chain's latest block, its number and hash, and
# carried to the next block when the block's logs leave them unchanged (docs/api.md, "The
# explorer"); the node's metrics count answers and rounds served from the cache and read
metric() { curl -fsS "${URL}metrics" | awk -v k="$1" 'index($0, k) == 1 { print $2 }'; }
served() { metric "xtalproof_explorer_chain_answers_total{source=\"$1\"}"; }
read_rounds() { metric 'xtalproof_explorer_rounds_total{source="chain"}'; }
rounds() { curl -fsS "${URL}v1/chain/rounds?limit=1000"; }
rpc() { curl -fsS -H 'content-type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":${2:-[]}}" "$RPC"; }
fail() { echo "test_explorer: $*"; exit 1; }
# a second request at the same block: the cached answer
r1=$(rounds); h1=$(served cache); m1=$(served chain)
r2=$(rounds); h2=$(served cache); m2=$(served chain)
[ "$r1" = "$r2" ] && [ "$h2" = $((h1 + 1)) ] && [ "$m2" = "$m1" ] ||
  fail "the second request at the same block is not the cached answer ($h1 $m1 -> $h2 $m2)"
b1=$(jq .block <<< "$r1"); c1=$(jq .count <<< "$r1")
[ "$b1" = $(($(rpc eth_blockNumber | jq -r .result))) ] || fail "block $b1 is not the chain's"
# a new block without logs of the deployment (anvil's evm_mine): the same answer, at that block,
# from the cache, no round read again
rpc evm_mine > /dev/null
k2=$(read_rounds); r3=$(rounds); h3=$(served cache); m3=$(served chain)
[ "$(jq .block <<< "$r3")" = $((b1 + 1)) ] && [ "$h3" = $((h2 + 1)) ] && [ "$m3" = "$m2" ] &&
  [ "$(jq -c .rounds <<< "$r3")" = "$(jq -c .rounds <<< "$r1")" ] && [ "$(read_rounds)" = "$k2" ] ||
  fail "an empty block did not carry the answer over ($(jq .block <<< "$r3"), $h2 $m2 -> $h3 $m3)"
# a block that opens a round: the answer read again, of the rounds only the new one
snap=$(rpc evm_snapshot | jq -r .result)
XTALPROOF_HOME=$work/demo/home "$XP" round open --property "band gap" --reward 1000 --stake 100 \
  --tolerance 0.5 --idempotency-key explorer-reorg --keystore "$work/demo/home/devnet/keys/account0.json" \
  --password-file "$work/demo/home/devnet/password" "$S/9011998.cif" > /dev/null
r4=$(rounds)
[ "$(jq .block <<< "$r4")" = $((b1 + 2)) ] && [ "$(jq .count <<< "$r4")" = $((c1 + 1)) ] &&
  [ "$(read_rounds)" = $((k2 + 1)) ] ||
  fail "a new round: block $(jq .block <<< "$r4"), count $(jq .count <<< "$r4"), $(($(read_rounds) - k2)) rounds read"
# a reorg at the same height: back to the block before, and another block at that height (a
# transfer instead of the round): the answer is the new chain's, without the round
g1=$(metric xtalproof_explorer_reorgs_total)
rpc evm_revert "[\"$snap\"]" > /dev/null
from=$(rpc eth_accounts | jq -r '.result[0]'); to=$(rpc eth_accounts | jq -r '.result[1]')
rpc eth_sendTransaction "[{\"from\":\"$from\",\"to\":\"$to\",\"value\":\"0x1\"}]" > /dev/null
r5=$(rounds)
[ "$(jq .block <<< "$r5")" = $((b1 + 2)) ] && [ "$(jq .count <<< "$r5")" = "$c1" ] &&
  [ "$(jq -c .rounds <<< "$r5")" = "$(jq -c .rounds <<< "$r1")" ] &&
  [ "$(metric xtalproof_explorer_reorgs_total)" = $((g1 + 1)) ] ||
  fail "after a reorg at block $((b1 + 2)): block $(jq .block <<< "$r5"), count $(jq .count <<< "$r5") (want $c1)"
curl -fsS "${URL}v1/chain/rounds/$((c1 + 1))" > /dev/null 2>&1 && fail "round $((c1 + 1)) of the lost branch is still shown"
echo "explorer chain cache: a hit at block $b1, carried to block $((b1 + 1)), one round read at block $((b1 + 2)), a reorg at that height seen"
