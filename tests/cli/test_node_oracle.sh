#!/usr/bin/env bash
# The node's oracle role on a fresh anvil: a 2-of-3 committee (anvil accounts 1, 2, 3), two of
# whose members run a node with a reports folder each and one shared signatures folder. A round
# over the three targets of examples/beamtime/report.json is opened; the report (and a malformed
# one) is dropped into both reports folders. Checked:
#  - during the commit phase nothing is signed (the measured value is not shared early);
#  - the malformed report is refused and counted, the good one read (its raw data hashed);
#  - after the commit deadline each node signs every target once (a signature file in the
#    shared folder, the form of `oracle sign`), and the results are posted once each, equal to
#    the report's values (Q16.16), with the report's rawDataHash as `oracle sign` computes it;
#  - a restarted node signs and posts nothing again (its progress is in the store);
#  - a node whose key is not a member signs nothing; oracleReports without a keystore is refused.
# usage: test_node_oracle.sh PATH/TO/xtalproof SOURCE_DIR SHARED_DIR
set -u
XP=$1 SRC=$2 SHARED=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null && command -v curl >/dev/null || { echo "jq and curl are needed"; echo "0 passed, 1 failed"; exit 1; }
need_anvil "$SRC"
export XTALPROOF_CONTRACTS=$SRC/contracts ANVIL_DIR=$T/anvil
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  bash "$SRC/testnet/anvil-down" >/dev/null 2>&1
  [ -n "${XP_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
for try in 1 2 3; do
  export ANVIL_PORT=$(free_port) && bash "$SRC/testnet/anvil-up" >"$T/anvil.out" 2>&1 && break
done
URL=http://127.0.0.1:$ANVIL_PORT
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$URL")" = 200 ] &&
  ok "anvil on $URL" || { bad "anvil: $(cat "$T/anvil.out")"; finish; exit 1; }
