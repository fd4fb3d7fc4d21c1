#!/usr/bin/env bash
# Crash safety of register: SIGKILL at random moments, then the store must open, every
# version's stored root must equal the root recomputed from its records, every table must agree
# with the dataset's size (no half record), and a re-run must complete the dataset with no
# duplicates. The files are scaled copies of the benchmark's crystals (distinct crystals, small
# cells, fast to hash), spread over one folder per kill; run i registers folders i - 1 and i
# (what run i - 1 left, and new files), so every run has writing to do. Registers commit every
# XTALPROOF_REGISTER_BATCH records so that kills land before, inside and after transactions.
# usage: test_store_crash.sh PATH/TO/xtalproof SHARED_DIR
# XP_CRASH_KILLS (default 30) kills; XP_CRASH_COPIES (default 20) copies of each crystal.
set -u
XP=$1
B=$2/data/structures/bench
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is needed (scripts/bootstrap.sh installs it)"; exit 1; }
kills=${XP_CRASH_KILLS:-30} copies=${XP_CRASH_COPIES:-20}
export XTALPROOF_REGISTER_BATCH=${XTALPROOF_REGISTER_BATCH:-16}

mkdir "$T/files"
for f in "$B"/*/orig.vasp; do
  b=$(basename "$(dirname "$f")")
  awk -v n="$copies" -v out="$T/files/$b" '
    { line[NR] = $0 }
    END { for (k = 0; k < n; k++) { f = out "-" k ".vasp"
            for (i = 1; i <= NR; i++) print (i == 2 ? sprintf("%.6f", line[2] * (1 + 0.003 * k)) : line[i]) > f
            close(f) } }' "$f"
done
nfiles=$(ls "$T/files" | wc -l)
k=0
for f in "$T"/files/*.vasp; do
  d=$(printf '%s/files/%03d' "$T" $(( k % kills + 1 ))); mkdir -p "$d"; mv "$f" "$d/"; k=$((k+1))
done
[ "$nfiles" -ge 1000 ] || [ "$copies" -lt 10 ] && ok "$nfiles files" || bad "only $nfiles files"

# the reference: one uninterrupted run in another home, timed
start=$(date +%s%N)
XTALPROOF_HOME=$T/ref "$XP" dataset create ref --license CC0-1.0 >/dev/null
XTALPROOF_HOME=$T/ref "$XP" register --json --dataset ref "$T/files" > "$T/ref.out"
want=$(tail -1 "$T/ref.out" | jq -r .size)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$want" -gt 0 ] && ok "reference run: $want records in $ms ms" || bad "reference: $(tail -1 "$T/ref.out")"

export XTALPROOF_HOME=$T/home
"$XP" dataset create crash --license CC0-1.0 >/dev/null
# Run r registers folders r - 1 and r (the last ones again once all are used). A run that ends
# before its kill does not count, and the next delay is drawn from a shorter range. Every
# fifth run is left to finish, so that versions are cut between the kills.
killed=0 broken=0 sizes="" r=0 range=$(( 2 * ms / kills + 60 ))
while [ "$killed" -lt "$kills" ] && [ "$r" -lt $(( 3 * kills )) ]; do
  r=$((r+1)); i=$(( r < kills ? r : kills ))
  delay=$(( RANDOM % range ))
  dirs=("$T/files/$(printf %03d "$i")")
  [ "$i" -gt 1 ] && dirs=("$T/files/$(printf %03d $((i - 1)))" "${dirs[@]}")
  "$XP" register --dataset crash "${dirs[@]}" > /dev/null 2>&1 &
  pid=$!
  if [ $((r % 5)) = 0 ]; then
    wait "$pid"; st=$?
  else
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null; st=$?
    if [ "$st" = 137 ]; then killed=$((killed+1)); else range=$(( range * 3 / 4 + 5 )); fi
  fi
  if ! "$XP" dataset check crash > "$T/check" 2>&1; then
    broken=$((broken+1)); echo "  after run $r (kill at ${delay} ms, exit $st): $(cat "$T/check")"
  fi
  sizes="$sizes $("$XP" dataset show crash --json | jq -r '"\(.records)/v\(.versions | length)"')$([ "$st" = 137 ] || echo '(done)')"
done
echo "  records/versions after each run:$sizes"
[ "$killed" -ge "$kills" ] && ok "$killed runs killed by SIGKILL mid-way ($r runs)" || bad "only $killed of $r runs were killed mid-way"
versions=$("$XP" dataset show crash --json | jq '.versions | length')
[ "$versions" -ge 2 ] && ok "$versions versions cut between the kills" || bad "only $versions versions"
[ "$broken" = 0 ] && ok "after every kill: the store opens, roots and tables check out" || bad "$broken checks failed"

expect "re-run to the end" 0 "$XP" register --json --dataset crash "$T/files"
sum=$(tail -1 "$T/out")
[ "$(jq -r .size <<<"$sum")" = "$want" ] && ok "complete: $want records, as the uninterrupted run" || bad "size $(jq -r .size <<<"$sum"), want $want"
expect "once more" 0 "$XP" register --json --dataset crash "$T/files"
sum=$(tail -1 "$T/out")
[ "$(jq -r .added <<<"$sum")" = 0 ] && [ "$(jq -r .newVersion <<<"$sum")" = false ] && ok "nothing more to add" || bad "again: $sum"
expect "dataset check at the end" 0 "$XP" dataset check crash
expect "consistency from version 1 to the last" 0 "$XP" consistency --dataset crash --from 1 --to "$(jq -r .version <<<"$sum")"
cp "$T/out" "$T/c.json"
expect "which verifies" 0 "$XP" consistency --verify "$T/c.json"
finish
