#!/usr/bin/env bash
# Structure identity end to end (docs/formats.md, "Structures: …"): a disordered crystal
# (rock salt with the cation site half Na, half K) hashed, matched, registered and refused by
# predict; a long skewed basis hashed as its short cell; bench hash-scale; and dataset rehash
# on records keyed by an older symhash (written by tests/tools/seed_store.c): re-keyed as new
# records, the old leaves kept, parents and metadata carried, a version cut, nothing on a rerun.
# usage: test_identity.sh PATH/TO/xtalproof SHARED_DIR PATH/TO/seed_store
set -u
XP=$1
B=$2/data/structures/bench
SEED=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is needed (scripts/bootstrap.sh installs it)"; exit 1; }
export XTALPROOF_HOME=$T/home

# ---- a disordered crystal: Fm-3m from its number, Na 0.5 and K 0.5 at the origin ----
cat > "$T/nak.cif" <<'EOF'
data_nak
_cell_length_a 6.3
_cell_length_b 6.3
_cell_length_c 6.3
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_space_group_IT_number 225
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Na1 Na 0 0 0 0.5
K1 K 0 0 0 0.5
Cl1 Cl 0.5 0.5 0.5 1
EOF
# the same crystal in P1: the conventional cell, K listed first, the origin on Cl
{
  printf 'data_nak_p1\n_cell_length_a 6.3\n_cell_length_b 6.3\n_cell_length_c 6.3\n'
  printf '_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n'
  printf 'loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n'
  printf '_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n'
  for el in K Na; do
    for p in "0.5 0.5 0.5" "0 0 0.5" "0 0.5 0" "0.5 0 0"; do echo "$el $el $p 0.5"; done
  done
  for p in "0 0 0" "0.5 0.5 0" "0.5 0 0.5" "0 0.5 0.5"; do echo "Cl Cl $p 1"; done
} > "$T/nak-p1.cif"
sed 's/^Na1 Na 0 0 0 0.5/Na1 Na 0 0 0 0.6/; s/^K1 K 0 0 0 0.5/K1 K 0 0 0 0.4/' "$T/nak.cif" > "$T/nak64.cif"

expect "hash a disordered crystal" 0 "$XP" hash --json "$T/nak.cif" "$T/nak-p1.cif" "$T/nak64.cif"
if [ "$(sed -n 1p "$T/out" | jq -r '.disordered, .spacegroup, .formula' | paste -sd' ')" = "true 225 K0.5Na0.5Cl" ] \
   && [ "$(sed -n 1p "$T/out" | jq -r .symhash)" = "$(sed -n 2p "$T/out" | jq -r .symhash)" ] \
   && [ "$(sed -n 1p "$T/out" | jq -r .symhash)" != "$(sed -n 3p "$T/out" | jq -r .symhash)" ] \
   && [ "$(sed -n 1p "$T/out" | jq -r .structureRoot)" = null ]; then
  ok "Fm-3m, ClK0.5Na0.5, one symhash for both writings, another for Na0.6K0.4, no structureRoot"
else bad "disordered hashes: $(cat "$T/out")"; fi
expect "same: the two writings" 0 "$XP" same "$T/nak.cif" "$T/nak-p1.cif"
expect "same: other occupancies" 1 "$XP" same --json "$T/nak.cif" "$T/nak64.cif"
[ "$(jq -r .reason "$T/out")" = composition ] && ok "reason: composition" || bad "reason $(cat "$T/out")"
expect "same: the ordered NaCl" 1 "$XP" same "$T/nak.cif" "$B/spg-cubic-225/orig.vasp"
expect "predict refuses it" 1 "$XP" predict --model formation-energy-per-atom "$T/nak.cif"
grep -q 'occupancy 0.5: CGCNN needs an ordered structure' "$T/err" && ok "predict's sentence" \
  || bad "predict: $(cat "$T/out" "$T/err")"

