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
node tests/web/explorer.test.mjs "$URL" "$CHROMIUM" "$work" "$B/explorer-screenshots" "$rec"
