#!/usr/bin/env bash
# The provenance store end to end on real files: dataset create (owner from a keystore), list,
# show, check; register (added, duplicates, failed, re-run adds nothing, matches in another
# dataset); proof and verify-proof (with --structure, tampered proofs refused); consistency and
# its verification; a proof of version 1 still valid after version 2.
# usage: test_store.sh PATH/TO/xtalproof SHARED_DIR
set -u
XP=$1
B=$2/data/structures/bench
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is needed (scripts/bootstrap.sh installs it)"; exit 1; }
export XTALPROOF_HOME=$T/home

# A few hundred files: the variants of 16 crystals (many are the same crystal written again).
bases=$(ls "$B" | grep -v manifest | head -16)
set1=() set2=()
for b in $(echo "$bases" | head -10); do set1+=("$B/$b"); done
for b in $(echo "$bases" | tail -6); do set2+=("$B/$b"); done
nfiles=$(find "${set1[@]}" -type f | wc -l)
[ "$nfiles" -gt 100 ] && ok "$nfiles files in the first set" || bad "only $nfiles files"
# what the dataset must end up with: the distinct symhashes, from the hash command
"$XP" hash --json "${set1[@]}" > "$T/hashes" 2>/dev/null
want=$(jq -r .symhash "$T/hashes" | sort -u | wc -l)
nstruct=$(wc -l < "$T/hashes")

printf 'pw\n' > "$T/pw"
expect "key new" 0 "$XP" key new --keystore "$T/ks.json" --password-file "$T/pw" --light-kdf
"$XP" key address --keystore "$T/ks.json" --password-file "$T/pw" > "$T/addr"
owner=$(tr 'A-F' 'a-f' < "$T/addr")
expect "dataset create" 0 "$XP" dataset create lab1 --license CC-BY-4.0 --description "ten crystals" --keystore "$T/ks.json" --password-file "$T/pw"
expect "dataset create again" 1 "$XP" dataset create lab1 --license MIT
expect "dataset create without licence" 2 "$XP" dataset create lab2
expect "dataset create, bad name" 1 "$XP" dataset create "a b" --license MIT
expect "dataset create lab2" 0 "$XP" dataset create lab2 --license MIT
expect "register into a missing dataset" 1 "$XP" register --dataset none "${set1[@]}"
expect "register with real-number metadata" 1 "$XP" register --dataset lab1 --meta '{"x":1.5}' "${set1[@]}"

# register: one bad file among the real ones
printf 'data_x\n_cell_length_a 3\n' > "$T/bad.cif"
expect "register with a bad file" 1 "$XP" register --json --dataset lab1 --meta '{"source":"bench","method":"pymatgen"}' "${set1[@]}" "$T/bad.cif"
sum=$(tail -1 "$T/out")
if [ "$(jq -r .added <<<"$sum")" = "$want" ] && [ "$(jq -r .failed <<<"$sum")" = 1 ] \
   && [ "$(( $(jq -r .added <<<"$sum") + $(jq -r .duplicates <<<"$sum") ))" = "$nstruct" ] \
   && [ "$(jq -r .version <<<"$sum")" = 1 ] && [ "$(jq -r .size <<<"$sum")" = "$want" ]; then
  ok "added $want distinct crystals, $(jq -r .duplicates <<<"$sum") duplicates, 1 failed, version 1"
else bad "register summary: $sum (want $want of $nstruct)"; fi
grep -q "\"file\":\"$T/bad.cif\",\"status\":\"failed\"" "$T/out" && ok "the bad file named" || bad "no failed line"
root1=$(jq -r .root <<<"$sum")

expect "register again" 1 "$XP" register --json --dataset lab1 --meta '{"method":"pymatgen","source":"bench"}' "${set1[@]}" "$T/bad.cif"
sum=$(tail -1 "$T/out")
[ "$(jq -r .added <<<"$sum")" = 0 ] && [ "$(jq -r .newVersion <<<"$sum")" = false ] && [ "$(jq -r .root <<<"$sum")" = "$root1" ] \
  && ok "the re-run adds nothing" || bad "re-run: $sum"
expect "register again, text" 0 "$XP" register --dataset lab1 "${set1[0]}"
grep -q "^lab1: [0-9]* files: added 0, duplicates .*version unchanged 1" "$T/out" && ok "text summary" || bad "text: $(tail -1 "$T/out")"
grep -q "^duplicate " "$T/out" && ok "  a line per duplicate" || bad "  no duplicate line: $(cat "$T/out")"
one=$(find "${set1[0]}" -type f -name '*.cif' | sort | head -1)
expect "register one file again" 0 "$XP" register --dataset lab1 "$one"
grep -q "^lab1: 1 file: added 0, duplicates 1," "$T/out" && ok "  \"1 file\"" || bad "  one file: $(tail -1 "$T/out")"
expect "register again, --quiet" 1 "$XP" register --quiet --dataset lab1 "${set1[@]}" "$T/bad.cif"
[ "$(grep -c '^duplicate \|^match ' "$T/out")" = 0 ] && [ "$(grep -c '^failed ' "$T/out")" = 1 ] &&
  tail -1 "$T/out" | grep -q "^lab1: [0-9]* files: added 0, duplicates [1-9][0-9]*, failed 1" &&
  ok "--quiet: the failure and the summary only" || bad "--quiet: $(cat "$T/out")"

