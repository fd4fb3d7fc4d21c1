#!/usr/bin/env bash
# The chain commands on a fresh anvil (free port): deploy, anchor a dataset of real structures
# and extend it, register a model, open a round with an ETH reward over 2 targets, two
# predictors commit, 2 of 3 oracle members sign and one submits, reveal, settle, withdraw; the
# balances against hand-derived arithmetic (losing and unrevealed stakes forfeited to the
# sponsor); every round parameter in round show; and the refusals (a bare symhash, parameters
# out of their bounds, a record for another property or an unregistered model).
# usage: test_chain.sh PATH/TO/xtalproof SHARED_DIR SOURCE_DIR
set -u
XP=$1
S=$2/data/cgcnn/sample-cifs
SRC=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
need_anvil "$SRC"
need_port
export XTALPROOF_HOME=$T/home XTALPROOF_TESTNET=$SRC/testnet XTALPROOF_CONTRACTS=$SRC/contracts
trap '"$XP" devnet down >/dev/null 2>&1; rm -rf "$T"' EXIT
URL=http://127.0.0.1:$PORT
K=$XTALPROOF_HOME/devnet/keys PW=$XTALPROOF_HOME/devnet/password
A=(--password-file "$PW")
rpc() { curl -s -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL" | jq -r .result; }
call() { "$XP" eth abi-encode "$2" "${@:3}" > "$T/cd" && rpc eth_call "[{\"to\":\"$1\",\"data\":\"$(cat "$T/cd")\"},\"latest\"]"; }

# a port taken between the check and anvil's bind: try another
for try in 1 2 3; do
  "$XP" devnet up --port "$PORT" >"$T/out" 2>"$T/err" && break
  PORT=$(free_port); URL=http://127.0.0.1:$PORT
done
[ "$try" != 3 ] || "$XP" devnet status >/dev/null && ok "devnet up (anvil + deploy)" || bad "devnet up: $(cat "$T/err")"
DEP=$XTALPROOF_HOME/deployment-31337.json
ROUNDS=$(jq -r .contracts.Rounds.address "$DEP"); PROV=$(jq -r .contracts.ProvenanceRegistry.address "$DEP")
COMM=$(jq -r .contracts.OracleCommittee.address "$DEP")
[ "$(rpc eth_getCode "[\"$ROUNDS\",\"latest\"]" | wc -c)" -gt 100 ] && ok "Rounds has code" || bad "no code at $ROUNDS"
[ "$(jq -r .contracts.Rounds.artifactKeccak "$DEP")" = "$("$XP" keccak "$SRC/contracts/bin/Rounds.bin" | cut -d' ' -f1)" ] &&
  ok "artifact hash is the keccak of contracts/bin/Rounds.bin" || bad "artifact hash"
# threshold 2 of 3 members: the committee's own view
[ "$(($(call "$COMM" 'threshold()')))" = 2 ] && ok "committee threshold 2" || bad "threshold"
expect "deploy again: the journal answers, same addresses" 0 "$XP" deploy --rpc "$URL" --keystore "$K/account0.json" "${A[@]}" --committee "$(for i in 2 3 4; do "$XP" key address --keystore "$K/account$i.json" "${A[@]}"; done | paste -sd,)" --threshold 2
[ "$(jq -r .contracts.Rounds.address "$T/out")" = "$ROUNDS" ] && ok "redeploy is idempotent" || bad "redeploy moved Rounds"

# a dataset of real structures, anchored, extended with a consistency proof
O=(--keystore "$K/account0.json" "${A[@]}")
expect "dataset create" 0 "$XP" dataset create cod-sample --license CC0-1.0 "${O[@]}"
expect "anchor of a dataset without a version is refused" 1 "$XP" anchor --dataset cod-sample "${O[@]}"
grep -q 'no version yet' "$T/err" && ok "and says so" || bad "no-version: $(cat "$T/err")"
mkdir -p "$T/first"; cp "$S/1000041.cif" "$S/1000050.cif" "$S/9011998.cif" "$T/first/"
expect "register 3" 0 "$XP" register --dataset cod-sample "$T/first"
expect "anchor (create)" 0 "$XP" anchor --dataset cod-sample "${O[@]}"
[ "$(jq -r .size "$T/out")" = 3 ] && [ "$(jq -r .anchored "$T/out")" = true ] && ok "created with size 3" || bad "create: $(cat "$T/out")"
ROOT3=$(jq -r .root "$T/out"); G1=$(jq -r .gasUsed "$T/out")
expect "anchor again" 0 "$XP" anchor --dataset cod-sample "${O[@]}"
[ "$(jq -r .anchored "$T/out")" = false ] && ok "anchoring twice does nothing" || bad "second anchor: $(cat "$T/out")"
expect "register 2 more" 0 "$XP" register --dataset cod-sample "$S/9011050.cif" "$S/1101051.cif"
expect "anchor (extend)" 0 "$XP" anchor --dataset cod-sample "${O[@]}"
[ "$(jq -r .extendedFrom "$T/out")" = 3 ] && [ "$(jq -r .size "$T/out")" = 5 ] && ok "extended 3 -> 5" || bad "extend: $(cat "$T/out")"
ROOT5=$(jq -r .root "$T/out"); DSID=$(jq -r .id "$T/out")
# the chain's view: version 0 has the first root, the latest the second
L=$(call "$PROV" 'latest(uint256)' "$DSID")
[ "${L:66:64}" = "${ROOT5:2}" ] && [ "$((16#${L:130:64}))" = 5 ] && ok "latest(id) is (1, root of 5, 5)" || bad "latest: $L"
V0=$(call "$PROV" 'getVersion(uint256,uint256)' "$DSID" 0)
[ "${V0:2:64}" = "${ROOT3:2}" ] && ok "version 0 keeps the root of 3" || bad "version 0: $V0"
expect "register 1 more" 0 "$XP" register --dataset cod-sample "$S/1507756.cif"
expect "another key cannot extend" 1 "$XP" anchor --dataset cod-sample --keystore "$K/account1.json" "${A[@]}" --deployment "$DEP"
grep -q NotDatasetOwner "$T/err" && ok "NotDatasetOwner named" || bad "reason: $(cat "$T/err")"
# crashes after the transaction is journalled or broadcast: the next run finishes that one
XTALPROOF_ETH_CRASH=after-broadcast expect "anchor killed after the broadcast" 75 "$XP" anchor --dataset cod-sample "${O[@]}"
expect "the owner extends 5 -> 6 (rerun)" 0 "$XP" anchor --dataset cod-sample "${O[@]}"
[ "$(jq -r .extendedFrom "$T/out")" = 5 ] && ok "the rerun records the extension" || bad "rerun: $(cat "$T/out")"
[ "$(($(call "$PROV" 'versionCount(uint256)' "$DSID")))" = 3 ] && ok "3 versions on chain: extended once, not twice" || bad "versions: $(call "$PROV" 'versionCount(uint256)' "$DSID")"
expect "dataset create second" 0 "$XP" dataset create second --license CC0-1.0 "${O[@]}"
expect "register 1 in second" 0 "$XP" register --dataset second "$S/7206075.cif"
XTALPROOF_ETH_CRASH=after-journal expect "anchor killed after the journal write" 75 "$XP" anchor --dataset second "${O[@]}"
expect "anchor second (rerun)" 0 "$XP" anchor --dataset second "${O[@]}"
expect "anchor second again" 0 "$XP" anchor --dataset second "${O[@]}"
[ "$(jq -r .anchored "$T/out")" = false ] && [ "$(($(call "$PROV" 'datasetCount()')))" = 2 ] && ok "2 datasets on chain: created once" || bad "datasetCount $(call "$PROV" 'datasetCount()')"

# two anchors at once (two datasets): the state keeps both
for d in p q; do
  "$XP" dataset create $d --license CC0-1.0 "${O[@]}" >/dev/null && "$XP" register --dataset $d "$S/9012304.cif" >/dev/null
done
"$XP" anchor --dataset p "${O[@]}" >"$T/p.out" 2>&1 & PA=$!
"$XP" anchor --dataset q "${O[@]}" >"$T/q.out" 2>&1 & QA=$!
wait $PA && wait $QA && ok "two concurrent anchors" || bad "concurrent anchors: $(cat "$T/p.out" "$T/q.out")"
for d in p q; do
  expect "anchor $d again" 0 "$XP" anchor --dataset $d "${O[@]}"
  [ "$(jq -r .anchored "$T/out")" = false ] && ok "$d recorded once" || bad "$d: $(cat "$T/out")"
done

# a model trained on the dataset
expect "model register" 0 "$XP" model register band-gap --uri https://github.com/txie-93/cgcnn --training-dataset cod-sample "${O[@]}"
MID=$(jq -r .modelId "$T/out")
[ "$MID" = 1 ] && ok "model id 1" || bad "model id: $(cat "$T/out")"
expect "model register again" 0 "$XP" model register band-gap --training-dataset cod-sample "${O[@]}"
[ "$(jq -r .registered "$T/out")" = false ] && ok "registering twice does nothing" || bad "$(cat "$T/out")"
"$XP" deploy show >"$T/show.json" 2>"$T/err"
jq -e '.state.datasets["cod-sample"].id == 1 and .state.models["band-gap"] == 1 and .deployment.chainId == 31337' "$T/show.json" >/dev/null &&
  [ ! -e "$XTALPROOF_HOME/deployment-31337.state.json" ] && ok "deploy show: the chain state (dataset 1, model 1) is in the journal, no state file" || bad "show: $(cat "$T/show.json" "$T/err")"
expect "the same model file with other training datasets (none) is refused" 1 "$XP" model register band-gap "${O[@]}"
grep -q 'already registered as model 1 .* training datasets \["1"\], not \[\]' "$T/err" && ok "  and says which registration stands" || bad "message: $(cat "$T/err")"

# a round over Si and Ge: reward R per target, stake ST (at least R/64), tolerance 0.5 eV
R=1000000000000000000 ST=20000000000000000
OPEN=(round open --property "band gap" --reward $R --stake $ST --tolerance 0.5 --royalty-bps 1000 --commit-window 600 --idempotency-key si-ge-1 "${O[@]}" "$S/9011998.cif" "$S/9011050.cif")
# what is missing is said first, with the usage code, before any password is asked for
expect "round open without its options" 2 "$XP" round open --keystore "$K/account0.json" "$S/9011998.cif" </dev/null
grep -q "round open: give --property P --reward WEI" "$T/err" && ! grep -qi password "$T/err" &&
  ok "  says what to give, asks no password" || bad "  message: $(cat "$T/err")"
expect "round opne" 2 "$XP" round opne "${O[@]}"
grep -q 'did you mean "open"?' "$T/err" && ok "  suggests open" || bad "  message: $(cat "$T/err")"
expect "round open" 0 "$XP" "${OPEN[@]}"
RID=$(jq -r .round "$T/out")
[ "$RID" = 1 ] && [ "$(jq -r .escrowed "$T/out")" = 2000000000000000000 ] && ok "round 1 escrows 2 R" || bad "open: $(cat "$T/out")"
expect "round open again, same idempotency key" 0 "$XP" "${OPEN[@]}"
[ "$(jq -r .round "$T/out")" = 1 ] && ok "the same key finds round 1" || bad "reopen: $(cat "$T/out")"
expect "no round 2 was opened" 1 "$XP" round show 2
grep -qi "round\|revert\|exist" "$T/err" && ok "round show 2: $(head -c 120 "$T/err")" || bad "round show 2 failed for another reason: $(cat "$T/err")"
# every parameter of the round, as opened: the windows, the royalty, the stake, the tolerance
# (0.5 = 32768 in Q16.16), and each target's symhash and structureRoot as `hash --json` gives them
expect "round show $RID" 0 "$XP" round show "$RID"
cp "$T/out" "$T/show1.json"
D=$(jq -r .commitDeadline "$T/show1.json")
jq -e --arg st $ST --arg r $R --arg c "$COMM" '.token == "0x0000000000000000000000000000000000000000" and (.committee | ascii_downcase) == ($c | ascii_downcase) and
  .property == "band gap" and .rewardPerTarget == $r and .stake == $st and .toleranceQ == "32768" and .tolerance == "0.5" and
  .royaltyBps == "1000" and .resultWindow == "86400" and .revealWindow == "86400" and .targetCount == "2" and
  (.resultDeadline | tonumber) == (.commitDeadline | tonumber) + 86400' "$T/show1.json" >/dev/null &&
  ok "round show: token, committee, property, reward, stake, tolerance, royalty, windows, deadlines" || bad "show: $(cat "$T/show1.json")"
for t in 0 1; do
  f=$S/9011998.cif; [ $t = 1 ] && f=$S/9011050.cif
  [ "$(jq -r ".targets[$t].symhash + \" \" + .targets[$t].structureRoot" "$T/show1.json")" = "$("$XP" hash --json "$f" | jq -r '.symhash + " " + .structureRoot')" ] &&
    ok "target $t: the file's symhash and structureRoot" || bad "target $t: $(jq -c ".targets[$t]" "$T/show1.json")"
done
# round open refusals: a bare symhash (no structureRoot), then parameters out of their bounds,
# each named by the contract's error
SI_SYM=$("$XP" hash --json "$S/9011998.cif" | jq -r .symhash); SI_ROOT=$("$XP" hash --json "$S/9011998.cif" | jq -r .structureRoot)
RO=(round open --property "band gap" --reward $R --tolerance 0.5 --commit-window 600 "${O[@]}")
expect "round open with a bare symhash is refused" 1 "$XP" "${RO[@]}" "$SI_SYM"
grep -q 'SYMHASH:STRUCTUREROOT' "$T/err" && ok "  and says to give SYMHASH:STRUCTUREROOT or the file" || bad "message: $(cat "$T/err")"
expect "a reveal window of 60 s is refused" 1 "$XP" "${RO[@]}" --reveal-window 60 "$SI_SYM:$SI_ROOT"
grep -q 'RevealWindowOutOfRange("60","3600","2592000")' "$T/err" && ok "  RevealWindowOutOfRange(60, 3600, 2592000)" || bad "reason: $(cat "$T/err")"
expect "a result window of 60 s is refused" 1 "$XP" "${RO[@]}" --result-window 60 "$SI_SYM:$SI_ROOT"
grep -q 'ResultWindowOutOfRange("60","3600","31536000")' "$T/err" && ok "  ResultWindowOutOfRange(60, 3600, 31536000)" || bad "reason: $(cat "$T/err")"
expect "a stake below R/64 is refused" 1 "$XP" "${RO[@]}" --stake 1000 "$SI_SYM:$SI_ROOT"
grep -q 'StakeOutOfRange("1000","15625000000000000","1000000000000000000")' "$T/err" && ok "  StakeOutOfRange(1000, R/64, R)" || bad "reason: $(cat "$T/err")"
expect "a royalty above 50 % is refused" 1 "$XP" "${RO[@]}" --royalty-bps 5001 "$SI_SYM:$SI_ROOT"
grep -q 'RoyaltyOutOfRange("5001","5000")' "$T/err" && ok "  RoyaltyOutOfRange(5001, 5000)" || bad "reason: $(cat "$T/err")"
expect "a zero tolerance is refused" 1 "$XP" round open --property "band gap" --reward $R --tolerance 0 "${O[@]}" "$SI_SYM:$SI_ROOT"
grep -q 'ToleranceOutOfRange("0","1","4294967296")' "$T/err" && ok "  ToleranceOutOfRange(0, 1, 4294967296)" || bad "reason: $(cat "$T/err")"
# (a year and 100 s: the deadline is counted from the latest block, the bound from the next)
expect "a commit window past a year is refused" 1 "$XP" round open --property "band gap" --reward $R --tolerance 0.5 --commit-window 31536100 "${O[@]}" "$SI_SYM:$SI_ROOT"
grep -q 'CommitDeadlineOutOfRange' "$T/err" && ok "  CommitDeadlineOutOfRange" || bad "reason: $(cat "$T/err")"
# two more rounds, to be refused commitments in: one whose property has a trailing space (a
# sponsor's trap: no model's property is that), one for the formation energy (no model of it is
# registered); a target given as SYMHASH:STRUCTUREROOT
expect "round open, property \"band gap \"" 0 "$XP" round open --property "band gap " --reward $R --tolerance 0.5 --commit-window 600 "${O[@]}" "$SI_SYM:$SI_ROOT"
RTRAP=$(jq -r .round "$T/out")
[ "$(jq -r '.stake' "$T/out")" = 15625000000000000 ] && [ "$(jq -r '.structureRoots[0]' "$T/out")" = "$SI_ROOT" ] && ok "round $RTRAP: the default stake is R/64; SYMHASH:STRUCTUREROOT taken as given" || bad "open: $(cat "$T/out")"
expect "round open, property \"formation energy per atom\"" 0 "$XP" round open --property "formation energy per atom" --reward $R --tolerance 0.5 --commit-window 600 "${O[@]}" "$S/9011998.cif"
RFE=$(jq -r .round "$T/out")
CH=31337
for who in 1 5; do
  for t in 0 1; do
    f=$S/9011998.cif; [ $t = 1 ] && f=$S/9011050.cif
    P=(prove --model band-gap --keystore "$K/account$who.json" "${A[@]}" --round "$RID" --target $t --chain-id $CH --rounds-contract "$ROUNDS" --model-id "$MID")
    "$XP" "${P[@]}" --out "$T/c$who-$t.json" "$f" 2>"$T/err" || bad "prove $who $t: $(cat "$T/err")"
    if [ $who = 1 ]; then
      expect "commit by account$who on target $t (record by prove)" 0 "$XP" round commit --round "$RID" --record "$T/c$who-$t.json" --keystore "$K/account$who.json" "${A[@]}"
    else
      expect "commit by account$who on target $t (record made by round commit)" 0 "$XP" round commit --round "$RID" --target $t --model band-gap --keystore "$K/account$who.json" "${A[@]}" "$f"
      [ "$(jq -r .commitment "$T/out")" = "$(jq -r .commitment "$T/c$who-$t.json")" ] && ok "same commitment as prove's" || bad "commitment differs: $(cat "$T/out")"
    fi
    "$XP" "${P[@]}" --reveal --out "$T/r$who-$t.json" "$f" 2>"$T/err" || bad "prove --reveal $who $t: $(cat "$T/err")"
  done
done
expect "commit twice: journal answers, nothing sent" 0 "$XP" round commit --round "$RID" --record "$T/c1-0.json" --keystore "$K/account1.json" "${A[@]}"
[ "$(jq -r .reused "$T/out")" = true ] && ok "second commit reused" || bad "second commit: $(cat "$T/out")"
jq -e --arg st $ST --arg d "$D" --argjson m "$MID" '.stake == $st and .commitDeadline == $d and .resultWindow == "86400" and
  .revealWindow == "86400" and (.resultDeadline | tonumber) == ($d | tonumber) + 86400 and .tolerance == "0.5" and .modelId == $m' "$T/out" >/dev/null &&
  ok "round commit prints the terms it commits under (stake, deadline, windows, tolerance, model id)" || bad "commit: $(cat "$T/out")"
# refused before any stake is sent: the trap round ("band gap " is not the model's "band gap"),
# a record of the band-gap model in the formation-energy round, the formation-energy model
# (not registered) in its own round
BAL1=$(rpc eth_getBalance "[\"$("$XP" key address --keystore "$K/account1.json" "${A[@]}")\",\"latest\"]")
PT=(prove --keystore "$K/account1.json" "${A[@]}" --chain-id $CH --rounds-contract "$ROUNDS" --target 0)
"$XP" "${PT[@]}" --model band-gap --round "$RTRAP" --out "$T/trap.json" "$S/9011998.cif" 2>"$T/err" || bad "prove: $(cat "$T/err")"
expect "a commitment in a round whose property differs by a trailing space is refused" 1 "$XP" round commit --round "$RTRAP" --record "$T/trap.json" --keystore "$K/account1.json" "${A[@]}"
grep -q 'predicts "band gap", round .* asks for "band gap " .*byte for byte' "$T/err" && ok "  names both properties" || bad "message: $(cat "$T/err")"
"$XP" "${PT[@]}" --model band-gap --round "$RFE" --out "$T/bg-in-fe.json" "$S/9011998.cif" 2>"$T/err" || bad "prove: $(cat "$T/err")"
expect "a band-gap record in a formation-energy round is refused" 1 "$XP" round commit --round "$RFE" --record "$T/bg-in-fe.json" --keystore "$K/account1.json" "${A[@]}"
grep -q 'not the same property byte for byte' "$T/err" && ok "  the property differs" || bad "message: $(cat "$T/err")"
"$XP" "${PT[@]}" --model formation-energy-per-atom --round "$RFE" --out "$T/fe.json" "$S/9011998.cif" 2>"$T/err" || bad "prove: $(cat "$T/err")"
expect "a record of an unregistered model is refused" 1 "$XP" round commit --round "$RFE" --record "$T/fe.json" --keystore "$K/account1.json" "${A[@]}"
grep -q 'is not registered: register it first' "$T/err" && ok "  the model is not registered" || bad "message: $(cat "$T/err")"
[ "$(rpc eth_getBalance "[\"$("$XP" key address --keystore "$K/account1.json" "${A[@]}")\",\"latest\"]")" = "$BAL1" ] &&
  [ "$(jq -r '.targets[0].commits' <("$XP" round show "$RTRAP"))" = 0 ] && ok "nothing was sent: account1's balance unchanged, no commitment" || bad "something was sent"
expect "reveal before the result is refused" 1 "$XP" round reveal --round "$RID" --record "$T/r1-0.json" --keystore "$K/account1.json" "${A[@]}"
grep -q 'WrongStatus' "$T/err" && ok "with the contract's reason: $(cat "$T/err")" || bad "reason: $(cat "$T/err")"

# the oracle: report with a structure file (Si) and a symhash (Ge), in CSV
mkdir -p "$T/bt/raw"; cp "$S/9011998.cif" "$T/bt/si.cif"; echo "scan 1" > "$T/bt/raw/a.xy"; echo "scan 2" > "$T/bt/raw/b.xy"
GE=$("$XP" hash --json "$S/9011050.cif" | jq -r .symhash)
cat > "$T/bt/r.csv" <<EOF
target,symhash,property,value,uncertainty,unit,facility,beamline,proposal_id,measured_at,raw_data
si.cif,,band gap,1.12,0.02,eV,TESTLS,BL1,P-1,2026-11-20T09:30:00Z,raw/a.xy;raw/b.xy
,$GE,band gap,0.66,0.02,eV,TESTLS,BL1,P-1,1763631000,raw/b.xy
EOF
for m in 2 3; do
  expect "oracle sign by account$m" 0 "$XP" oracle sign --report "$T/bt/r.csv" --round "$RID" --keystore "$K/account$m.json" "${A[@]}" --out "$T/sig$m.json"
done
# the digest is the contract's own hashReport of the same fields
RAW=$("$XP" eth keccak "0x$(sha256sum "$T/bt/raw/a.xy" | cut -c1-64)$(sha256sum "$T/bt/raw/b.xy" | cut -c1-64)")
SI=$(jq -r '.reports[0].symhash' "$T/sig2.json")
FAC=0x$(printf 'TESTLS/BL1' | xxd -p)$(printf '0%.0s' $(seq 1 $((64 - 20))))
PROPH=0x$(printf 'band gap' | xxd -p)$(printf '0%.0s' $(seq 1 $((64 - 16))))
H=$(call "$COMM" 'hashReport((uint256,bytes32,bytes32,int256,uint256,bytes32,bytes32,uint64))' "($RID,$SI,$PROPH,73400,1311,$RAW,$FAC,1795167000)")
[ "$H" = "$(jq -r '.reports[0].digest' "$T/sig2.json")" ] && ok "digest = OracleCommittee.hashReport (1.12 eV = 73400 Q16.16, 0.02 = 1311)" || bad "digest $(jq -r '.reports[0].digest' "$T/sig2.json") vs $H"
expect "post during the commit phase is refused" 1 "$XP" oracle submit --report "$T/bt/r.csv" --round "$RID" "${O[@]}" "$T/sig2.json" "$T/sig3.json"
grep -q 'CommitPhase' "$T/err" && ok "CommitPhase named" || bad "reason: $(cat "$T/err")"
expect "a file that is no signature file is refused" 1 "$XP" oracle submit --report "$T/bt/r.csv" --round "$RID" "${O[@]}" /dev/null
"$XP" devnet warp 601 >/dev/null
expect "one signature is not enough" 1 "$XP" oracle submit --report "$T/bt/r.csv" --round "$RID" "${O[@]}" "$T/sig2.json"
grep -q 'NotEnoughSignatures' "$T/err" && ok "NotEnoughSignatures named" || bad "reason: $(cat "$T/err")"
expect "oracle submit 2 of 3" 0 "$XP" oracle submit --report "$T/bt/r.csv" --round "$RID" "${O[@]}" "$T/sig2.json" "$T/sig3.json"
[ "$(grep -c '"signatures":2' "$T/out")" = 2 ] && ok "both results posted with 2 signatures" || bad "submit: $(cat "$T/out")"

# reveals: account5 does not reveal target 1 (its stake goes to the pot)
for x in 1-0 1-1; do
  expect "reveal $x" 0 "$XP" round reveal --round "$RID" --record "$T/r$x.json" --keystore "$K/account1.json" "${A[@]}"
done
expect "reveal 5-0 (record made by round reveal)" 0 "$XP" round reveal --round "$RID" --target 0 --model band-gap --keystore "$K/account5.json" "${A[@]}" "$S/9011998.cif"
expect "settle before the reveal deadline is refused" 1 "$XP" round settle --round "$RID" "${O[@]}"
grep -q 'ChallengeWindowOpen' "$T/err" && ok "ChallengeWindowOpen named" || bad "reason: $(cat "$T/err")"
"$XP" devnet warp 86401 >/dev/null
# the reveal window is over; the challenge window (default 1 day) is not
expect "settle before the challenge window closes is refused" 1 "$XP" round settle --round "$RID" "${O[@]}"
grep -q 'ChallengeWindowOpen' "$T/err" && ok "ChallengeWindowOpen named" || bad "reason: $(cat "$T/err")"
"$XP" devnet warp 86401 >/dev/null
expect "settle" 0 "$XP" round settle --round "$RID" "${O[@]}"
expect "round show" 0 "$XP" round show "$RID"
[ "$(jq -r '[.targets[].status] | join(",")' "$T/out")" = settled,settled ] && ok "both targets settled" || bad "show: $(cat "$T/out")"
[ "$(jq -r '.targets[0].winners' "$T/out")" = 2 ] && [ "$(jq -r '.targets[1].winners' "$T/out")" = 0 ] && ok "Si: 2 winners (|0.955-1.12| <= 0.5), Ge: none (|1.532-0.66| > 0.5)" || bad "winners: $(cat "$T/out")"

# by hand: Si reward R shared by 2 -> R/2 each, of which 10 % (royaltyBps 1000) goes to the
# model's one training dataset, owned by account0; the winners' stakes back. Ge: no winner: the
# reward R back to the sponsor (account0) with both stakes, account1's (revealed outside the
# tolerance) and account5's (never revealed).
expect "royalties of a model that is not registered" 1 "$XP" round royalties --model-id 99 "${O[@]}"
grep -q "no model 99 is registered in this deployment's ModelRegistry (it holds [0-9]*): check --model-id" "$T/err" &&
  ok "  says so, not \"nothing owed\"" || bad "  message: $(cat "$T/err") $(cat "$T/out")"
expect "royalties owed to the dataset owner" 0 "$XP" round royalties --model-id "$MID" "${O[@]}"
ROY=$((R / 2 / 10))
[ "$(jq -r .distributed "$T/out")" = $((2 * ROY)) ] && ok "2 x R/20 distributed" || bad "royalties: $(cat "$T/out")"
declare -A want=([1]=$((R / 2 - ROY + ST)) [5]=$((R / 2 - ROY + ST)) [0]=$((R + 2 * ST + 2 * ROY)))
for who in 0 1 5; do
  expect "withdraw account$who" 0 "$XP" round withdraw --keystore "$K/account$who.json" "${A[@]}"
  [ "$(jq -r .withdrawn "$T/out")" = "${want[$who]}" ] && ok "account$who got ${want[$who]} wei" || bad "account$who withdrew $(jq -r .withdrawn "$T/out"), wanted ${want[$who]}"
done
expect "withdraw again" 0 "$XP" round withdraw --keystore "$K/account1.json" "${A[@]}"
[ "$(jq -r .withdrawn "$T/out")" = 0 ] && ok "nothing left" || bad "second withdraw: $(cat "$T/out")"
expect "devnet down" 0 "$XP" devnet down
finish
