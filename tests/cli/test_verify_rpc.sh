#!/usr/bin/env bash
# verify --rpc on a fresh anvil (free port): the contracts deployed, a dataset anchored, the model
# registered and a round opened by tests/tools/verify-rpc-setup.js (anvil's accounts); records by
# prove committed from the predictor's account, the result posted with two of three committee
# signatures (EIP-712), revealed. Every chain check passes for the honest record, before and
# after the result, and exactly the right one fails for: another chain, a commitment never made,
# a round whose target has another structureRoot than the record's (committed), a model
# registered with another weightsRoot (registered, on a second deployment), a reveal on chain
# that differs from the record, altered anchor fields, an unregistered model id, a dataset root
# never anchored. Also the wall time of verify --rpc (bench verify).
# usage: test_verify_rpc.sh PATH/TO/xtalproof SHARED_DIR SOURCE_DIR
set -u
XP=$1
C=$2/data/cgcnn
SRC=$3
TN=$SRC/testnet
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is needed (scripts/bootstrap.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
if [ ! -x "$TN/node_modules/.bin/anvil" ]; then
  echo "no anvil in $TN/node_modules/.bin (run scripts/bootstrap.sh)"; echo "0 passed, 1 failed"; exit 1
fi
PORT=$(free_port) || { echo "no free port found"; echo "0 passed, 1 failed"; exit 1; }
export ANVIL_DIR=$T/inst ANVIL_PORT=$PORT ANVIL_CHAIN_ID=4712 ANVIL_STATE=none XTALPROOF_HOME=$T/home
export TESTNET_DIR=$TN ANVIL_BIN=$TN/node_modules/.bin/anvil XTALPROOF_MODELS=$SRC/models
trap '"$TN/anvil-down" >/dev/null 2>&1; rm -rf "$T"' EXIT
"$TN/anvil-up" >"$T/up" 2>&1 || { cat "$T/up"; echo "0 passed, 1 failed"; exit 1; }
JS=$(dirname "$0")/../tools/verify-rpc-setup.js
URL=http://127.0.0.1:$PORT
ST=$T/state.json
S=$C/sample-cifs/1000041.cif
M=$SRC/models/formation-energy-per-atom.xpm
setup() { node "$JS" "$URL" "$1" "$ST" "${@:2}"; }
checks_failed() { grep '^FAIL' "$T/out" | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//'; }
line() { grep "^[A-Z]* $1 " "$T/out" | awk '{print $1}'; }
# want NAME CHECK STATUS...: the statuses of the chain checks in order
# chain committed timing revealed registered anchored
want() {
  local name=$1; shift
  local got
  got=$(for c in chain committed timing revealed registered anchored; do line $c; done | tr '\n' ' ' | sed 's/ $//')
  [ "$got" = "$*" ] && ok "$name: $got" || bad "$name: got '$got', wanted '$*'; $(cat "$T/out")"
}

read -r CHAIN ROUNDS PROV < <(setup deploy) && [ -n "$PROV" ] && ok "deployed (chain $CHAIN, Rounds $ROUNDS)" || { bad "deploy failed"; finish; exit 1; }
echo ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 > "$T/k"
echo pw > "$T/pw"
expect "key import (anvil account 0)" 0 "$XP" key import --private-key-file "$T/k" --keystore "$T/ks.json" --password-file "$T/pw" --light-kdf

# the dataset: set1 anchored, set2 (the same crystal alone) never
expect "dataset create set1" 0 "$XP" dataset create set1 --license CC-BY-4.0
expect "register set1" 0 "$XP" register --dataset set1 "$C/sample-cifs"
expect "dataset create set2" 0 "$XP" dataset create set2 --license CC-BY-4.0
expect "register set2" 0 "$XP" register --dataset set2 "$S"
"$XP" proof --dataset set1 "$S" > "$T/proof.json"
DSID=$(setup dataset "$(jq -r .root "$T/proof.json")" "$(jq -r .size "$T/proof.json")") && ok "anchored set1 as dataset $DSID" || bad "dataset anchoring failed"

# the model and the round: three targets, all this crystal (its symhash and structureRoot)
SYM=$("$XP" hash --json "$S" | jq -r .symhash)
ROOT=$("$XP" hash --json "$S" | jq -r .structureRoot)
MH=$("$XP" keccak "$M" | cut -d' ' -f1)
WR=$("$XP" models --json | jq -r 'select(.name == "formation-energy-per-atom") | .weightsRoot')
[ ${#ROOT} = 66 ] && [ ${#WR} = 66 ] && ok "structureRoot $ROOT, weightsRoot $WR" || bad "roots: '$ROOT' '$WR'"
"$XP" predict --model formation-energy-per-atom --json "$S" > "$T/pred.json"
PROPERTY=formation_energy_per_atom
MID=$(setup model "$MH" "$WR" "$PROPERTY" eV/atom) && ok "model registered as $MID" || bad "model registration failed"
ROUND=$(setup open "$PROPERTY" "$SYM:$ROOT" "$SYM:$ROOT" "$SYM:$ROOT") && ok "round $ROUND opened" || bad "openRound failed"

P=(prove --model formation-energy-per-atom --keystore "$T/ks.json" --password-file "$T/pw" --round "$ROUND" --chain-id "$CHAIN" --rounds-contract "$ROUNDS" --dataset set1 --model-id "$MID")
for t in 0 1 2; do
  expect "prove target $t" 0 "$XP" "${P[@]}" --target $t --out "$T/rec$t.json" "$S"
done
read -r TX0 BLK0 < <(setup commit "$ROUND" 0 "$(jq -r .commitment "$T/rec0.json")") && ok "committed target 0 in block $BLK0" || bad "commit 0 failed"
setup commit "$ROUND" 1 "$(jq -r .commitment "$T/rec1.json")" >/dev/null && ok "committed target 1" || bad "commit 1 failed"
V=(verify --structure "$S" --model "$M" --rpc "$URL")

# before the result: committed, the rest waits
expect "verify before the result" 0 "$XP" "${V[@]}" "$T/rec0.json"
want "before the result" PASS PASS SKIP SKIP PASS PASS
jq --argjson b "$BLK0" --arg tx "$TX0" '.anchor.commitTx = $tx | .anchor.commitBlock = $b' "$T/rec0.json" > "$T/anc0.json"
expect "verify with the anchor's commitTx and commitBlock" 0 "$XP" "${V[@]}" "$T/anc0.json"
jq '.anchor.modelId = 2' "$T/rec0.json" > "$T/bad.json"
expect "anchor.modelId of no model" 1 "$XP" "${V[@]}" "$T/bad.json"
want "anchor.modelId of no model" PASS PASS SKIP SKIP FAIL PASS
jq 'del(.anchor.modelId)' "$T/rec0.json" > "$T/nomid.json"
expect "no anchor.modelId: the model is found by its hash" 0 "$XP" "${V[@]}" "$T/nomid.json"
grep -q "^PASS registered .*registered as model $MID" "$T/out" && ok "idOf(modelHash) = $MID" || bad "$(cat "$T/out")"

# the result (2 of 3 signatures), then the reveals: target 0 as the record, target 1 with
# another trace root on chain
for t in 0 1 2; do
  setup result "$ROUND" $t 65536 >/dev/null && ok "result posted for target $t" || bad "postResult $t failed"
done
for t in 0 1; do
  expect "prove --reveal target $t" 0 "$XP" "${P[@]}" --target $t --reveal --out "$T/rev$t.json" "$S"
done
r0() { jq -r "$1" "$T/rev0.json"; }
setup reveal "$ROUND" 0 "$MID" "$(r0 .valueQ)" "$(r0 .salt)" "$(r0 .traceRoot)" >/dev/null && ok "revealed target 0" || bad "reveal 0 failed"
setup reveal "$ROUND" 1 "$MID" "$(r0 .valueQ)" "$(jq -r .salt "$T/rev1.json")" 0x$(printf 'ab%.0s' $(seq 32)) >/dev/null && ok "revealed target 1 (another traceRoot)" || bad "reveal 1 failed"

# the full flow: every check passes
expect "verify the revealed record" 0 "$XP" "${V[@]}" "$T/rev0.json"
want "revealed record" PASS PASS PASS PASS PASS PASS
[ "$(grep -c '^FAIL' "$T/out")" = 0 ] && [ "$(grep -c '^PASS' "$T/out")" = 16 ] && ok "16 PASS, no FAIL" || bad "$(cat "$T/out")"
grep -q '^PASS disputed .*never challenged' "$T/out" && ok "disputed: never challenged" || bad "disputed: $(cat "$T/out")"
expect "verify the committed record after the reveal" 0 "$XP" "${V[@]}" "$T/rec0.json"
want "committed record, revealed on chain" PASS PASS PASS PASS PASS PASS
expect "--dataset-id $DSID" 0 "$XP" "${V[@]}" --dataset-id "$DSID" "$T/rev0.json"
grep -q "^PASS anchored .*dataset $DSID version 0" "$T/out" && ok "anchored as dataset $DSID version 0" || bad "$(cat "$T/out")"
expect "--provenance $PROV" 0 "$XP" "${V[@]}" --provenance "$PROV" "$T/rev0.json"
expect "--from-block 1" 0 "$XP" "${V[@]}" --from-block 1 "$T/rev0.json"
expect "--from-block after the commit" 1 "$XP" "${V[@]}" --from-block $((BLK0 + 1)) "$T/rev0.json"
grep -q "^FAIL committed .*no round $ROUND" "$T/out" && ok "nothing seen after block $BLK0: no round, no commitment" || bad "$(cat "$T/out")"

# each false claim fails its own chain check, and only it
expect "a reveal on chain that differs" 1 "$XP" "${V[@]}" "$T/rev1.json"
want "a reveal on chain that differs" PASS PASS PASS FAIL PASS PASS
[ "$(checks_failed)" = revealed ] && ok "only revealed fails" || bad "failed: $(checks_failed)"
expect "a commitment never made" 1 "$XP" "${V[@]}" "$T/rec2.json"
want "a commitment never made" PASS FAIL SKIP SKIP PASS PASS

# a round whose target names the same symhash with another structureRoot: the record (made for
# that round, committed there) fails committed, and only it
OTHER=0x$(printf '5a%.0s' $(seq 32))
RS=$(setup open "$PROPERTY" "$SYM:$OTHER") && ok "round $RS: the crystal's symhash, another structureRoot" || bad "openRound failed"
expect "prove for round $RS" 0 "$XP" prove --model formation-energy-per-atom --keystore "$T/ks.json" --password-file "$T/pw" --round "$RS" --target 0 --chain-id "$CHAIN" --rounds-contract "$ROUNDS" --dataset set1 --model-id "$MID" --out "$T/rs.json" "$S"
setup commit "$RS" 0 "$(jq -r .commitment "$T/rs.json")" >/dev/null && ok "committed in round $RS" || bad "commit failed"
expect "another structureRoot on chain" 1 "$XP" "${V[@]}" "$T/rs.json"
want "another structureRoot on chain" PASS FAIL SKIP SKIP PASS PASS
[ "$(checks_failed)" = committed ] && grep -q "^FAIL committed .*structureRoot $OTHER" "$T/out" && ok "only committed fails, naming the round's structureRoot" || bad "failed: $(checks_failed); $(cat "$T/out")"

# a second deployment where the model file is registered with another weightsRoot: the record
# (made for its Rounds, committed there, the dataset anchored there too) fails registered, and
# only it
ST2=$T/state2.json
setup2() { node "$JS" "$URL" "$1" "$ST2" "${@:2}"; }
read -r _ ROUNDS2 _ < <(setup2 deploy) && [ -n "$ROUNDS2" ] && ok "second deployment (Rounds $ROUNDS2)" || bad "second deploy failed"
setup2 dataset "$(jq -r .root "$T/proof.json")" "$(jq -r .size "$T/proof.json")" >/dev/null && ok "set1 anchored there" || bad "anchoring failed"
MID2=$(setup2 model "$MH" "$OTHER" "$PROPERTY" eV/atom) && ok "the model file registered there with weightsRoot $OTHER" || bad "registration failed"
R2=$(setup2 open "$PROPERTY" "$SYM:$ROOT") && ok "round $R2 there" || bad "openRound failed"
expect "prove for the second deployment" 0 "$XP" prove --model formation-energy-per-atom --keystore "$T/ks.json" --password-file "$T/pw" --round "$R2" --target 0 --chain-id "$CHAIN" --rounds-contract "$ROUNDS2" --dataset set1 --model-id "$MID2" --out "$T/w2.json" "$S"
setup2 commit "$R2" 0 "$(jq -r .commitment "$T/w2.json")" >/dev/null && ok "committed there" || bad "commit failed"
expect "another weightsRoot registered" 1 "$XP" "${V[@]}" "$T/w2.json"
want "another weightsRoot registered" PASS PASS SKIP SKIP FAIL PASS
[ "$(checks_failed)" = registered ] && grep -q "^FAIL registered .*weightsRoot $OTHER" "$T/out" && ok "only registered fails, naming the registered weightsRoot" || bad "failed: $(checks_failed); $(cat "$T/out")"
O=(prove --model formation-energy-per-atom --keystore "$T/ks.json" --password-file "$T/pw" --round "$ROUND" --target 0 --chain-id 999 --rounds-contract "$ROUNDS" --dataset set1)
expect "prove for another chain" 0 "$XP" "${O[@]}" "$S"
expect "prove --reveal for another chain" 0 "$XP" "${O[@]}" --reveal --out "$T/other.json" "$S"
expect "another chain" 1 "$XP" "${V[@]}" "$T/other.json"
want "another chain" FAIL SKIP SKIP SKIP SKIP SKIP
[ "$(checks_failed)" = chain ] && ok "only chain fails" || bad "failed: $(checks_failed)"
for f in '.anchor.commitTx = "0x'$(printf '11%.0s' $(seq 32))'"' ".anchor.commitBlock = $((BLK0 + 1))"; do
  jq --argjson b "$BLK0" --arg tx "$TX0" '.anchor.commitTx = $tx | .anchor.commitBlock = $b' "$T/rev0.json" | jq "$f" > "$T/bad.json"
  expect "altered $f" 1 "$XP" "${V[@]}" "$T/bad.json"
  [ "$(checks_failed)" = committed ] && ok "only committed fails" || bad "failed: $(checks_failed); $(cat "$T/out")"
done
jq ".anchor.modelId = $((MID + 1))" "$T/rev0.json" > "$T/bad.json"
expect "altered anchor.modelId after the reveal" 1 "$XP" "${V[@]}" "$T/bad.json"
[ "$(checks_failed)" = revealed ] && ok "only revealed fails" || bad "failed: $(checks_failed)"
expect "prove --dataset set2 (never anchored)" 0 "$XP" "${P[@]/set1/set2}" --target 0 --reveal --out "$T/set2.json" "$S"
expect "a dataset root never anchored" 1 "$XP" "${V[@]}" "$T/set2.json"
want "a dataset root never anchored" PASS PASS PASS PASS PASS FAIL
[ "$(checks_failed)" = anchored ] && ok "only anchored fails" || bad "failed: $(checks_failed)"
expect "--dataset-id of no dataset" 1 "$XP" "${V[@]}" --dataset-id 7 "$T/rev0.json"
[ "$(checks_failed)" = anchored ] && ok "only anchored fails" || bad "failed: $(checks_failed)"

# no round, no node, bad options
expect "prove without a round" 0 "$XP" prove --model formation-energy-per-atom --keystore "$T/ks.json" --password-file "$T/pw" --out "$T/noround.json" "$S"
expect "a record without a round" 0 "$XP" "${V[@]}" "$T/noround.json"
want "a record without a round" SKIP SKIP SKIP SKIP SKIP SKIP
expect "no node at the URL" 1 "$XP" verify --rpc http://127.0.0.1:1 "$T/rev0.json"
[ "$(checks_failed)" = chain ] && ok "only chain fails" || bad "failed: $(checks_failed); $(cat "$T/out")"
expect "--provenance without --rpc" 2 "$XP" verify --provenance "$PROV" "$T/rev0.json"
expect "--provenance not an address" 2 "$XP" verify --rpc "$URL" --provenance 0x12 "$T/rev0.json"
expect "--dataset-id not a number" 2 "$XP" verify --rpc "$URL" --dataset-id x "$T/rev0.json"
expect "--from-block negative" 2 "$XP" verify --rpc "$URL" --from-block -1 "$T/rev0.json"

# the time of verify --rpc of a 60-atom structure (spg-hexagonal-169 doubled along a, as in
# test_prove.sh) whose record went through the whole flow (anchored dataset, commit, result,
# reveal): every check, the re-run included, in bench verify's loop; printed, not asserted
N=$C/dev-structures/spg-hexagonal-169.vasp
{ echo "In24 Se36 2x1x1"; echo 1.0; sed -n 3p "$N" | awk '{printf "%.12f %.12f %.12f\n",2*$1,2*$2,2*$3}'
  sed -n 4,5p "$N"; echo "In Se"; echo "24 36"; echo direct
  sed -n '9,38p' "$N" | awk '{for(i=0;i<2;i++) printf "%.12f %.12f %.12f %s\n", ($1+i)/2, $2, $3, $4}'; } > "$T/sc60.vasp"
expect "dataset create set60" 0 "$XP" dataset create set60 --license CC-BY-4.0
expect "register set60" 0 "$XP" register --dataset set60 "$T/sc60.vasp"
"$XP" proof --dataset set60 "$T/sc60.vasp" > "$T/proof60.json"
setup dataset "$(jq -r .root "$T/proof60.json")" "$(jq -r .size "$T/proof60.json")" >/dev/null && ok "anchored set60" || bad "anchoring set60 failed"
R60=$(setup open "$PROPERTY" "$("$XP" hash --json "$T/sc60.vasp" | jq -r '.symhash + ":" + .structureRoot')") && ok "round $R60 for the 60-atom crystal" || bad "openRound failed"
P60=(prove --model formation-energy-per-atom --keystore "$T/ks.json" --password-file "$T/pw" --round "$R60" --target 0 --chain-id "$CHAIN" --rounds-contract "$ROUNDS" --dataset set60 --model-id "$MID")
expect "prove 60 atoms" 0 "$XP" "${P60[@]}" "$T/sc60.vasp"
setup commit "$R60" 0 "$(jq -r .commitment "$T/out")" >/dev/null && ok "committed" || bad "commit failed"
setup result "$R60" 0 -65536 >/dev/null && ok "result posted" || bad "postResult failed"
expect "prove --reveal 60 atoms" 0 "$XP" "${P60[@]}" --reveal --out "$T/r60.json" "$T/sc60.vasp"
setup reveal "$R60" 0 "$MID" "$(jq -r .valueQ "$T/r60.json")" "$(jq -r .salt "$T/r60.json")" "$(jq -r .traceRoot "$T/r60.json")" >/dev/null && ok "revealed" || bad "reveal failed"
expect "verify --rpc 60 atoms" 0 "$XP" verify --structure "$T/sc60.vasp" --model "$M" --rpc "$URL" "$T/r60.json"
want "60 atoms" PASS PASS PASS PASS PASS PASS
expect "bench verify --rpc 60 atoms" 0 "$XP" bench verify --structure "$T/sc60.vasp" --model "$M" --rpc "$URL" --repeat 20 "$T/r60.json"
[ "$(jq '[.atoms, .checks, .passed, .failed]' -c "$T/out")" = "[60,17,16,0]" ] && ok "60 atoms, --rpc: $(jq -c '{cpu_ms_mean, cpu_ms_max, wall_ms_mean, wall_ms_max}' "$T/out")" || bad "$(cat "$T/out")"
expect "bench verify offline 60 atoms" 0 "$XP" bench verify --structure "$T/sc60.vasp" --model "$M" --repeat 20 "$T/r60.json"
ok "60 atoms, offline: $(jq -c '{cpu_ms_mean, wall_ms_mean}' "$T/out")"
t0=$(date +%s%N)
for _ in 1 2 3 4 5 6 7 8 9 10; do "$XP" verify --structure "$T/sc60.vasp" --model "$M" --rpc "$URL" "$T/r60.json" >/dev/null; done
ok "60 atoms, whole verify --rpc process: $(( ($(date +%s%N) - t0) / 10000000 )) ms each (mean of 10)"
finish