# register accepts it; its other writing is the same crystal (a duplicate)
expect "dataset create" 0 "$XP" dataset create alloys --license CC0-1.0
expect "register a disordered crystal" 0 "$XP" register --dataset alloys --json "$T/nak.cif" "$T/nak-p1.cif"
if [ "$(jq -r 'select(.status) | .status' "$T/out" | paste -sd' ')" = "duplicate" ] \
   && jq -e 'select(.dataset) | .added == 1 and .duplicates == 1 and .failed == 0' "$T/out" >/dev/null; then
  ok "added once, its P1 writing a duplicate"
else bad "register: $(cat "$T/out")"; fi

# two atoms on top of each other are refused, both named
printf 'top\n1.0\n4 0 0\n0 4 0\n0 0 4\nNa K Cl\n1 1 1\nDirect\n0 0 0\n0.0001 0 0\n0.5 0.5 0.5\n' > "$T/top.vasp"
expect "atoms on top of each other" 1 "$XP" hash "$T/top.vasp"
grep -q 'Na and K are .* on top of each other' "$T/err" && ok "refused, named" || bad "$(cat "$T/err")"

# ---- a long skewed basis: c' = c + 1453 (a + b), 9,997 Å long ----
python_free_long() { # rock salt's primitive cell in the basis (a, b, c + 1453 a + 1453 b)
  printf 'NaCl long\n1.0\n0 2.81 2.81\n2.81 0 2.81\n'
  awk 'BEGIN { printf "%.17g %.17g %.17g\n", 2.81 + 1453 * 2.81, 2.81 + 1453 * 2.81, 1453 * 5.62 }'
  printf 'Na Cl\n1 1\nDirect\n0 0 0\n'
  awk 'BEGIN { printf "%.17g %.17g 0.5\n", 0.5 - 1453 * 0.5, 0.5 - 1453 * 0.5 }'
}
python_free_long > "$T/long.vasp"
printf 'NaCl\n1.0\n0 2.81 2.81\n2.81 0 2.81\n2.81 2.81 0\nNa Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n' > "$T/short.vasp"
expect "hash a 10,000 Å basis" 0 "$XP" hash --json "$T/short.vasp" "$T/long.vasp"
[ "$(jq -r .symhash "$T/out" | sort -u | wc -l)" = 1 ] && ok "the long basis hashes as the short cell" \
  || bad "long: $(cat "$T/out")"

# ---- bench hash-scale ----
expect "bench hash-scale" 0 "$XP" bench hash-scale --atoms 60,300
if [ "$(wc -l < "$T/out")" = 6 ] && jq -s -e 'all(.[]; .cpu_seconds >= 0 and .peak_rss_kib > 0 and .atoms > 0)
      and ([.[] | select(.kind == "supercell") | .spacegroup] | all(. == 225))
      and ([.[] | select(.kind == "random") | .primitive_atoms] == [60, 300])' "$T/out" >/dev/null; then
  ok "six lines: random, supercell (Fm-3m) and moved at two sizes"
else bad "bench hash-scale: $(cat "$T/out")"; fi
expect "bench hash-scale: a bad size" 2 "$XP" bench hash-scale --atoms 0

# ---- dataset rehash ----
# records of "an older symhash": the bytes of real files with made-up keys
S225=$B/spg-cubic-225
old() { printf '0x%064x' "$1"; }
"$SEED" "$T/home" lab "$S225/orig.vasp" "$(old 1)" - '{"source":"lab A"}' >/dev/null
"$SEED" "$T/home" lab "$S225/perm.vasp" "$(old 2)" - - >/dev/null          # the same crystal
"$SEED" "$T/home" lab "$T/nak.cif" "$(old 3)" "$(old 1)" - >/dev/null      # derived from record 0
"$SEED" "$T/home" lab "$B/spg-hexagonal-169/orig.vasp" "$(old 4)" - - >/dev/null  # file not given
expect "dataset show before" 0 "$XP" dataset show lab --json
root1=$(jq -r '.versions[-1].root' "$T/out")
[ "$(jq -r '.versions | length' "$T/out")" = 4 ] && ok "four records, four versions" || bad "$(cat "$T/out")"
expect "dataset rehash" 0 "$XP" dataset rehash lab --json "$S225/orig.vasp" "$S225/perm.vasp" "$T/nak.cif" "$T/short.vasp"
tail -1 "$T/out" > "$T/sum"
if jq -e '.rekeyed == 2 and .merged == 1 and .current == 0 and .notGiven == 1 and .notRegistered == 1
          and .newVersion == true and .size == 6 and .symhashVersion == 4' "$T/sum" >/dev/null; then
  ok "re-keyed 2, one merged (perm is orig's crystal), one not given, one file not registered, version cut"
