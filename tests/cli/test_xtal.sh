#!/usr/bin/env bash
# The structure commands end to end: hash (lines, JSON, errors, exit status), same (exit
# codes, JSON reasons, symmetry), bench hash and bench dedup (JSON). Expected answers come
# from the benchmark manifest (groups, same_material) and hand-made files.
# usage: test_xtal.sh PATH/TO/xtalproof SHARED_DIR
set -u
XP=$1
B=$2/data/structures/bench
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is needed (scripts/bootstrap.sh installs it)"; exit 1; }

# hash --json: one object per structure with the documented fields; files of one group agree.
expect "hash --json a group" 0 "$XP" hash --json "$B"/spg-cubic-225/orig.vasp "$B"/spg-cubic-225/perm.vasp "$B"/spg-cubic-225/cifsym.cif
if [ "$(jq -s 'length' "$T/out")" = 3 ] && [ "$(jq -r '.symhash' "$T/out" | sort -u | wc -l)" = 1 ] \
   && [ "$(jq -s '[.[] | has("file","block","symhash","protohash","spacegroup","formula","natoms") ] | all' "$T/out")" = true ]; then
  ok "three lines, one symhash, every field"
else bad "hash --json output: $(cat "$T/out")"; fi
[ "$(jq -r '.spacegroup' "$T/out" | head -1)" = 225 ] && ok "space group 225" || bad "space group $(jq -r .spacegroup "$T/out" | head -1)"
[ "$(jq -r '.formula' "$T/out" | head -1)" = K2SnCl6 ] && ok "formula K2SnCl6 (pymatgen's order)" || bad "formula $(jq -r .formula "$T/out" | head -1)"
expect "hash of a swapped crystal" 0 "$XP" hash --json "$B"/spg-cubic-225/orig.vasp "$B"/spg-cubic-225/swap.vasp
[ "$(jq -r '.symhash' "$T/out" | sort -u | wc -l)" = 2 ] && ok "another symhash" || bad "swap hashes equal"

# A bad file gives an error line, the others go on, exit 1 at the end.
printf 'not a structure\n' > "$T/bad.vasp"
expect "hash with a bad file" 1 "$XP" hash --json "$B"/spg-cubic-225/orig.vasp "$T/bad.vasp" "$B"/spg-cubic-225/perm.vasp
if [ "$(wc -l < "$T/out")" = 3 ] && [ "$(sed -n 2p "$T/out" | jq -r '.file')" = "$T/bad.vasp" ] \
   && [ -n "$(sed -n 2p "$T/out" | jq -r '.error')" ] && [ "$(sed -n 3p "$T/out" | jq -r '.symhash' | wc -c)" = 67 ]; then
  ok "error line in place, the next file hashed"
else bad "error handling: $(cat "$T/out")"; fi
# a file that neither its name nor its content names as a structure is said to be none; a file
# named as a POSCAR keeps the POSCAR reader's own message
printf '# A dataset\n\nThese are our crystals.\n' > "$T/README"
printf 'file,value\norig.vasp,1.0\n' > "$T/values.csv"
expect "hash of a README and a CSV" 1 "$XP" hash --json "$T/README" "$T/values.csv"
[ "$(grep -c 'not a CIF or POSCAR file (no .cif, .vasp or POSCAR name, no data_ block; read as POSCAR, line 2: expected the scale factor' "$T/out")" = 2 ] &&
  ok "  both: not a CIF or POSCAR file" || bad "  messages: $(cat "$T/out")"
expect "hash of a broken .vasp" 1 "$XP" hash "$T/bad.vasp"
grep -q "bad.vasp:2: file ends where the scale factor was expected" "$T/err" && ! grep -q "not a CIF or POSCAR" "$T/err" &&
  ok "  the POSCAR reader's message" || bad "  message: $(cat "$T/err")"
expect "hash text output" 0 "$XP" hash "$B"/spg-cubic-225/orig.vasp
sed -n 1p "$T/out" | grep -q '^symhash  *spacegroup  formula  *file \[block\]$' &&
  sed -n 2p "$T/out" | grep -q '^0x[0-9a-f]\{64\}  Fm-3m  *[A-Z][A-Za-z0-9]*  *.*orig.vasp$' &&
  ok "text: a header row, then hash, symbol, formula, file" || bad "text: $(cat "$T/out")"
