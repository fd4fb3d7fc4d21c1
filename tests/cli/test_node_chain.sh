#!/usr/bin/env bash
# The node's anchor worker on a fresh anvil that keeps its state in a file (so it can be stopped
# and started again under the node):
#  1. batching: 4 batches of 50 registrations (XP_NODE_CHAIN_BATCHES, XP_NODE_CHAIN_BATCH_SIZE),
#     each made by single-structure API requests, give exactly 4 anchor transactions (counted in the contract's events); gas per structure against
#     a dataset whose every record is anchored on its own;
#  2. kill -9 of the daemon at random moments of registration and anchoring (XP_NODE_CHAIN_KILLS,
#     default 20): no answered record lost, every dataset version on chain once, the sender's
#     nonce equal to the number of transactions it had mined (no skipped nonce, no duplicate);
#  3. anvil stopped under the node, structures registered meanwhile, anvil started again: the
#     node waits and anchors them, once;
#  4. the node talks to anvil through the fault proxy (drops, drops after forwarding, delays,
#     cuts, garbling, 503 on XP_NODE_CHAIN_FAULT_PCT percent of requests, default 50): anchoring completes,
#     once;
#  5. a round the node's key committed to (round commit --model: the record and the salt in the
#     store; the exported file under HOME/records is removed): after the result the node reveals; after the reveal deadline it
#     settles and withdraws, each once (also after a restart); GET /v1/rounds/{id}.
# usage: test_node_chain.sh PATH/TO/xtalproof SOURCE_DIR PATH/TO/eth_fault_proxy
set -u
XP=$1 SRC=$2 PROXY=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
KILLS=${XP_NODE_CHAIN_KILLS:-20} FAULT=${XP_NODE_CHAIN_FAULT_PCT:-50}
NB=${XP_NODE_CHAIN_BATCHES:-4} BS=${XP_NODE_CHAIN_BATCH_SIZE:-50} TOTAL=$((NB * BS))
command -v jq >/dev/null && command -v curl >/dev/null || { echo "jq and curl are needed"; echo "0 passed, 1 failed"; exit 1; }
need_anvil "$SRC"
export XTALPROOF_HOME=$T/home XTALPROOF_CONTRACTS=$SRC/contracts
export ANVIL_DIR=$T/anvil ANVIL_STATE=$T/anvil/state.json
NODE_PID= PROXY_PID= SUB_PID=
cleanup() {
  for p in $SUB_PID $NODE_PID $PROXY_PID; do kill -9 "$p" 2>/dev/null; done
  bash "$SRC/testnet/anvil-down" >/dev/null 2>&1
  [ -n "${XP_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$XTALPROOF_HOME" "$T/s"
anvil_up() { bash "$SRC/testnet/anvil-up" >"$T/anvil.out" 2>&1; }
for try in 1 2 3; do
  export ANVIL_PORT=$(free_port) && anvil_up && break
done
URL=http://127.0.0.1:$ANVIL_PORT
anvil_up && ok "anvil on $URL with a state file" || { bad "anvil: $(cat "$T/anvil.out")"; finish; exit 1; }
rpc() { curl -s -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL" | jq -r .result; }

# the key: anvil's first dev account, from its log
grep -A3 '^Private Keys' "$ANVIL_DIR/anvil.log" | grep -o '0x[0-9a-f]\{64\}' | head -1 | cut -c3- >"$T/priv"
echo devnet >"$T/pw"; chmod 600 "$T/priv" "$T/pw"
K=$T/owner.json
expect "key import" 0 "$XP" key import --private-key-file "$T/priv" --keystore "$K" --password-file "$T/pw" --light-kdf
ADDR=$("$XP" key address --keystore "$K" --password-file "$T/pw")
# the oracle committee: accounts 1, 2, 3 of anvil, 2 of 3
for m in 1 2 3; do
  grep -A12 '^Private Keys' "$ANVIL_DIR/anvil.log" | grep "^($m)" | grep -o '0x[0-9a-f]\{64\}' | cut -c3- >"$T/priv$m"
  "$XP" key import --private-key-file "$T/priv$m" --keystore "$T/m$m.json" --password-file "$T/pw" --light-kdf >/dev/null 2>&1
done
COMMITTEE=$(for m in 1 2 3; do "$XP" key address --keystore "$T/m$m.json" --password-file "$T/pw"; done | paste -sd,)
expect "deploy" 0 "$XP" deploy --rpc "$URL" --keystore "$K" --password-file "$T/pw" --committee "$COMMITTEE" --threshold 2
DEP=$XTALPROOF_HOME/deployment-31337.json
PROV=$(jq -r .contracts.ProvenanceRegistry.address "$DEP")
nonce() { echo $(($(rpc eth_getTransactionCount "[\"$ADDR\",\"$1\"]"))); }
N0=$(nonce latest)

# structures: CsCl-type orthorhombic cells of distinct edges (distinct crystals), phase P uses pair P
gen() { # gen PHASE I -> file path
  local pairs=("Cs Cl" "Na Cl" "K Br" "Rb I" "Li F") f=$T/s/$1-$2.vasp
  # a in 3.00..7.95, b from 8.00 on (so a < b: no two of them are the same cell), c = 5
  [ -f "$f" ] || printf 'p%s-%s\n1.0\n%s 0 0\n0 %s 0\n0 0 5.0\n%s\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n' \
    "$1" "$2" "$(awk "BEGIN{printf \"%.2f\", 3.0+0.05*($2%100)}")" "$(awk "BEGIN{printf \"%.2f\", 8.0+0.05*int($2/100)}")" \
    "${pairs[$1]}" >"$f"
  echo "$f"
}

# the node: config file C (JSON), port from the port file
start_node() {
  rm -f "$T/port"
  "$XP" node --config "$1" --port 0 --port-file "$T/port" >>"$T/node.out" 2>>"$T/node.err" &
  NODE_PID=$!
  for _ in $(seq 1 200); do [ -s "$T/port" ] && break; sleep 0.05; done
  U=http://127.0.0.1:$(cat "$T/port" 2>/dev/null)
}
stop_node() { kill -TERM "$NODE_PID" 2>/dev/null; wait "$NODE_PID" 2>/dev/null; NODE_PID=; }
TOKEN() { cat "$XTALPROOF_HOME/api-token"; }
post_ds() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(TOKEN)" -H 'content-type: application/json' --data "{\"name\":\"$1\",\"license\":\"CC0-1.0\"}" "$U/v1/datasets"; }
# submit DATASET FILE [cut] -> the answer's JSON
submit() { curl -s --max-time 20 -H "Authorization: Bearer $(TOKEN)" --data-binary @"$2" "$U/v1/datasets/$1/structures?format=poscar${3:+&cut=$3}"; }
metric() { curl -s "$U/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# wait_anchored DATASET SECONDS: until the dataset's anchored version is its last and nothing is pending
wait_anchored() {
  local until=$((SECONDS + $2)) j
  while [ $SECONDS -lt "$until" ]; do
    j=$(curl -s "$U/v1/datasets/$1")
    if [ "$(metric xtalproof_anchor_pending_records)" = 0 ] && [ "$(jq -r .anchoredVersion <<<"$j")" != null ] &&
       [ "$(jq -r .anchoredVersion <<<"$j")" = "$(jq -r '.versions | length' <<<"$j")" ]; then return 0; fi
    sleep 0.3
  done
  return 1
}
# events DATASET_ID -> "size" lines of its DatasetCreated/Extended events, in order
TC=$("$XP" eth keccak --text 'DatasetCreated(uint256,address,bytes32,uint64,bytes32,string)' | cut -d' ' -f1)
TE=$("$XP" eth keccak --text 'DatasetExtended(uint256,uint256,bytes32,uint64)' | cut -d' ' -f1)
logs() { curl -s -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getLogs\",\"params\":[{\"address\":\"$PROV\",\"fromBlock\":\"0x0\",\"toBlock\":\"latest\",\"topics\":[[\"$TC\",\"$TE\"]]}]}" "$URL" >"$T/logs"; }
sizes_of() { jq -r --arg id "$(printf '0x%064x' "$1")" '.result[] | select(.topics[1] == $id) | .data[66:130]' "$T/logs" | while read -r h; do echo $((16#$h)); done; }
ds_id() { "$XP" deploy show --deployment "$DEP" | jq -r --arg n "$1" '.state.datasets[$n].id'; }
# a dataset's events: sizes strictly increasing (no version twice), the last = the store's size
check_once() {
  logs
  local id s prev=0 n=0 dup=0
  id=$(ds_id "$1")
  for s in $(sizes_of "$id"); do [ "$s" -gt "$prev" ] || dup=1; prev=$s; n=$((n+1)); done
  [ "$dup" = 0 ] && [ "$prev" = "$2" ] && ok "$1: $n anchor events, sizes increasing, last $prev" ||
    bad "$1: event sizes $(sizes_of "$id" | paste -sd,), wanted increasing up to $2"
}
anchor_events() { logs; jq '.result | length' "$T/logs"; }

# ---- 1. batching -------------------------------------------------------------------------------
cat >"$T/batch.json" <<EOF
{"keystore": "$K", "passwordFile": "$T/pw", "deployment": "$DEP", "rpc": "$URL",
 "anchorEveryRecords": $BS, "anchorEverySeconds": 3600}
EOF
start_node "$T/batch.json"
[ -s "$T/port" ] && ok "node with the anchor worker started" || { bad "node: $(cat "$T/node.err")"; finish; exit 1; }
RSS0=$(metric process_resident_memory_bytes)
[ "$(post_ds batch)" = 201 ] && [ "$(post_ds single)" = 201 ] && ok "datasets batch and single" || bad "dataset create"
t0=$SECONDS fails=0
for b in $(seq 0 $((NB - 1))); do
  for i in $(seq $((b * BS)) $((b * BS + BS - 1))); do
    r=$(submit batch "$(gen 0 "$i")")
    [ "$(jq -r .added <<<"$r")" = 1 ] && [ "$(jq -r .newVersion <<<"$r")" = false ] || fails=$((fails + 1))
  done
  wait_anchored batch 60 || bad "batch $b not anchored in 60 s: $(tail -3 "$T/node.err")"
done
[ "$fails" = 0 ] && ok "$TOTAL registrations, none cut a version" || bad "$fails registrations failed or cut"
echo "     $TOTAL registrations and $NB anchors in $((SECONDS - t0)) s"
id=$(ds_id batch)
logs
WANT=$(seq "$BS" "$BS" "$TOTAL" | paste -sd,)
[ "$(sizes_of "$id" | paste -sd,)" = "$WANT" ] && ok "exactly $NB anchor transactions: sizes $WANT" ||
  bad "anchor events of batch: $(sizes_of "$id" | paste -sd,)"
[ "$(curl -s "$U/v1/datasets/batch" | jq -r .anchoredVersion)" = "$NB" ] && ok "GET /v1/datasets/batch: anchoredVersion $NB" || bad "anchoredVersion: $(curl -s "$U/v1/datasets/batch")"
gas_of() { local tx; tx=$(jq -r --arg id "$(printf '0x%064x' "$1")" '.result[] | select(.topics[1] == $id) | .transactionHash' "$T/logs");
  for h in $tx; do echo $(($(rpc eth_getTransactionReceipt "[\"$h\"]" | jq -r .gasUsed))); done; }
GB=$(( $(gas_of "$id" | paste -sd+) ))
# one record per transaction: each submission cuts a version, the worker anchors it at once
for i in 0 1 2 3; do
  r=$(submit single "$(gen 4 "$i")" true)
  wait_anchored single 30 || bad "single $i not anchored: $(tail -3 "$T/node.err")"
done
logs
mapfile -t GS < <(gas_of "$(ds_id single)")
[ "${#GS[@]}" = 4 ] && ok "4 single-record anchors" || bad "single: ${#GS[@]} events"
per_b=$((GB / TOTAL)) per_s=$(((GS[1] + GS[2] + GS[3]) / 3))
echo "     gas: $NB batched anchors of $BS = $GB ($per_b per structure); one structure per transaction: create ${GS[0]}, extend $per_s"
[ "$per_b" -lt "$per_s" ] && ok "batched gas per structure $per_b < $per_s unbatched ($((per_s / (per_b > 0 ? per_b : 1)))x)" || bad "gas: batched $per_b, single $per_s"
m=$(curl -s "$U/metrics")
echo "     RSS of the node: $((RSS0 / 1024)) KiB at start, $(($(metric process_resident_memory_bytes) / 1024)) KiB after $((TOTAL + 4)) registrations and $((NB + 4)) anchors"
grep -q '^xtalproof_anchor_pending_records 0$' <<<"$m" && grep -q '^xtalproof_anchor_last_block [1-9]' <<<"$m" &&
  grep -q "^xtalproof_anchor_transactions_total $((NB + 4))\$" <<<"$m" && ok "metrics: pending 0, last block, $((NB + 4)) transactions" || bad "metrics: $(grep anchor <<<"$m")"
stop_node
[ "$(nonce latest)" = $((N0 + NB + 4)) ] && ok "nonce $((N0 + NB + 4)): one transaction per anchor" || bad "nonce $(nonce latest), wanted $((N0 + NB + 4))"

# other_home HOME KEYSTORE DATASET I: a node of its own home (and key) on the shared deployment,
# anchoring at once, one structure (gen 4 I) registered into a new dataset; news: its log lines
other_home() {
  mkdir -p "$1"
  cat >"$1.json" <<EOF
{"home": "$1", "keystore": "$2", "passwordFile": "$T/pw", "deployment": "$DEP", "rpc": "$URL",
 "anchorEveryRecords": 1, "anchorEverySeconds": 1}
EOF
  l0=$(wc -l <"$T/node.err")
  start_node "$1.json"
  local auth=(-H "Authorization: Bearer $(cat "$1/api-token")")
  curl -s -o /dev/null "${auth[@]}" -H 'content-type: application/json' --data "{\"name\":\"$3\",\"license\":\"CC0-1.0\"}" "$U/v1/datasets"
  curl -s "${auth[@]}" --data-binary @"$(gen 4 "$4")" "$U/v1/datasets/$3/structures?format=poscar&cut=true" >/dev/null
}
news() { tail -n +$((l0 + 1)) "$T/node.err"; }
# wait_news TEXT: up to 10 s for the line
wait_news() { for _ in $(seq 1 50); do news | grep -q "$1" && break; sleep 0.2; done; }

# ---- 1b. a second home sharing the deployment, with a dataset of a name the first anchored -------
# the chain state is keyed by name: the node must not take the other store's entry as its own
# (its records would wait for ever, counted as anchored); it says so once and counts them pending
n0=$(nonce latest)
other_home "$T/home2" "$K" single 50
wait_news "anchored from another store"
news | grep -q "holds a dataset single anchored from another store (4 records" &&
  ok "second home: its dataset single is not the other store's, and the node says so" ||
  bad "second home: $(news | tail -3)"
sleep 2
[ "$(news | grep -c "anchored from another store")" = 1 ] && ok "  said once, not per pass" ||
  bad "  said $(news | grep -c "anchored from another store") times"
[ "$(metric xtalproof_anchor_pending_records)" = 1 ] && ok "  its record counts as pending" ||
  bad "  pending: $(metric xtalproof_anchor_pending_records)"
stop_node
[ "$(nonce latest)" = "$n0" ] && ok "  no transaction sent for it" || bad "  nonce $(nonce latest), was $n0"

# ---- 1c. a node key without ETH: the log names the key to fund, once, not every pass ------------
"$XP" key new --keystore "$T/poor.json" --password-file "$T/pw" --light-kdf >/dev/null 2>&1
POOR=$("$XP" key address --keystore "$T/poor.json" --password-file "$T/pw")
other_home "$T/home3" "$T/poor.json" poor 60
wait_news "fund the node's key"
news | grep -q "anchor: poor: .*; fund the node's key $POOR with ETH on this chain" &&
  ok "unfunded key: the log names the key to fund" || bad "unfunded key: $(news | tail -3)"
sleep 4
[ "$(news | grep -c "anchor: poor:")" = 1 ] && ok "  once, not every pass" || bad "  $(news | grep -c "anchor: poor:") lines: $(news | tail -3)"
[ "$(metric xtalproof_anchor_pending_records)" = 1 ] && ok "  its record waits" || bad "  pending: $(metric xtalproof_anchor_pending_records)"
stop_node

# ---- 2. kill -9 during registration and anchoring -----------------------------------------------
cat >"$T/kill.json" <<EOF
{"keystore": "$K", "passwordFile": "$T/pw", "deployment": "$DEP", "rpc": "$URL",
 "anchorEveryRecords": 5, "anchorEverySeconds": 1}
EOF
start_node "$T/kill.json"; post_ds crash >/dev/null
: >"$T/answered"
next=0
submitter() { # registers phase-1 structures from $1 on, one per request; answered symhashes to a file
  local i=$1 r
  while :; do
    r=$(submit crash "$(gen 1 "$i")") || true
    [ "$(jq -r '.results[0].status' <<<"$r" 2>/dev/null)" = added ] && { jq -r '.results[0].symhash' <<<"$r" >>"$T/answered"; echo "$i" >"$T/next"; }
    i=$((i + 1))
  done
}
t0=$SECONDS
for k in $(seq 1 "$KILLS"); do
  [ $k = 1 ] || start_node "$T/kill.json"
  [ -s "$T/port" ] || { bad "restart $k: $(tail -3 "$T/node.err")"; break; }
  next=$(( $(cat "$T/next" 2>/dev/null || echo -1) + 1 ))
  submitter "$next" & SUB_PID=$!
  sleep "$(awk -v r=$RANDOM 'BEGIN{printf "%.2f", 0.3 + (r % 120) / 100}')"
  kill -9 "$NODE_PID"; wait "$NODE_PID" 2>/dev/null; NODE_PID=
  kill -9 "$SUB_PID"; wait "$SUB_PID" 2>/dev/null; SUB_PID=
done
echo "     $KILLS kill -9 in $((SECONDS - t0)) s; $(wc -l <"$T/answered") records answered"
start_node "$T/kill.json"
wait_anchored crash 60 && ok "after the last restart everything is anchored" || bad "not anchored: $(tail -5 "$T/node.err")"
lost=0
while read -r h; do [ "$(curl -s -o /dev/null -w '%{http_code}' "$U/v1/datasets/crash/records/$h")" = 200 ] || lost=$((lost + 1)); done <"$T/answered"
[ "$lost" = 0 ] && [ -s "$T/answered" ] && ok "no answered record lost ($(wc -l <"$T/answered"))" || bad "$lost answered records lost"
SZ=$(curl -s "$U/v1/datasets/crash" | jq -r .records)
check_once crash "$SZ"
grep -c "sent by an earlier run" "$T/node.err" | sed 's/^/     anchors resumed from the journal after a kill: /'
stop_node
[ "$(nonce latest)" = "$(nonce pending)" ] && [ "$(nonce latest)" = $((N0 + $(anchor_events))) ] &&
  ok "nonce $(nonce latest) = deploy + one per anchor event: none skipped, none doubled" ||
  bad "nonce latest $(nonce latest), pending $(nonce pending), events $(anchor_events), base $N0"
expect "dataset check after the kills" 0 "$XP" dataset check crash

# ---- 3. anvil stopped and started under the node ------------------------------------------------
start_node "$T/kill.json"; post_ds outage >/dev/null
bash "$SRC/testnet/anvil-down" >/dev/null 2>&1
for i in $(seq 0 11); do submit outage "$(gen 2 "$i")" >/dev/null; done
for _ in $(seq 1 100); do [ "$(metric xtalproof_chain_up)" = 0 ] && [ "$(metric xtalproof_anchor_pending_records)" = 12 ] && break; sleep 0.3; done
[ "$(metric xtalproof_chain_up)" = 0 ] && ok "chain down: xtalproof_chain_up 0" || bad "chain_up: $(metric xtalproof_chain_up)"
[ "$(metric xtalproof_anchor_pending_records)" = 12 ] && ok "12 records wait" || bad "pending: $(metric xtalproof_anchor_pending_records)"
# SIGTERM while the chain is down, and a start without a chain: the node serves, the records wait
t1=$SECONDS; stop_node
echo "     SIGTERM with the chain down: stopped in $((SECONDS - t1)) s"
start_node "$T/kill.json"
[ -s "$T/port" ] && ok "the node starts while the chain is down" || bad "no start without a chain: $(tail -3 "$T/node.err")"
for _ in $(seq 1 30); do [ "$(metric xtalproof_anchor_pending_records)" = 12 ] && break; sleep 0.2; done
[ "$(metric xtalproof_anchor_pending_records)" = 12 ] && ok "after the restart: still 12 records wait" || bad "pending after restart: $(metric xtalproof_anchor_pending_records)"
anvil_up && ok "anvil started again (same state)" || bad "anvil up: $(cat "$T/anvil.out")"
wait_anchored outage 60 && ok "the node resumed and anchored" || bad "outage not anchored: $(tail -5 "$T/node.err")"
check_once outage 12
stop_node

# ---- 4. through the fault proxy ----------------------------------------------------------------
"$PROXY" 0 "$ANVIL_PORT" "$FAULT" "$RANDOM" >"$T/proxy.out" 2>"$T/proxy.err" & PROXY_PID=$!
for _ in $(seq 1 100); do grep -q ready "$T/proxy.out" && break; sleep 0.05; done
PP=$(awk '/ready/ {print $2}' "$T/proxy.out")
sed "s#\"rpc\": \"$URL\"#\"rpc\": \"http://127.0.0.1:$PP\"#" "$T/kill.json" >"$T/proxy.json"
start_node "$T/proxy.json"; post_ds faulty >/dev/null
for i in $(seq 0 39); do submit faulty "$(gen 3 "$i")" >/dev/null; done
wait_anchored faulty 120 && ok "anchoring through the proxy ($FAULT % faults) completes" || bad "faulty not anchored: $(tail -5 "$T/node.err")"
check_once faulty 40
stop_node
kill -TERM "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=
echo "     proxy: $(tail -1 "$T/proxy.err")"
[ "$(nonce latest)" = "$(nonce pending)" ] && [ "$(nonce latest)" = $((N0 + $(anchor_events))) ] &&
  ok "in the end: nonce $(nonce latest) = deploy + anchor events" || bad "nonce $(nonce latest)/$(nonce pending), events $(anchor_events), base $N0"

# ---- 5. the round watcher: settle after the reveal deadline, then withdraw ----------------------
M=(--keystore "$K" --password-file "$T/pw" --deployment "$DEP")
warp() { rpc evm_increaseTime "[$1]" >/dev/null; rpc evm_mine '[]' >/dev/null; }
TGT=$(gen 0 0)
expect "model register" 0 "$XP" model register band-gap "${M[@]}"
expect "round open (the node's key sponsors)" 0 "$XP" round open --property "band gap" --reward 1000000 --stake 20000 --tolerance 0.5 --commit-window 600 --challenge-window 3600 "${M[@]}" "$TGT"
RID=$(jq -r .round "$T/out")
expect "the node's key commits" 0 "$XP" round commit --round "$RID" --target 0 --model band-gap "${M[@]}" "$TGT"
mkdir -p "$T/bt"; echo scan >"$T/bt/a.xy"
cat >"$T/bt/r.csv" <<EOF
target,symhash,property,value,uncertainty,unit,facility,beamline,proposal_id,measured_at,raw_data
,$("$XP" hash --json "$TGT" | jq -r .symhash),band gap,1.00,0.02,eV,TESTLS,BL1,P-1,2026-11-20T09:30:00Z,a.xy
EOF
for m in 1 2; do
  expect "oracle sign $m" 0 "$XP" oracle sign --report "$T/bt/r.csv" --round "$RID" --keystore "$T/m$m.json" --password-file "$T/pw" --deployment "$DEP" --out "$T/sig$m.json"
done
warp 601
expect "oracle submit 2 of 3" 0 "$XP" oracle submit --report "$T/bt/r.csv" --round "$RID" "${M[@]}" "$T/sig1.json" "$T/sig2.json"
rm -rf "$XTALPROOF_HOME/records" # an export: the node reveals from the store's predictions table
start_node "$T/kill.json"
for _ in $(seq 1 100); do [ "$(metric xtalproof_rounds_revealed_total)" = 1 ] && break; sleep 0.3; done
[ "$(metric xtalproof_rounds_revealed_total)" = 1 ] && ok "the node revealed its commitment (record and salt from the store)" || bad "revealed: $(metric xtalproof_rounds_revealed_total); $(tail -3 "$T/node.err")"
[ "$(metric xtalproof_rounds_settled_total)" = 0 ] && ok "before the reveal deadline: nothing settled" || bad "settled early: $(metric xtalproof_rounds_settled_total)"
warp 86401
sleep 2
[ "$(metric xtalproof_rounds_settled_total)" = 0 ] && ok "before the challenge window closes: nothing settled" || bad "settled in the challenge window: $(metric xtalproof_rounds_settled_total)"
warp 3601
for _ in $(seq 1 100); do [ "$(metric xtalproof_rounds_withdrawals_total)" = 1 ] && break; sleep 0.3; done
[ "$(metric xtalproof_rounds_settled_total)" = 1 ] && ok "the node settled its target after the reveal deadline" || bad "settled: $(metric xtalproof_rounds_settled_total); $(tail -3 "$T/node.err")"
[ "$(metric xtalproof_rounds_withdrawals_total)" = 1 ] && ok "and withdrew its balance" || bad "withdrawals: $(metric xtalproof_rounds_withdrawals_total); $(tail -3 "$T/node.err")"
curl -s "$U/v1/rounds/$RID" >"$T/round.json"
jq -e '.round == '"$RID"' and (.targets | length) == 1 and .targets[0].mine and .targets[0].resultPosted and .targets[0].revealed and .targets[0].settled' "$T/round.json" >/dev/null &&
  ok "GET /v1/rounds/$RID: the target, mine, result posted, revealed, settled" || bad "round: $(cat "$T/round.json")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U/v1/rounds/999")" = 404 ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$U/v1/rounds/x")" = 400 ] &&
  ok "an unseen round: 404; a bad id: 400" || bad "round refusals"
WS=$("$XP" node state "$("$XP" node state | grep '^rounds-watch/31337/')")
[ "$(echo "$WS" | jq -r .cursor)" -gt 1 ] && [ ! -e "$XTALPROOF_HOME/watch-31337.json" ] && ok "the watcher's cursor is persisted in the store" || bad "watch state: $WS"
stop_node; start_node "$T/kill.json"; sleep 2
[ "$(metric xtalproof_rounds_settled_total)" = 0 ] && [ "$(metric xtalproof_rounds_withdrawals_total)" = 0 ] && [ "$(metric xtalproof_rounds_revealed_total)" = 0 ] && ok "after a restart: nothing revealed, settled or withdrawn again" || bad "again: $(tail -3 "$T/node.err")"
# the prediction records: the revealed form is stored; POST of the same prediction gives it back
SYM=$("$XP" hash --json "$TGT" | jq -r .symhash)
curl -s "$U/v1/predictions?symhash=$SYM" >"$T/preds.json"
jq -e '.predictions | length == 1 and .[0].revealed and .[0].round == '"$RID"' and .[0].target == 0' "$T/preds.json" >/dev/null &&
  ok "GET /v1/predictions?symhash: the node's record, revealed" || bad "predictions: $(cat "$T/preds.json")"
code=$(curl -s -o "$T/post.json" -w '%{http_code}' -H "Authorization: Bearer $(TOKEN)" --data-binary @"$TGT" "$U/v1/predictions?model=band-gap&round=$RID&target=0&format=poscar")
[ "$code" = 200 ] && jq -e --arg h "$(jq -r '.predictions[0].hash' "$T/preds.json")" '.status == "unchanged" and .hash == $h and
  .record.chainId == 31337 and (.record.salt | length) == 66 and .record.anchor.modelId >= 1' "$T/post.json" >/dev/null &&
  ok "POST /v1/predictions with the round: the same record (same salt, model id from the state)" || bad "post $code: $(head -c 400 "$T/post.json")"
stop_node
finish