else bad "rehash summary: $(cat "$T/out")"; fi
"$XP" hash --json "$S225/orig.vasp" "$T/nak.cif" > "$T/now"
h225=$(sed -n 1p "$T/now" | jq -r .symhash); hnak=$(sed -n 2p "$T/now" | jq -r .symhash)
expect "proof of the re-keyed file" 0 "$XP" proof --dataset lab "$S225/orig.vasp"
if [ "$(jq -r .index "$T/out")" = 4 ] && [ "$(jq -r .leaf "$T/out" | cut -c67-130)" = "${h225#0x}" ]; then
  ok "orig.vasp is record 4 under its current symhash"
else bad "proof: $(cat "$T/out")"; fi
# word 7 (bytes 224..255), metaHash: the old metadata with rehashedFrom, canonical
want=$("$XP" keccak --text "{\"rehashedFrom\":{\"record\":0,\"symhash\":\"$(old 1)\"},\"source\":\"lab A\"}" | cut -c1-66)
[ "0x$(jq -r .leaf "$T/out" | cut -c451-514)" = "$want" ] && ok "metadata: the old one and rehashedFrom" \
  || bad "metaHash $(jq -r .leaf "$T/out" | cut -c451-514), wanted $want"
expect "proof of the nak record" 0 "$XP" proof --dataset lab "$T/nak.cif"
leaf=$(jq -r .leaf "$T/out")
# word 6 (bytes 192..223) is the parent: record 0's new symhash, not its old one
[ "$(echo "$leaf" | cut -c$((2 + 2 * 192 + 1))-$((2 + 2 * 224)))" = "${h225#0x}" ] \
  && ok "the parent follows its record to the new key" || bad "parent in $leaf"
expect "old records keep their leaves" 0 "$XP" proof --dataset lab --version 4 "$(old 1)"
[ "$(jq -r .root "$T/out")" = "$root1" ] && [ "$(jq -r .index "$T/out")" = 0 ] \
  && ok "record 0 proves against version 4's root" || bad "old proof: $(cat "$T/out")"
cp "$T/out" "$T/oldproof.json"
expect "its proof verifies" 0 "$XP" verify-proof "$T/oldproof.json"
expect "with its file, registered before the re-key" 0 "$XP" verify-proof "$T/oldproof.json" --structure "$S225/orig.vasp"
grep -q "byte for byte, and the leaf holds an earlier version's symhash" "$T/out" \
  && ok "the old leaf's file is proved by its bytes" || bad "$(cat "$T/out")"
expect "another file against the old leaf" 1 "$XP" verify-proof "$T/oldproof.json" --structure "$S225/perm.vasp"
expect "dataset check" 0 "$XP" dataset check lab
expect "consistency 4 to 5" 0 "$XP" consistency --dataset lab --from 4 --to 5
expect "rehash again" 0 "$XP" dataset rehash lab --json "$S225/orig.vasp" "$S225/perm.vasp" "$T/nak.cif"
jq -e '.rekeyed == 0 and .newVersion == false' <(tail -1 "$T/out") >/dev/null \
  && ok "a rerun adds nothing" || bad "rerun: $(tail -1 "$T/out")"
expect "rehash text" 0 "$XP" dataset rehash lab "$S225/orig.vasp"
grep -q 're-keyed 0 as new records with symhash version 4 (the old records keep their leaves)' "$T/out" \
  && ok "the text says what it did" || bad "text: $(cat "$T/out")"
expect "rehash: no such dataset" 1 "$XP" dataset rehash nope "$S225/orig.vasp"
expect "rehash: no files" 2 "$XP" dataset rehash lab

finish
