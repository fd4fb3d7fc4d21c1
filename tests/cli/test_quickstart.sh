#!/usr/bin/env bash
# The pages a first-time user runs, run as written (issue 28, item 1): the ```sh blocks of
# docs/quickstart.md from "The same steps by hand", of docs/api.md's "A first session" and of
# docs/operations.md's "A first node, by hand", each
# page in one bash with -e (a failing command fails the test), from the top of the checkout,
# with the build's xtalproof first on PATH, a free port, and the shared data where the pages say.
# Each block is one check; the devnet is stopped at the end whatever happens, and no page may
# leave a file in the checkout.
# usage: test_quickstart.sh BUILD_BIN_DIR SHARED_DIR SOURCE_DIR
set -u
BIN=$1
SHARED=$2
SRC=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
need_anvil "$SRC"
need_port
untracked() { git -C "$SRC" status --porcelain --untracked-files=all 2>/dev/null | grep '^??' | sort; }

# run_page PAGE HEADING: its shell blocks from HEADING to the next "## ", in one shell
run_page() {
  local page=$1 heading=$2 d=$T/$(basename "$1" .md)
  mkdir -p "$d"
  awk -v dir="$d" -v h="$heading" '
    /^## / { on = ($0 == "## " h) }
    on && /^```sh$/ { n++; f = sprintf("%s/block%02d.sh", dir, n); inb = 1; next }
    inb && /^```$/ { inb = 0; next }
    inb { print > f }' "$SRC/$page"
  local blocks
  blocks=$(ls "$d"/block*.sh 2>/dev/null | wc -l)
  [ "$blocks" -ge 2 ] && ok "$page: $blocks shell blocks under \"$heading\"" || bad "$page: shell blocks: $blocks"
  grep -n '\.\.\.\|<[A-Z][A-Za-z]*>\|\bPORT\b' "$d"/block*.sh | grep -v '\${PORT:-' && bad "$page: a placeholder in a block" || ok "$page: no placeholder"
  {
    echo "set -eo pipefail"
    echo "export PATH='$BIN':\$PATH XTALPROOF_SHARED='$SHARED' PORT=$PORT XTALPROOF_TESTNET='$SRC/testnet' XTALPROOF_CONTRACTS='$SRC/contracts'"
    echo "trap 'xtalproof devnet down >/dev/null 2>&1 || true; [ -n \"\${NODE:-}\" ] && { kill \$NODE 2>/dev/null || true; }; echo \"home \$XTALPROOF_HOME\" > \"$d/home\"' EXIT"
    for f in "$d"/block*.sh; do
      echo "echo '== $(basename "$f")'"
      cat "$f"
      echo "echo '== ok $(basename "$f")'"
    done
  } > "$d/all.sh"
  ( cd "$SRC" && timeout 600 bash "$d/all.sh" ) > "$d/out" 2>&1
  local rc=$?
  for f in "$d"/block*.sh; do
    local b
    b=$(basename "$f")
    grep -q "^== ok $b\$" "$d/out" && ok "$page: $b ran" || bad "$page: $b: $(sed -n "/^== $b\$/,\$p" "$d/out" | tail -15)"
  done
  [ $rc = 0 ] && ok "$page ran to its end (exit 0)" || bad "$page: exit $rc"
  local home
  home=$(sed 's/^home //' "$d/home" 2>/dev/null)
  case $home in /tmp/*) rm -rf "$home" ;; esac
  OUT=$d/out
}

untracked > "$T/before"
run_page docs/quickstart.md "The same steps by hand"
grep -q '"verdict":"honest"' "$OUT" && ok "quickstart: the challenge checks the reveal honest, nothing sent" || bad "challenge: $(grep -n verdict "$OUT")"
grep -q '^FAIL' "$OUT" && bad "quickstart: verify: $(grep '^FAIL' "$OUT")" || ok "quickstart: verify: no FAIL line"
grep -q '^PASS anchored' "$OUT" && grep -q '^PASS inclusion' "$OUT" && ok "quickstart: verify --rpc checks inclusion and anchoring" || bad "verify: $(grep -E '^(PASS|SKIP|FAIL)' "$OUT")"
grep -q '"distributed":"[1-9]' "$OUT" && ok "quickstart: royalties paid to the dataset owner" || bad "royalties: $(grep -n distributed "$OUT")"

run_page docs/api.md "A first session"
grep -q '"status":"ok"' "$OUT" && ok "api: /healthz ok" || bad "healthz: $(head -c 300 "$OUT")"
grep -q '"added":1' "$OUT" && ok "api: the structure added" || bad "added: $(grep -n added "$OUT")"
grep -q '"leafHash"' "$OUT" && ok "api: its record" || bad "record"
grep -q '^valid: record 0 of dataset demo' "$OUT" && ok "api: the inclusion proof verifies" || bad "proof: $(grep -n -i proof "$OUT" | tail -3)"
grep -q '"valueQ"' "$OUT" && ok "api: a prediction" || bad "predict: $(tail -3 "$OUT")"

run_page docs/operations.md "A first node, by hand"
grep -q '^xtalproof node: listening on http://127.0.0.1:[0-9]* (home ' "$OUT" && ok "operations: the node says where it listens" || bad "listening: $(head -5 "$OUT")"
grep -q '"status":"ok"' "$OUT" && ok "operations: /healthz ok" || bad "healthz: $(head -c 300 "$OUT")"
grep -q '^without the token: 401$' "$OUT" && ok "operations: a write without the token is 401" || bad "token: $(grep -n token "$OUT")"
grep -q '^dataset lab: 1 record and 1 version check out$' "$OUT" && ok "operations: the backup checks out" || bad "backup: $(grep -n 'dataset lab' "$OUT")"
grep -q '^stopped; the port file is removed$' "$OUT" && ok "operations: SIGTERM stops it, exit 0" || bad "stop: $(tail -3 "$OUT")"

untracked > "$T/after"
[ -z "$(comm -13 "$T/before" "$T/after")" ] && ok "nothing written into the checkout" || bad "new files in the checkout: $(comm -13 "$T/before" "$T/after" | head -5)"
rm -rf "$T"
finish
