#!/usr/bin/env bash
# The explorer's targets at scale (not part of make test: it takes minutes): on a node left by
# `make demo KEEP=1` (DEMO_WORK=DIR), adds a dataset of 10,000 generated structures (rock-salt
# cells of element pairs and lattice constants, POSCAR) and 100 more rounds, then measures the
# time of each API call behind the pages, the first request after each of 20 new blocks (empty
# ones, then ones that each open a round, undone after with evm_revert) as p50/p95 JSON lines,
# and each page's first paint in headless Chromium, cold (a fresh browser context) and warm.
# usage: scale_explorer.sh BUILD_DIR DEMO_WORK
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$1; W=$2; XP=$B/bin/xtalproof
export XTALPROOF_HOME=$W/home
K=$XTALPROOF_HOME/devnet/keys
OWNER=(--keystore "$K/account0.json" --password-file "$XTALPROOF_HOME/devnet/password")
URL=$(cat "$W/explorer.url")
gen=$W/scale-structures
if [ ! -d "$gen" ]; then
  mkdir -p "$gen"
  awk -v dir="$gen" 'BEGIN {
    split("Li Na K Rb Cs Mg Ca Sr Ba Zn", el, " "); split("F Cl Br I O S Se Te N P", an, " ")
    for (p = 1; p <= 10; p++) for (q = 1; q <= 10; q++) for (i = 0; i < 100; i++) {
      f = sprintf("%s/%s%s-%d.vasp", dir, el[p], an[q], i); a = 4 + i * 0.02
      printf "%s%s\n1.0\n%.2f 0 0\n0 %.2f 0\n0 0 %.2f\n%s %s\n4 4\nDirect\n", el[p], an[q], a, a, a, el[p], an[q] > f
      printf "0 0 0\n0 .5 .5\n.5 0 .5\n.5 .5 0\n.5 .5 .5\n.5 0 0\n0 .5 0\n0 0 .5\n" > f
      close(f); n++
    }
    print "generated " n " structures" }'
  "$XP" dataset create scale --license CC0-1.0 "${OWNER[@]}" >/dev/null
  t0=$SECONDS
  "$XP" register --dataset scale "$gen" | tail -1
  echo "registered in $((SECONDS - t0)) s"
fi
if [ ! -f "$W/scale-rounds" ]; then
  S=${XTALPROOF_SHARED:-../shared}/data/cgcnn/sample-cifs
  t0=$SECONDS
  for r in $(seq 1 99); do
    "$XP" round open --property "band gap" --reward 1000 --stake 100 --tolerance 0.5 --idempotency-key "scale-$r" \
      "${OWNER[@]}" "$S/9011998.cif" "$S/9011050.cif" "$S/1101051.cif" >/dev/null
  done
  echo "99 rounds opened in $((SECONDS - t0)) s"
  touch "$W/scale-rounds"