expect "hash --symprec out of range" 2 "$XP" hash --symprec 5 "$B"/spg-cubic-225/orig.vasp
expect "hash of a missing path" 1 "$XP" hash "$T/none.vasp"

# same: every variant of two crystals against its original, both orders, as same_material says.
n=0; wrong=0; asym=0
while IFS=, read -r file base variant group sm pm; do
  case $base in spg-cubic-225|spg-hexagonal-169) ;; *) continue;; esac
  [ "$variant" = orig ] && continue
  "$XP" same "$B/$base/orig.vasp" "$B/$file" >/dev/null 2>&1; ab=$?
  "$XP" same "$B/$file" "$B/$base/orig.vasp" >/dev/null 2>&1; ba=$?
  n=$((n+1))
  want=$([ "$sm" = 1 ] && echo 0 || echo 1)
  [ "$ab" = "$want" ] || { wrong=$((wrong+1)); echo "  same $file: exit $ab, wanted $want"; }
  [ "$ab" = "$ba" ] || asym=$((asym+1))
done < <(tail -n +2 "$B/manifest.csv")
[ "$n" -gt 20 ] && [ "$wrong" = 0 ] && ok "same agrees with same_material on $n variants" || bad "same: $wrong of $n wrong"
[ "$asym" = 0 ] && ok "same A B = same B A" || bad "same is asymmetric on $asym"

expect "same --json, a displaced atom" 0 "$XP" same --json "$B"/spg-cubic-225/orig.vasp "$B"/spg-cubic-225/disp.vasp
if [ "$(jq -r '.same' "$T/out")" = true ] && [ "$(jq -r '.reason' "$T/out")" = same ] \
   && jq -e '.rms > 0 and .rms < .max_dist and .tolerances.stol == 0.3' "$T/out" >/dev/null; then
  ok "same, with its RMS displacement"
else bad "same --json disp: $(cat "$T/out")"; fi
expect "same --json, another species" 1 "$XP" same --json "$B"/spg-cubic-225/orig.vasp "$B"/spg-cubic-225/swap.vasp
[ "$(jq -r '.reason' "$T/out")" = composition ] && ok "reason: composition" || bad "reason $(jq -r .reason "$T/out")"
# fcc and bcc iron, one atom each: no basis aligns the lattices
printf 'fcc\n1.0\n0 1.8 1.8\n1.8 0 1.8\n1.8 1.8 0\nFe\n1\nDirect\n0 0 0\n' > "$T/fcc.vasp"
printf 'bcc\n1.0\n-1.435 1.435 1.435\n1.435 -1.435 1.435\n1.435 1.435 -1.435\nFe\n1\nDirect\n0 0 0\n' > "$T/bcc.vasp"
expect "same --json fcc bcc" 1 "$XP" same --json "$T/fcc.vasp" "$T/bcc.vasp"
[ "$(jq -r '.reason' "$T/out")" = lattice ] && [ "$(jq -r '.rms' "$T/out")" = null ] && ok "reason: lattice" || bad "fcc/bcc: $(cat "$T/out")"
expect "same with a bad file" 2 "$XP" same "$T/fcc.vasp" "$T/bad.vasp"
grep -q 'bad.vasp' "$T/err" && ok "the bad file is named" || bad "message: $(cat "$T/err")"
expect "same with one file" 2 "$XP" same "$T/fcc.vasp"
expect "same --stol out of range" 2 "$XP" same --stol 2 "$T/fcc.vasp" "$T/bcc.vasp"
expect "same --ltol 0.3 still tells fcc from bcc" 1 "$XP" same --ltol 0.3 "$T/fcc.vasp" "$T/bcc.vasp"

# bench hash and bench dedup print one JSON object with their figures.
expect "bench hash" 0 "$XP" bench hash "$B"/spg-cubic-225
jq -e '.structures > 5 and .errors == 0 and .structures_per_second > 0 and .peak_rss_kib > 0' "$T/out" >/dev/null \
  && ok "bench hash JSON" || bad "bench hash: $(cat "$T/out")"
expect "bench dedup" 0 "$XP" bench dedup --registered 2000 --register-name orig "$B"/spg-cubic-225 "$B"/spg-hexagonal-169
if jq -e '.registered == 2000 and .distinct_inputs == 2 and .not_found >= 2 and .found_exact >= 10
          and .found_match >= 2 and .query_us_p50 >= 0' "$T/out" >/dev/null; then
  ok "bench dedup JSON"
else bad "bench dedup: $(cat "$T/out")"; fi

finish