rpc() { curl -s -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL" | jq -r .result; }
warp() { rpc evm_increaseTime "[$1]" >/dev/null; rpc evm_mine '[]' >/dev/null; }

echo devnet >"$T/pw"; chmod 600 "$T/pw"
for m in 0 1 2 3; do
  grep -A12 '^Private Keys' "$ANVIL_DIR/anvil.log" | grep "^($m)" | grep -o '0x[0-9a-f]\{64\}' | cut -c3- >"$T/priv$m"
  "$XP" key import --private-key-file "$T/priv$m" --keystore "$T/k$m.json" --password-file "$T/pw" --light-kdf >/dev/null 2>&1
done
COMMITTEE=$(for m in 1 2 3; do "$XP" key address --keystore "$T/k$m.json" --password-file "$T/pw"; done | paste -sd,)
export XTALPROOF_HOME=$T/home0
expect "deploy with a 2-of-3 committee" 0 "$XP" deploy --rpc "$URL" --keystore "$T/k0.json" --password-file "$T/pw" --committee "$COMMITTEE" --threshold 2
DEP=$XTALPROOF_HOME/deployment-31337.json
ROUNDS=$(jq -r .contracts.Rounds.address "$DEP")
O=(--keystore "$T/k0.json" --password-file "$T/pw" --deployment "$DEP")
S=$SHARED/data/cgcnn/sample-cifs
expect "round open over Si, Ge, ZnS" 0 "$XP" round open --property "band gap" --reward 1000 --tolerance 0.5 --commit-window 600 "${O[@]}" "$S/9011998.cif" "$S/9011050.cif" "$S/1101051.cif"
RID=$(jq -r .round "$T/out")
# the report's symhashes are the targets' (the example is written for them)
jq -r '.measurements[].symhash' "$SRC/examples/beamtime/report.json" >"$T/want-targets"
"$XP" round show "$RID" --deployment "$DEP" | jq -r '.targets[].symhash' >"$T/targets"
cmp -s "$T/want-targets" "$T/targets" && ok "the round's targets are the report's symhashes" || bad "targets: $(cat "$T/targets")"

# two members' nodes (accounts 1 and 2), each its own home and reports folder, one signatures
# folder; node 1 uses the deployment file the commands below use too, node 2 its own copy (as on
# another machine)
mkdir -p "$T/sigs"
cp "$DEP" "$T/dep-copy.json"
for m in 1 2; do
  mkdir -p "$T/reports$m" "$T/home$m"
  D=$DEP; [ "$m" = 2 ] && D=$T/dep-copy.json
  cat >"$T/node$m.json" <<EOF
{"home": "$T/home$m", "keystore": "$T/k$m.json", "passwordFile": "$T/pw", "deployment": "$D",
 "rpc": "$URL", "watchRounds": false, "oracleReports": "$T/reports$m", "oracleSignatures": "$T/sigs"}
EOF
done
start() { # start M CONFIG
  rm -f "$T/port$1"
  "$XP" node --config "$2" --port 0 --port-file "$T/port$1" >>"$T/node$1.out" 2>>"$T/node$1.err" &
  PIDS[$1]=$!
  for _ in $(seq 1 200); do [ -s "$T/port$1" ] && break; sleep 0.05; done
}
stop() { kill -TERM "${PIDS[$1]}" 2>/dev/null; wait "${PIDS[$1]}" 2>/dev/null; }
metric() { curl -s "http://127.0.0.1:$(cat "$T/port$1")/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
start 1 "$T/node1.json"; start 2 "$T/node2.json"
[ -s "$T/port1" ] && [ -s "$T/port2" ] && ok "two committee members' nodes started" || { bad "nodes: $(cat "$T/node1.err" "$T/node2.err")"; finish; exit 1; }
for m in 1 2; do
  cp -r "$SRC/examples/beamtime/raw" "$T/reports$m/"
  echo '{"version": 1, "measurements": [{"symhash": "0x12"}]}' >"$T/reports$m/broken.json"
  cp "$SRC/examples/beamtime/report.json" "$T/reports$m/.report.json.tmp" && mv "$T/reports$m/.report.json.tmp" "$T/reports$m/report.json"
done
# a command that updates the deployment's state file while a node on it runs (the node holds
# the state's lock only during its passes)
expect "model register while node 1 runs on the same deployment file" 0 timeout 60 "$XP" model register band-gap "${O[@]}"
wait_metric() { # wait_metric M NAME VALUE SECONDS
  local until=$((SECONDS + $4))
  while [ $SECONDS -lt "$until" ]; do [ "$(metric "$1" "$2")" = "$3" ] && return 0; sleep 0.3; done
  return 1
}
wait_metric 1 xtalproof_oracle_reports_total 1 20 && wait_metric 2 xtalproof_oracle_reports_total 1 20 &&
  ok "each node read the report" || bad "reports read: $(metric 1 xtalproof_oracle_reports_total)/$(metric 2 xtalproof_oracle_reports_total); $(tail -3 "$T/node1.err")"
[ "$(metric 1 xtalproof_oracle_bad_reports_total)" = 1 ] && grep -q 'refused broken.json' "$T/node1.err" &&
  ok "the malformed report is refused and counted: $(grep -m1 'refused broken.json' "$T/node1.err" | cut -c1-150)" || bad "bad reports: $(metric 1 xtalproof_oracle_bad_reports_total)"
sleep 2
[ -z "$(ls -A "$T/sigs")" ] && [ "$(metric 1 xtalproof_oracle_signed_total)" = 0 ] &&
  ok "during the commit phase nothing is signed" || bad "signed early: $(ls "$T/sigs")"

warp 601
wait_metric 1 xtalproof_oracle_signed_total 3 30 && wait_metric 2 xtalproof_oracle_signed_total 3 30 &&
  ok "after the commit deadline each member's node signed the three targets" || bad "signed: $(metric 1 xtalproof_oracle_signed_total)/$(metric 2 xtalproof_oracle_signed_total); $(tail -3 "$T/node1.err")"
for _ in $(seq 1 100); do
  [ "$("$XP" round show "$RID" --deployment "$DEP" | jq '[.targets[] | select(.status == "resulted")] | length')" = 3 ] && break; sleep 0.3
done
"$XP" round show "$RID" --deployment "$DEP" >"$T/show"
[ "$(jq '[.targets[] | select(.status == "resulted")] | length' "$T/show")" = 3 ] && ok "all three results posted" || bad "round: $(cat "$T/show")"
# the posted values are the report's: 1.12, 0.66, 3.68 eV as Q16.16, rounded to nearest (hand-computed)
want=$(jq -r '.measurements[].value' "$SRC/examples/beamtime/report.json" | awk '{v = $1 * 65536; printf "%d\n", (v >= 0) ? int(v + 0.5) : -int(-v + 0.5)}' | paste -sd,)
[ "$(jq -r '.targets[].resultQ' "$T/show" | paste -sd,)" = "$want" ] && ok "posted values are the report's ($want)" || bad "results $(jq -r '.targets[].resultQ' "$T/show" | paste -sd,), wanted $want"
P1=$(metric 1 xtalproof_oracle_posted_total) P2=$(metric 2 xtalproof_oracle_posted_total)
TR=$("$XP" eth keccak --text 'ResultPosted(uint256,uint256,int256,uint256,bytes32,bytes32,uint64,uint64)' | cut -d' ' -f1)
curl -s -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getLogs\",\"params\":[{\"address\":\"$ROUNDS\",\"fromBlock\":\"0x0\",\"toBlock\":\"latest\",\"topics\":[\"$TR\"]}]}" "$URL" >"$T/logs"
[ "$(jq '.result | length' "$T/logs")" = 3 ] && [ $((P1 + P2)) = 3 ] && ok "three ResultPosted events; the nodes posted $P1 + $P2" || bad "events $(jq '.result | length' "$T/logs"), posted $P1 + $P2"
# rawDataHash of the first result = the one `oracle sign` computes for the same report (the CLI path)
"$XP" oracle sign --report "$T/reports1/report.json" --round "$RID" --keystore "$T/k3.json" --password-file "$T/pw" --deployment "$DEP" --out "$T/sig3.json" 2>/dev/null
d3=$(jq -r '.reports[0].digest' "$T/sig3.json")
[ -f "$T/sigs/${d3#0x}-$("$XP" key address --keystore "$T/k1.json" --password-file "$T/pw").json" ] &&
  ok "the node signed the same digest as oracle sign (report, raw data hash, round)" || bad "digest $d3 not among $(ls "$T/sigs")"
# the signature files are in the form of `oracle sign` (so `oracle submit` takes them too)
F1=$T/sigs/${d3#0x}-$("$XP" key address --keystore "$T/k1.json" --password-file "$T/pw").json
jq -e --arg d "$d3" '.version == 1 and .chainId == 31337 and (.reports | length) == 1 and .reports[0].digest == $d and (.reports[0].signature | test("^0x[0-9a-f]{130}$"))' "$F1" >/dev/null &&
  ok "signature files in the form of oracle sign" || bad "signature file: $(cat "$F1")"

# a restart: nothing again
stop 1; start 1 "$T/node1.json"; sleep 3
[ "$(metric 1 xtalproof_oracle_signed_total)" = 0 ] && [ "$(metric 1 xtalproof_oracle_posted_total)" = 0 ] && [ "$(metric 1 xtalproof_oracle_reports_total)" = 0 ] &&
  ok "after a restart: nothing read, signed or posted again" || bad "again: $(tail -3 "$T/node1.err")"
XTALPROOF_HOME=$T/home1 "$XP" node state "oracle/31337/$(jq -r .contracts.Rounds.address "$DEP")" >"$T/state" 2>&1
[ "$(jq '[.items[] | select(.done)] | length' "$T/state")" = 3 ] && ok "the store holds the progress: 3 items done" || bad "state: $(head -c 600 "$T/state")"
stop 1; stop 2

# a node whose key is not a member: reads, signs nothing
mkdir -p "$T/reports0" "$T/sigs0"; cp -r "$SRC/examples/beamtime/raw" "$SRC/examples/beamtime/report.json" "$T/reports0/"
touch -d '-10 seconds' "$T/reports0/report.json"
cat >"$T/node0.json" <<EOF
{"home": "$T/home0", "keystore": "$T/k0.json", "passwordFile": "$T/pw", "deployment": "$DEP",
 "rpc": "$URL", "watchRounds": false, "oracleReports": "$T/reports0", "oracleSignatures": "$T/sigs0"}
EOF
start 0 "$T/node0.json"
wait_metric 0 xtalproof_oracle_reports_total 1 20; sleep 2
[ "$(metric 0 xtalproof_oracle_signed_total)" = 0 ] && [ -z "$(ls -A "$T/sigs0")" ] && ok "a node that is not a member signs nothing" || bad "non-member signed: $(ls "$T/sigs0")"
stop 0
# the commands without --round: every open round with the measurement as a target
expect "a second round over the same targets" 0 "$XP" round open --property "band gap" --reward 1000 --tolerance 0.5 --commit-window 600 "${O[@]}" "$S/9011998.cif" "$S/9011050.cif" "$S/1101051.cif"
R2=$(jq -r .round "$T/out")
for m in 1 2; do
  "$XP" oracle sign --report "$SRC/examples/beamtime/report.json" --keystore "$T/k$m.json" --password-file "$T/pw" --deployment "$DEP" --out "$T/any$m.json" 2>"$T/err$m"
done
[ "$(jq '[.reports[] | select(.round == '"$RID"')] | length' "$T/any1.json")" = 3 ] && [ "$(jq '[.reports[] | select(.round == '"$R2"')] | length' "$T/any1.json")" = 3 ] &&
  ok "oracle sign without --round: the 3 targets of each of the 2 open rounds" || bad "sign: $(cat "$T/any1.json" "$T/err1")"
warp 601
expect "oracle submit without --round" 0 "$XP" oracle submit --report "$SRC/examples/beamtime/report.json" "${O[@]}" "$T/any1.json" "$T/any2.json"
[ "$(jq -s '[.[] | select(.round == '"$R2"' and .tx)] | length' "$T/out")" = 3 ] && [ "$(jq -s '[.[] | select(.round == '"$RID"' and .note == "result already posted")] | length' "$T/out")" = 3 ] &&
  ok "  round $R2 posted, round $RID already posted" || bad "submit: $(cat "$T/out" "$T/err")"
echo '{"oracleReports": "/tmp"}' >"$T/nokey.json"
expect "oracleReports without a keystore is refused" 1 "$XP" node --config "$T/nokey.json" --port 0
grep -q 'needs "keystore"' "$T/err" && ok "  and says why" || bad "message: $(cat "$T/err")"
finish
