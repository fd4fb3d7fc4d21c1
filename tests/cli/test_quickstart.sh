#!/usr/bin/env bash
# docs/quickstart.md runs as written: its ```sh blocks after "The same steps by hand", in order,
# in one bash with -e (a failing command fails the test), from the top of the checkout, with the
# build's xtalproof first on PATH, a free port, and the shared data where the page says. Each
# block is one check; the devnet is stopped at the end whatever happens.
# usage: test_quickstart.sh BUILD_BIN_DIR SHARED_DIR SOURCE_DIR
set -u
BIN=$1
SHARED=$2
SRC=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
if [ ! -x "$SRC/testnet/node_modules/.bin/anvil" ]; then
  echo "no anvil in $SRC/testnet/node_modules/.bin (run scripts/bootstrap.sh)"; echo "0 passed, 1 failed"; exit 1
fi
PORT=$(free_port) || { echo "no free port found"; echo "0 passed, 1 failed"; exit 1; }
# the blocks of the by-hand part, each into its own file
awk -v dir="$T" '
  /^## The same steps by hand/ { on = 1 }
  on && /^```sh$/ { n++; f = sprintf("%s/block%02d.sh", dir, n); inb = 1; next }
  inb && /^```$/ { inb = 0; next }
  inb { print > f }' "$SRC/docs/quickstart.md"
blocks=$(ls "$T"/block*.sh 2>/dev/null | wc -l)
[ "$blocks" -ge 5 ] && ok "the page has $blocks shell blocks" || bad "shell blocks: $blocks"
grep -n '\.\.\.\|PORT\b\|<[A-Z]*>' "$T"/block*.sh | grep -v '\${PORT:-' && bad "a placeholder in a block" || ok "no placeholder in the blocks"
untracked() { git -C "$SRC" status --porcelain --untracked-files=all 2>/dev/null | grep '^??' | sort; }
untracked > "$T/before"
# one shell for all, as a reader's terminal: the state of a block is the next one's
{
  echo "set -eo pipefail"
  echo "cd '$SRC'"
  echo "export PATH='$BIN':\$PATH XTALPROOF_SHARED='$SHARED' PORT=$PORT XTALPROOF_TESTNET='$SRC/testnet' XTALPROOF_CONTRACTS='$SRC/contracts'"
  echo "trap 'xtalproof devnet down >/dev/null 2>&1 || true; echo \"home \$XTALPROOF_HOME\" > \"$T/home\"' EXIT"
  for f in "$T"/block*.sh; do
    echo "echo '== $(basename "$f")'"
    cat "$f"
    echo "echo '== ok $(basename "$f")'"
  done
} > "$T/all.sh"
( cd "$SRC" && timeout 600 bash "$T/all.sh" ) > "$T/out" 2>&1
rc=$?
for f in "$T"/block*.sh; do
  b=$(basename "$f")
  grep -q "^== ok $b\$" "$T/out" && ok "block $b ran" || bad "block $b: $(sed -n "/^== $b\$/,\$p" "$T/out" | tail -15)"
done
[ $rc = 0 ] && ok "the page ran to its end (exit 0)" || bad "exit $rc"
grep -q '"verdict":"honest"' "$T/out" && ok "challenge: the reveal checks honest, nothing sent" || bad "challenge: $(grep -n verdict "$T/out")"
grep -q '^FAIL' "$T/out" && bad "verify: $(grep '^FAIL' "$T/out")" || ok "verify: no FAIL line"
grep -q '^PASS anchored' "$T/out" && grep -q '^PASS inclusion' "$T/out" && ok "verify --rpc: inclusion and anchoring checked" || bad "verify: $(grep -E '^(PASS|SKIP|FAIL)' "$T/out")"
grep -q '"distributed":"[1-9]' "$T/out" && ok "royalties paid to the dataset owner" || bad "royalties: $(grep -n distributed "$T/out")"
# everything it wrote is under XTALPROOF_HOME: no new file in the checkout
home=$(sed 's/^home //' "$T/home" 2>/dev/null)
case $home in /tmp/*) rm -rf "$home" ;; esac
untracked > "$T/after"
[ -z "$(comm -13 "$T/before" "$T/after")" ] && ok "nothing written into the checkout" || bad "new files in the checkout: $(comm -13 "$T/before" "$T/after" | head -5)"
rm -rf "$T"
finish
