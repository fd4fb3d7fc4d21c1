#!/usr/bin/env bash
# prove, verify and trace open end to end: a committed record holds no salt and proving again
# gives the same commitment; --reveal adds the salt; verify passes every check with the files
# and fails the right one for altered records; a record made outside (js-sha3 and anvil's
# eth_sign, tests/vectors/prover) verifies; dataset inclusion; openings; sizes; bad input.
# usage: test_prove.sh PATH/TO/xtalproof SHARED_DIR SOURCE_DIR
set -u
XP=$1
C=$2/data/cgcnn
SRC=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is needed (scripts/bootstrap.sh installs it)"; exit 1; }
export XTALPROOF_HOME=$T/home XTALPROOF_MODELS=$SRC/models
S=$C/sample-cifs/1000041.cif
M=$SRC/models/formation-energy-per-atom.xpm
cd "$T"
echo secret > pw
expect "key new" 0 "$XP" key new --keystore ks.json --password-file pw --light-kdf
ADDR=$(cat "$T/out")
ROUND=(--round 3 --target 1 --chain-id 31337 --rounds-contract 0x5FbDB2315678afecb367f032d93F642f64180aa3)

# prove: a committed record, no salt, under 4 KiB
expect "prove" 0 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw "${ROUND[@]}" --out rec.json "$S"
[ "$(jq -r 'has("salt")' rec.json)" = false ] && ok "no salt before reveal" || bad "salt in the committed record"
[ "$(jq -r .predictor rec.json)" = "$ADDR" ] && ok "predictor is the key's address" || bad "predictor $(jq -r .predictor rec.json) vs $ADDR"
[ "$(jq '[.symhash,.modelHash,.value,.valueQ,.traceRoot,.commitment,.predictor,.signature] | map(. != null) | all' rec.json)" = true ] && ok "the named fields are there" || bad "fields: $(cat rec.json)"
size=$(wc -c < rec.json)
[ "$size" -lt 4096 ] && ok "record is $size bytes (< 4 KiB)" || bad "record is $size bytes"
[ "$(jq -r .modelHash rec.json)" = "$("$XP" keccak "$M" | cut -d' ' -f1)" ] && ok "modelHash is keccak of the model file" || bad "modelHash"
[ "$(jq -r .symhash rec.json)" = "$("$XP" hash --json "$S" | jq -r .symhash)" ] && ok "symhash is hash's" || bad "symhash"
"$XP" predict --model formation-energy-per-atom --json "$S" > pred.json
[ "$(jq .valueQ pred.json)" = "$(jq .valueQ rec.json)" ] && [ "$(jq -r .traceRoot pred.json)" = "$(jq -r .traceRoot rec.json)" ] && ok "valueQ and traceRoot are predict's" || bad "predict differs"

# proving again: the same salt, so the same commitment and record
expect "prove again" 0 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw "${ROUND[@]}" "$S"
cmp -s "$T/out" rec.json && ok "same record again (salt kept in the store)" || bad "second record differs"
expect "prove for another round" 0 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw --round 4 "$S"
[ "$(jq -r .commitment "$T/out")" != "$(jq -r .commitment rec.json)" ] && ok "another round, another commitment" || bad "same commitment for another round"

# reveal: the same record plus the salt, which opens the commitment
expect "prove --reveal" 0 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw "${ROUND[@]}" --reveal --out rev.json "$S"
[ "$(jq -c 'del(.salt)' rev.json)" = "$(jq -c . rec.json)" ] && ok "revealed = committed + salt" || bad "revealed record differs: $(diff rec.json rev.json)"
salt=$(jq -r .salt rev.json)
grep -rq "${salt#0x}" rec.json && bad "the salt is in the committed record" || ok "the salt was nowhere in the committed record"
expect "reveal without a commitment" 1 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw --round 9 --reveal "$S"
grep -q "without --reveal first" "$T/err" && ok "says to prove first" || bad "message: $(cat "$T/err")"
# outside a round: one command makes and reveals the record, and its salt opens the commitment
expect "prove --reveal outside a round" 0 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw --reveal --out once.json "$S"
[ "$(jq -r 'has("salt")' once.json)" = true ] && [ "$(jq -r .round once.json)" = 0 ] && ok "revealed in one step, round 0" || bad "one-step record: $(cat once.json)"
expect "verify one-step record" 0 "$XP" verify once.json --structure "$S" --model "$M"
grep -q '^PASS commitment' "$T/out" && ok "its commitment opens" || bad "$(cat "$T/out")"
expect "prove outside a round after the reveal" 0 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw "$S"
[ "$(jq -r .commitment "$T/out")" = "$(jq -r .commitment once.json)" ] && ok "the same salt after (kept in the store)" || bad "another commitment"