expect "dataset show --json" 0 "$XP" dataset show lab1 --json
if [ "$(jq -r '.versions | length' "$T/out")" = 1 ] && [ "$(jq -r '.versions[0].root' "$T/out")" = "$root1" ] \
   && [ "$(jq -r .owner "$T/out" | tr 'A-F' 'a-f')" = "$owner" ] && [ "$(jq -r .license "$T/out")" = CC-BY-4.0 ] \
   && [ "$(jq -r .pending "$T/out")" = 0 ]; then ok "show: one version, its root, the owner"
else bad "show: $(cat "$T/out")"; fi
expect "dataset list" 0 "$XP" dataset list
head -1 "$T/out" | grep -q "^name  *license  *versions  *records  *root" &&
  grep -q "^lab1  *CC-BY-4.0  *1  *$want  *$root1" "$T/out" && grep -q "^lab2 " "$T/out" && ok "list: a header row, then a line each" || bad "list: $(cat "$T/out")"
expect "dataset list --json" 0 "$XP" dataset list --json
[ "$(jq -r 'select(.name == "lab1") | "\(.license) \(.versions) \(.records) \(.root)"' "$T/out")" = "CC-BY-4.0 1 $want $root1" ] &&
  ok "list --json: labelled" || bad "list --json: $(cat "$T/out")"

# proof of the first file registered (record 0), its fields, and the leaf's contents
f1=${set1[0]}/$(LC_ALL=C ls "${set1[0]}" | head -1)
expect "proof" 0 "$XP" proof --dataset lab1 "$f1"
cp "$T/out" "$T/p1.json"
if [ "$(jq -r 'keys_unsorted | join(",")' "$T/p1.json")" = "dataset,version,size,root,index,leaf,leafHash,path" ] \
   && [ "$(jq -r .root "$T/p1.json")" = "$root1" ] && [ "$(jq -r .leaf "$T/p1.json" | wc -c)" = 515 ]; then
  ok "proof fields in order, root of version 1, 256-byte leaf"
  [ "$(jq -r .index "$T/p1.json")" = 0 ] && ok "record 0" || bad "index $(jq -r .index "$T/p1.json")"
else bad "proof: $(cat "$T/p1.json")"; fi
leaf=$(jq -r .leaf "$T/p1.json")
sym=$("$XP" hash --json "$f1" | jq -r .symhash)
sha=$(sha256sum "$f1" | cut -d' ' -f1)
# abi words: 0 version, 1 symhash, 3 content SHA-256, 4 contributor (right-aligned)
[ "${leaf:2:64}" = "$(printf '%064x' 1)" ] && ok "leaf word 0: version 1" || bad "version word ${leaf:2:64}"
[ "0x${leaf:66:64}" = "$sym" ] && ok "leaf word 1: the file's symhash" || bad "symhash word"
[ "${leaf:194:64}" = "$sha" ] && ok "leaf word 3: SHA-256 of the file" || bad "sha word ${leaf:194:64} vs $sha"
[ "0x${leaf:282:40}" = "$owner" ] && [ "${leaf:258:24}" = "000000000000000000000000" ] && ok "leaf word 4: the owner's address" || bad "contributor word ${leaf:258:64} vs $owner"
[ "${leaf:386:64}" = "$(printf '%064x' 0)" ] && ok "leaf word 6: no parent" || bad "parent word ${leaf:386:64}"
# word 7: keccak of the canonical metadata (keys sorted, no blanks), whatever order it came in
[ "0x${leaf:450:64}" = "$("$XP" keccak --text '{"method":"pymatgen","source":"bench"}')" ] && ok "leaf word 7: metadata hash" || bad "meta word ${leaf:450:64}"
expect "proof by symhash" 0 "$XP" proof --dataset lab1 "$sym"
cmp -s "$T/out" "$T/p1.json" && ok "same proof by symhash" || bad "proof by symhash differs"
expect "proof of a crystal not in the dataset" 1 "$XP" proof --dataset lab1 "0x$(printf '%064x' 7)"

# another implementation: js-sha3 (npm, under testnet/ after scripts/bootstrap.sh) and the
# RFC's path fold written in JavaScript
js=${XP_JS_SHA3:-$(dirname "$0")/../../testnet/node_modules/js-sha3}
if command -v node >/dev/null && [ -d "$js" ]; then
  js=$(cd "$js" && pwd)
  expect "js-sha3 agrees with the proof" 0 node "$(dirname "$0")/test_store_proofcheck.js" "$js" "$T/p1.json"
  jq '.path[-1] = "0x" + ("2" * 64)' "$T/p1.json" > "$T/js.json"
  expect "js-sha3 refuses a changed path" 1 node "$(dirname "$0")/test_store_proofcheck.js" "$js" "$T/js.json"
