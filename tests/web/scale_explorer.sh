#!/usr/bin/env bash
# The explorer's targets at scale (not part of make test: it takes minutes): on a node left by
# `make demo KEEP=1` (DEMO_WORK=DIR), adds a dataset of 10,000 generated structures (rock-salt
# cells of element pairs and lattice constants, POSCAR) and 100 more rounds, then measures each
# page's first paint in headless Chromium and the time of each API call behind it.
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
for c in /v1/datasets /v1/datasets/scale /v1/datasets/scale/consistency?first=1\&second=1 \
  /v1/chain/datasets /v1/chain/models '/v1/chain/rounds?limit=10' '/v1/chain/rounds?limit=1000' /v1/chain/rounds/1 \
  "/v1/structures/$(jq -r .symhash "$W/r1-0.json")"; do
  curl -s -o /dev/null "$URL${c#/}"
  printf '  api %s: %s s\n' "$c" "$(curl -s -o /dev/null -w '%{time_total}' "$URL${c#/}")"
  # the chain's answers are cached by block (docs/api.md): the first request after a new block
  # reads the chain again
  case $c in /v1/chain/*)
    curl -s -o /dev/null -H 'content-type: application/json' \
      -d '{"jsonrpc":"2.0","id":1,"method":"evm_mine","params":[]}' "$(jq -r .rpc "$XTALPROOF_HOME/deployment-31337.json")"
    printf '  api %s, after a new block: %s s\n' "$c" "$(curl -s -o /dev/null -w '%{time_total}' "$URL${c#/}")" ;;
  esac
done
cat > "$W/fcp.mjs" <<'JS'
import { createRequire } from 'module';
const require = createRequire(process.argv[4] + '/web/package.json');
const puppeteer = require('puppeteer-core');
const [url, sym] = [process.argv[2], process.argv[3]];
const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'] });
for (const rel of ['/', `/crystal.html?symhash=${sym}`, '/rounds.html', '/leaderboard.html', '/verify.html']) {
  const page = await browser.newPage();
  await page.bringToFront();
  const out = [];
  for (let i = 0; i < 2; i++) {
    const t0 = Date.now();
    await page.goto(url.replace(/\/$/, '') + rel, { waitUntil: 'networkidle0', timeout: 120000 });
    const fcp = await page.evaluate(() => (performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint') || {}).startTime);
    out.push(`first paint ${Math.round(fcp)} ms, complete ${Date.now() - t0} ms`);
  }
  console.log(`  ${rel}: ${out.join('; then ')}`);
  await page.close();
}
await browser.close();
JS
node "$W/fcp.mjs" "$URL" "$(jq -r .symhash "$W/r1-0.json")" "$PWD"