fi
RPC=$(jq -r .rpc "$XTALPROOF_HOME/deployment-31337.json")
rpc() { curl -s -H 'content-type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":${2:-[]}}" "$RPC"; }
t_ms() { curl -s -o /dev/null -w '%{time_total}' "$URL${1#/}" | awk '{ printf "%.1f", $1 * 1000 }'; }
CHAIN_CALLS=(/v1/chain/datasets /v1/chain/models '/v1/chain/rounds?limit=10' '/v1/chain/rounds?limit=1000' /v1/chain/rounds/1)
for c in /v1/datasets /v1/datasets/scale /v1/datasets/scale/consistency?first=1\&second=1 "${CHAIN_CALLS[@]}" \
  "/v1/structures/$(jq -r .symhash "$W/r1-0.json")"; do
  curl -s -o /dev/null "$URL${c#/}"
  printf '  api %s, same block: %s ms\n' "$c" "$(t_ms "$c")"
done
# the first request after a new block (docs/api.md, "The explorer": what the block's logs leave
# unchanged is kept): each call after each of 20 new blocks, the calls taking turns to be first
pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); print v[i < 1 ? 1 : i] }'; }
# the node's counters of the explorer's cache (docs/api.md, "Metrics") as a JSON object
counters() {
  curl -s "${URL}metrics" | awk '/^xtalproof_explorer_/ { k = $1; gsub(/xtalproof_explorer_(chain_)?|_total|source=|["}]/, "", k); sub(/[{]/, "_", k); printf "%s\"%s\": %s", n++ ? ", " : "{", k, $2 } END { print "}" }'
}
after_blocks() { # KIND: empty (anvil_mine) or round (a round opened in each block)
  local kind=$1 dir before; dir=$(mktemp -d); before=$(counters)
  for i in $(seq 0 19); do
    if [ "$kind" = empty ]; then rpc anvil_mine > /dev/null
    else
      "$XP" round open --property "band gap" --reward 1000 --stake 100 --tolerance 0.5 \
        --idempotency-key "scale-block-$$-$i" "${OWNER[@]}" "$S/9011998.cif" > /dev/null
    fi
    local n=${#CHAIN_CALLS[@]}
    for j in $(seq 0 $((n - 1))); do
      local c=${CHAIN_CALLS[$(((i + j) % n))]}
      t_ms "$c" >> "$dir/$(echo "$c" | tr -c 'a-z0-9\n' _)"; echo >> "$dir/$(echo "$c" | tr -c 'a-z0-9\n' _)"
    done
  done
  # what the cache served and read over the 20 blocks: answers and rounds, cache and chain
  jq -cn --arg kind "$kind" --argjson a "$before" --argjson b "$(counters)" \
    '{bench: "explorer-after-block-counts", blocks: 20, kind: $kind, calls: 100} + ($b | with_entries(.value -= $a[.key]))'
  for c in "${CHAIN_CALLS[@]}"; do
    local f; f=$dir/$(echo "$c" | tr -c 'a-z0-9\n' _)
    jq -cn --arg call "$c" --arg kind "$kind" --argjson p50 "$(pct 50 < "$f")" --argjson p95 "$(pct 95 < "$f")" \
      --argjson max "$(pct 100 < "$f")" --argjson first "$(head -1 "$f")" \
      '{bench: "explorer-after-block", blocks: 20, kind: $kind, call: $call, first_ms: $first, p50_ms: $p50, p95_ms: $p95, max_ms: $max}'
  done
  rm -rf "$dir"
}
S=${XTALPROOF_SHARED:-../shared}/data/cgcnn/sample-cifs
after_blocks empty
# the rounds opened here are undone after: the chain by evm_revert, the CLI's journal of sent
# transactions (whose nonces would be ahead of the chain's) by its copy from before
journal=$(ls "$XTALPROOF_HOME"/journal-*.mdb)
cp "$journal" "$W/journal.before"
snap=$(rpc evm_snapshot | jq -r .result)
after_blocks round
rpc evm_revert "[\"$snap\"]" > /dev/null
cp "$W/journal.before" "$journal"
rpc anvil_mine > /dev/null
printf '  api /v1/chain/rounds?limit=1000, after the 20 rounds were undone (a reorg): %s ms\n' \
  "$(t_ms '/v1/chain/rounds?limit=1000')"
cat > "$W/fcp.mjs" <<'JS'
import { createRequire } from 'module';
const require = createRequire(process.argv[4] + '/web/package.json');
const puppeteer = require('puppeteer-core');
const [url, sym] = [process.argv[2], process.argv[3]];
const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'] });
{ // the browser's own processes started first, as in a visitor's browser
  const ctx = await browser.createBrowserContext();
  await (await ctx.newPage()).goto('about:blank');
  await ctx.close();
}
const fcp = () => (performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint') || {}).startTime;
for (const rel of ['/', `/crystal.html?symhash=${sym}`, '/rounds.html', '/leaderboard.html', '/verify.html']) {
  const cold = [], warm = [];
  for (let i = 0; i < 3; i++) { // cold: each load in a fresh browser context, its cache empty
    const ctx = await browser.createBrowserContext();
    const page = await ctx.newPage();
    await page.bringToFront();
    await page.goto(url.replace(/\/$/, '') + rel, { waitUntil: 'networkidle0', timeout: 120000 });
    cold.push(Math.round(await page.evaluate(fcp)));
    await ctx.close();
  }
  const page = await browser.newPage();
  await page.bringToFront();
  for (let i = 0; i < 3; i++) { // warm: the same page loaded again
    await page.goto(url.replace(/\/$/, '') + rel, { waitUntil: 'networkidle0', timeout: 120000 });
    if (i) warm.push(Math.round(await page.evaluate(fcp)));
  }
  await page.close();
  console.log(JSON.stringify({ bench: 'explorer-first-paint', page: rel, cold_ms: cold, warm_ms: warm }));
}
await browser.close();
JS
node "$W/fcp.mjs" "$URL" "$(jq -r .symhash "$W/r1-0.json")" "$PWD"