else
  echo "skip js-sha3 cross-check: no node or no $js (run scripts/bootstrap.sh)"
fi
expect "verify-proof" 0 "$XP" verify-proof "$T/p1.json"
grep -q '^valid: ' "$T/out" && ok "says valid" || bad "verify: $(cat "$T/out")"
expect "verify-proof --structure, another writing" 0 "$XP" verify-proof "$T/p1.json" --structure "$(find "${set1[0]}" -name perm.vasp)"
expect "verify-proof --structure, the same bytes" 0 "$XP" verify-proof "$T/p1.json" --structure "$f1"
grep -q 'byte for byte' "$T/out" && ok "same bytes noticed" || bad "bytes: $(cat "$T/out")"
expect "verify-proof --structure, another crystal" 1 "$XP" verify-proof "$T/p1.json" --structure "$(find "${set1[0]}" -name swap.vasp)"
grep -q '^invalid: .*symhash differs' "$T/out" && ok "says why" || bad "reason: $(cat "$T/out")"
jq '.path[0] = "0x" + ("0" * 64)' "$T/p1.json" > "$T/t1.json"
expect "tampered path" 1 "$XP" verify-proof "$T/t1.json"
jq '.index = .index + 1' "$T/p1.json" > "$T/t2.json"
expect "tampered index" 1 "$XP" verify-proof "$T/t2.json"
jq '.leaf = (.leaf[0:-1] + "1")' "$T/p1.json" > "$T/t3.json"
expect "tampered leaf" 1 "$XP" verify-proof "$T/t3.json"
jq '.size = .size + 1' "$T/p1.json" > "$T/t4.json"
jq 'del(.leafHash)' "$T/p1.json" > "$T/t5.json"
expect "missing leafHash" 1 "$XP" verify-proof "$T/t5.json"
printf '{"dataset":' > "$T/t6.json"
expect "truncated JSON" 1 "$XP" verify-proof "$T/t6.json"
expect "no proof file" 1 "$XP" verify-proof "$T/none.json"

# version 2: more files; version 1's proof still holds, and a fresh one of version 1 is the same
expect "register a second set" 0 "$XP" register --json --dataset lab1 "${set2[@]}"
sum=$(tail -1 "$T/out")
[ "$(jq -r .version <<<"$sum")" = 2 ] && [ "$(jq -r .size <<<"$sum")" -gt "$want" ] && ok "version 2, $(jq -r .size <<<"$sum") records" || bad "second: $sum"
expect "old proof after version 2" 0 "$XP" verify-proof "$T/p1.json" --structure "$f1"
expect "proof --version 1" 0 "$XP" proof --dataset lab1 --version 1 "$f1"
cmp -s "$T/out" "$T/p1.json" && ok "the same proof of version 1" || bad "version 1 proof changed"
expect "proof of version 2" 0 "$XP" proof --dataset lab1 "$f1"
[ "$(jq -r .version "$T/out")" = 2 ] && ok "latest is version 2" || bad "version $(jq -r .version "$T/out")"
f2=$(find "${set2[0]}" -name orig.vasp)
expect "proof of a version-2 file at version 1" 1 "$XP" proof --dataset lab1 --version 1 "$f2"
grep -q 'added after version 1' "$T/err" && ok "says it came later" || bad "$(cat "$T/err")"
expect "proof --version 9" 1 "$XP" proof --dataset lab1 --version 9 "$f1"

expect "consistency 1 2" 0 "$XP" consistency --dataset lab1 --from 1 --to 2
cp "$T/out" "$T/c.json"
[ "$(jq -r 'keys_unsorted | join(",")' "$T/c.json")" = "dataset,fromVersion,fromSize,fromRoot,toVersion,toSize,toRoot,proof" ] \
  && [ "$(jq -r .fromRoot "$T/c.json")" = "$root1" ] && ok "consistency fields" || bad "consistency: $(cat "$T/c.json")"
expect "consistency --verify" 0 "$XP" consistency --verify "$T/c.json"
jq '.proof[0] = "0x" + ("1" * 64)' "$T/c.json" > "$T/c1.json"
expect "tampered consistency" 1 "$XP" consistency --verify "$T/c1.json"
jq '.fromRoot = .toRoot' "$T/c.json" > "$T/c2.json"
expect "consistency with a wrong old root" 1 "$XP" consistency --verify "$T/c2.json"
expect "consistency 2 2" 0 "$XP" consistency --dataset lab1 --from 2 --to 2
expect "consistency 2 1" 1 "$XP" consistency --dataset lab1 --from 2 --to 1
expect "consistency without --to" 2 "$XP" consistency --dataset lab1 --from 1

# another dataset with a crystal of lab1: reported as a match
expect "register into lab2" 0 "$XP" register --dataset lab2 "$f1" "$f2"
grep -q "^match $f1: same crystal as record [0-9]* of dataset lab1" "$T/out" && ok "match in lab1 reported" || bad "match: $(cat "$T/out")"
expect "dataset check lab1" 0 "$XP" dataset check lab1
expect "dataset check lab2" 0 "$XP" dataset check lab2
finish