# verify: every check passes with the files
expect "verify revealed" 0 "$XP" verify rev.json --structure "$S" --model "$M"
[ "$(grep -c '^PASS' "$T/out")" = 8 ] && ok "8 PASS (no opening, no dataset)" || bad "$(cat "$T/out")"
expect "verify committed, no files" 0 "$XP" verify rec.json
grep -q '^SKIP commitment' "$T/out" && grep -q '^PASS model' "$T/out" && ok "commitment SKIP before reveal; model found by name" || bad "$(cat "$T/out")"

# altered records: exit 1 and the right FAIL lines
alter() { jq "$1" rev.json > bad.json; }
checks_failed() { grep '^FAIL' "$T/out" | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//'; }
alter '.value = 1.5'
expect "altered value" 1 "$XP" verify bad.json --structure "$S" --model "$M"
[ "$(checks_failed)" = value ] && ok "value: only the value check" || bad "value: $(checks_failed)"
alter '.valueQ += 1'
expect "altered valueQ" 1 "$XP" verify bad.json --structure "$S" --model "$M"
[ "$(checks_failed)" = "signature value inference commitment" ] && ok "valueQ: signature, value, inference, commitment" || bad "valueQ: $(checks_failed)"
alter ".salt = \"0x$(printf '0%.0s' {1..64})\""
expect "altered salt" 1 "$XP" verify bad.json
[ "$(checks_failed)" = commitment ] && ok "salt: only the commitment" || bad "salt: $(checks_failed)"
alter '.recordVersion = 3'
expect "record version 3" 1 "$XP" verify bad.json
grep -q '^FAIL record' "$T/out" && ok "unknown version refused" || bad "$(cat "$T/out")"
alter '.structureRoot = .traceRoot'
expect "altered structureRoot" 1 "$XP" verify bad.json --structure "$S" --model "$M"
[ "$(checks_failed)" = "signature structure" ] && ok "structureRoot: signature, structure" || bad "structureRoot: $(checks_failed)"
alter '.weightsRoot = .traceRoot'
expect "altered weightsRoot" 1 "$XP" verify bad.json --structure "$S" --model "$M"
[ "$(checks_failed)" = "signature model" ] && ok "weightsRoot: signature, model" || bad "weightsRoot: $(checks_failed)"
[ "$(jq -r .structureRoot rev.json)" = "$("$XP" hash --json "$S" | jq -r .structureRoot)" ] && ok "structureRoot is hash's" || bad "structureRoot"
[ "$(jq -r .weightsRoot rev.json)" = "$("$XP" models --json | jq -r 'select(.name == "formation-energy-per-atom") | .weightsRoot')" ] && ok "weightsRoot is models'" || bad "weightsRoot"
expect "another structure" 1 "$XP" verify rev.json --structure "$C/sample-cifs/1000050.cif" --model "$M"
[ "$(checks_failed)" = "structure file inference" ] && ok "another crystal: structure, file, inference" || bad "other: $(checks_failed)"
expect "another model" 1 "$XP" verify rev.json --structure "$S" --model "$SRC/models/band-gap.xpm"
[ "$(checks_failed)" = "model inference" ] && ok "another model: model, inference" || bad "model: $(checks_failed)"

# step openings (a version-2 record): the step's output and the leaves it reads, with paths
expect "trace open edge 2 5 3" 0 "$XP" trace open rev.json --structure "$S" --step edge --layer 2 --atom 5 --k 3 --out op.json
[ "$(jq .output.index op.json)" = $((14 * 8 + 12 * (2 * 8 + 5) + 3)) ] && ok "M[2][5][3] at 14n + 12(ln + i) + k" || bad "index $(jq .output.index op.json)"
[ "$(jq -r '[.inputs[].tree] | join(" ")' op.json)" = "structure trace trace trace weights" ] && ok "edge reads the cell, NBR, PS, PN and its weights" || bad "inputs $(jq -c '[.inputs[].tree]' op.json)"
expect "verify with the opening" 0 "$XP" verify rev.json --opening op.json
grep -q '^PASS opening' "$T/out" && ok "opening PASS" || bad "$(cat "$T/out")"
expect "trace open head" 0 "$XP" trace open rev.json --structure "$S" --step head
v=$(jq -r .output.leaf "$T/out"); v=$((16#${v: -8})); [ $v -ge 2147483648 ] && v=$((v - 4294967296))
[ "$v" = "$(jq .valueQ rev.json)" ] && ok "the OUT leaf holds valueQ" || bad "OUT leaf $v"
# a digit of the output changed: its path no longer leads to the root
jq -c '.output.leaf |= (.[0:20] + (if .[20:21] == "0" then "1" else "0" end) + .[21:])' op.json > badop.json
expect "altered opening" 1 "$XP" verify rev.json --structure "$S" --model "$M" --opening badop.json
[ "$(checks_failed)" = opening ] && ok "altered leaf: only the opening" || bad "opening: $(checks_failed)"
"$XP" trace open rev.json --structure "$S" --step mean > op3.json
cat op.json op3.json > ops.json
expect "verify two openings" 0 "$XP" verify rev.json --structure "$S" --model "$M" --opening ops.json
[ "$(grep -c '^PASS opening' "$T/out")" = 2 ] && ok "one line per opening" || bad "$(cat "$T/out")"
cat op.json badop.json op3.json > ops.json
expect "one bad opening of three" 1 "$XP" verify rev.json --structure "$S" --model "$M" --opening ops.json
[ "$(grep -c '^PASS opening' "$T/out") $(checks_failed)" = "2 opening" ] && ok "only the bad one fails" || bad "$(cat "$T/out")"
echo '{' > junk.json
expect "unreadable opening" 1 "$XP" verify rev.json --opening junk.json
[ "$(checks_failed)" = opening ] && ok "unreadable opening FAILs the opening check" || bad "$(cat "$T/out")"
for st in "nbr --atom 7" "embed --atom 0" "self --layer 0 --atom 1" "pair --layer 3 --atom 2" "update --layer 1 --atom 6" "sum --layer 1 --atom 0"; do
  "$XP" trace open rev.json --structure "$S" --step $st
done > all.json
expect "six more kinds" 0 "$XP" verify rev.json --structure "$S" --model "$M" --opening all.json
[ "$(grep -c '^PASS opening' "$T/out")" = 6 ] && ok "nbr, embed, self, pair, update, sum open and hold" || bad "$(cat "$T/out")"
expect "trace open, atom out of range" 1 "$XP" trace open rev.json --structure "$S" --step embed --atom 8
expect "trace open, no atom" 2 "$XP" trace open rev.json --structure "$S" --step embed
expect "trace open, a layer of a version-2 record" 1 "$XP" trace open rev.json --structure "$S" --layer 0 --atom 1
expect "trace open, another structure" 1 "$XP" trace open rev.json --structure "$C/sample-cifs/1000050.cif" --step mean

# version 1: a record of cgcnn-q16-v2 made outside (the model file it names is the shipped one
# with the architecture field it had), its layer openings
cp "$M" m2.xpm && printf 'cgcnn-q16-v2' | dd of=m2.xpm bs=1 seek=12 conv=notrunc 2>/dev/null
jq .record "$SRC/tests/vectors/prover/vectors.json" > outside.json
[ "$("$XP" keccak m2.xpm | cut -d' ' -f1)" = "$(jq -r .modelHash outside.json)" ] && ok "the v2 model file is the record's" || bad "v2 model hash"
expect "verify the outside record" 0 "$XP" verify outside.json --structure "$S" --model m2.xpm
[ "$(grep -c '^PASS' "$T/out")" = 8 ] && ok "outside version-1 record: 8 PASS" || bad "$(cat "$T/out")"
expect "trace open layer 2 atom 5 (v1)" 0 "$XP" trace open outside.json --structure "$S" --model m2.xpm --layer 2 --atom 5 --out op1.json
[ "$(jq .index op1.json)" = $((2 * 8 + 5)) ] && ok "leaf index 2·8+5" || bad "index $(jq .index op1.json)"
expect "verify with the v1 opening" 0 "$XP" verify outside.json --structure "$S" --model m2.xpm --opening op1.json
grep -q '^PASS opening' "$T/out" && ok "v1 opening PASS" || bad "$(cat "$T/out")"
expect "trace open, a step of a version-1 record" 1 "$XP" trace open outside.json --structure "$S" --model m2.xpm --step mean
expect "prove with a v2 model" 1 "$XP" prove --model m2.xpm --keystore ks.json --password-file pw "$S"
grep -q "convert it again" "$T/err" && ok "prove asks to convert a v2 model" || bad "$(cat "$T/err")"
jq .v2.record "$SRC/tests/vectors/prover/vectors.json" > outside2.json
expect "verify the outside version-2 record" 0 "$XP" verify outside2.json --structure "$S" --model "$M"
[ "$(grep -c '^PASS' "$T/out")" = 8 ] && ok "outside version-2 record: 8 PASS" || bad "$(cat "$T/out")"

jq '.modelName = "/etc/passwd"' rev.json > pathname.json
expect "trace open, modelName a path" 1 "$XP" trace open pathname.json --structure "$S" --step mean
grep -q "not a model name" "$T/err" && ok "a path in modelName is not opened" || bad "$(cat "$T/err")"
expect "verify, modelName a path" 1 "$XP" verify pathname.json --structure "$S"
grep -q '^SKIP model' "$T/out" && ok "model SKIP" || bad "$(cat "$T/out")"


# dataset inclusion proof in the record
expect "dataset create" 0 "$XP" dataset create set1 --license CC-BY-4.0
expect "register" 0 "$XP" register --dataset set1 "$C/sample-cifs"
expect "prove --dataset" 0 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw --dataset set1 --model-id 2 --reveal "${ROUND[@]}" --out ds.json "$S"
[ "$(jq -c .anchor ds.json)" = '{"modelId":2}' ] && ok "anchor.modelId" || bad "anchor: $(jq -c .anchor ds.json)"
[ "$(jq .signature ds.json)" = "$(jq .signature rev.json)" ] && ok "dataset proof and anchor are outside the signature" || bad "signature differs"
expect "verify with inclusion" 0 "$XP" verify ds.json --structure "$S" --model "$M"
grep -q '^PASS inclusion.*dataset set1 version 1' "$T/out" && ok "inclusion PASS" || bad "$(cat "$T/out")"
jq '.dataset.path[0] = .dataset.root' ds.json > bad.json
expect "altered inclusion path" 1 "$XP" verify bad.json --structure "$S" --model "$M"
[ "$(checks_failed)" = inclusion ] && ok "altered path: only inclusion" || bad "inclusion: $(checks_failed)"
expect "prove --dataset, not registered" 1 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw --dataset set1 "$C/dev-structures/spg-tetragonal-126-2.vasp"

# bench verify: one JSON line
expect "bench verify" 0 "$XP" bench verify rev.json --structure "$S" --model "$M" --opening op.json --repeat 20
[ "$(jq -r '.bench + " " + (.failed|tostring) + " " + (.passed|tostring)' "$T/out")" = "verify 0 9" ] && ok "bench verify: 9 checks pass, inclusion skipped" || bad "$(cat "$T/out")"

# a 60-atom structure (spg-hexagonal-169 doubled along a): the verify target's size; the CPU
# time is printed (measured by bench verify, not asserted here)
N=$C/dev-structures/spg-hexagonal-169.vasp
{ echo "In24 Se36 2x1x1"; echo 1.0; sed -n 3p "$N" | awk '{printf "%.12f %.12f %.12f\n",2*$1,2*$2,2*$3}'
  sed -n 4,5p "$N"; echo "In Se"; echo "24 36"; echo direct
  sed -n '9,38p' "$N" | awk '{for(i=0;i<2;i++) printf "%.12f %.12f %.12f %s\n", ($1+i)/2, $2, $3, $4}'; } > sc60.vasp
expect "prove 60 atoms" 0 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw --out r60.json sc60.vasp
expect "bench verify 60 atoms" 0 "$XP" bench verify r60.json --structure sc60.vasp --model "$M" --repeat 20
[ "$(jq .atoms "$T/out")" = 60 ] && ok "60 atoms: $(jq -c '{cpu_ms_mean, cpu_ms_max}' "$T/out")" || bad "$(cat "$T/out")"

# bad input
expect "wrong password" 1 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file <(echo nope) "$S"
expect "no model" 1 "$XP" prove --model nosuch --keystore ks.json --password-file pw "$S"
expect "--out exists" 1 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw --out rec.json "$S"
expect "target without round" 2 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw --target 1 "$S"
expect "bad rounds contract" 2 "$XP" prove --model formation-energy-per-atom --keystore ks.json --password-file pw --rounds-contract 0x12 "$S"
expect "verify a missing file" 1 "$XP" verify "$T/none.json"
printf 'not json' > junk.json
expect "verify junk" 1 "$XP" verify junk.json
grep -q '^FAIL record.*not JSON' "$T/out" && ok "junk: FAIL record" || bad "$(cat "$T/out")"
expect "verify without a record" 2 "$XP" verify
finish
