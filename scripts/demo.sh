#!/usr/bin/env bash
# The main job: the whole story on a local anvil. A dataset of real structures (the CGCNN
# sample CIFs, COD entries) registered and anchored, two models registered, a round with an
# ETH reward over three targets, two predictors committing, a 2-of-3 oracle committee posting
# the bundled beamtime results (examples/beamtime), reveal, settle, withdraw, and the
# verification of one published prediction, offline and against the chain. Two dishonest
# parties meet the dispute game: a predictor (account6) who reveals a number the model did not
# produce, with a made-up trace root, is challenged by the node's watchtower and loses its stake
# and its win; a false challenger (account7) of an honest prediction plays the game to its end
# against the node's defender and loses its bond to the predictor. The chain is stopped at the
# end, whatever happens, unless KEEP=1: then a node with the demo's data (chain, datasets, rounds,
# settlement) stays up for its explorer, whose URL is printed with the command that stops it all
# (DEMO_WORK=DIR keeps the demo's files there instead of a fresh temporary folder).
# usage: [KEEP=1] [DEMO_WORK=DIR] demo.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}; case $B in /*) ;; *) B=$PWD/$B ;; esac
XP=$B/bin/xtalproof
SHARED=${XTALPROOF_SHARED:-../shared}
S=$SHARED/data/cgcnn/sample-cifs
KEEP=${KEEP:-0}
if [ -n "${DEMO_WORK:-}" ]; then
  work=$DEMO_WORK; mkdir -p "$work"; case $work in /*) ;; *) work=$PWD/$work ;; esac
  [ -z "$(ls -A "$work")" ] || { echo "demo: DEMO_WORK=$work is not empty"; exit 1; }
else
  work=$(mktemp -d)
fi
export XTALPROOF_HOME=$work/home XTALPROOF_TESTNET=$PWD/testnet XTALPROOF_CONTRACTS=$PWD/contracts
NODE_PID=
cleanup() {
  [ -n "$NODE_PID" ] && kill -TERM "$NODE_PID" 2>/dev/null
  if [ "$KEEP" = 1 ] && [ -s "$work/explorer.url" ]; then return; fi
  "$XP" devnet down >/dev/null 2>&1 || true
  [ -n "${DEMO_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
start=$SECONDS
step() { printf '\n== %s\n' "$*"; }
. scripts/free-port.sh
[ -d "$S" ] || { echo "demo: no sample structures at $S"; exit 1; }

step "local chain (anvil) and the four contracts deployed by the node's own client"
# a port taken between the check and anvil's bind: try another
for try in 1 2 3; do
  port=${DEMO_PORT:-$(free_port)}
  "$XP" devnet up --port "$port" >/dev/null 2>"$work/devnet.log" && break
  [ "$try" = 3 ] && { cat "$work/devnet.log"; exit 1; }
done
echo "  anvil on 127.0.0.1:$port"
cp "$XTALPROOF_HOME/deployment-31337.json" "$work/deploy.json"
jq -r '.contracts | to_entries[] | "  \(.key)  \(.value.address)"' "$work/deploy.json"
K=$XTALPROOF_HOME/devnet/keys
A=(--password-file "$XTALPROOF_HOME/devnet/password")
addr() { "$XP" key address --keystore "$K/account$1.json" "${A[@]}"; }
OWNER=(--keystore "$K/account0.json" "${A[@]}")
ROUNDS=$(jq -r .contracts.Rounds.address "$work/deploy.json")

step "dataset of the ten sample structures, registered in the Merkle log and anchored"
"$XP" dataset create cod-sample --license CC0-1.0 --description "CGCNN sample structures (COD)" "${OWNER[@]}" >/dev/null
"$XP" register --dataset cod-sample "$S" | tail -1
"$XP" anchor --dataset cod-sample "${OWNER[@]}" | tee "$work/anchor.json" | jq -c '{dataset, id, size, root, gasUsed}'
"$XP" anchor --dataset cod-sample "${OWNER[@]}" | jq -c '{dataset, anchored, note}'

step "gas: one anchor of 10 records vs 10 anchors of one record each"
"$XP" dataset create one-by-one --license CC0-1.0 "${OWNER[@]}" >/dev/null
gas_many=0
for f in "$S"/*.cif; do
  "$XP" register --dataset one-by-one "$f" >/dev/null
  g=$("$XP" anchor --dataset one-by-one "${OWNER[@]}" | jq -r .gasUsed)
  gas_many=$((gas_many + g))
done
gas_one=$(jq -r .gasUsed "$work/anchor.json")
echo "  one anchor of 10: $gas_one gas ($((gas_one / 10)) per structure); 10 anchors: $gas_many gas ($((gas_many / 10)) per structure)"

step "two models registered, trained on the anchored dataset"
for m in formation-energy-per-atom band-gap; do
  "$XP" model register "$m" --uri https://github.com/txie-93/cgcnn --training-dataset cod-sample "${OWNER[@]}" |
    tee "$work/model-$m.json" | jq -c '{model, modelId, property, unit}'
done
MID=$(jq -r .modelId "$work/model-band-gap.json")

step "a round on the band gap of Si, Ge and ZnS: 1 ETH per target, a stake of 0.02 ETH per prediction (lost when it misses), tolerance 0.5 eV, 10 % of wins to the training data"
# the model predicts DFT-level gaps and the beamline measures real ones: the round scores the
# first against the second, and says so (docs/quickstart.md, "What the band-gap round compares")
"$XP" models --json | jq -r 'select(.name == "band-gap") | "  what is compared: band-gap \(.card.note // "has no model card")"'
echo "  so this round asks how close a DFT-level (PBE) prediction comes to the measured gap, within 0.5 eV: a test of the model against experiment, not of PBE's known underestimate"
T1=$S/9011998.cif T2=$S/9011050.cif T3=$S/1101051.cif
"$XP" round open --property "band gap" --reward 1000000000000000000 --stake 20000000000000000 --tolerance 0.5 --royalty-bps 1000 --commit-window 600 --challenge-window 3600 --move-window 3600 --idempotency-key demo-round "${OWNER[@]}" "$T1" "$T2" "$T3" |
  tee "$work/round.json" | jq -c '{round, escrowed, stake, committee}'
RID=$(jq -r .round "$work/round.json")
"$XP" round show "$RID" | jq -r '"  every parameter on chain: stake \(.stake) wei, tolerance \(.tolerance) eV, royalty \(.royaltyBps) bps, result window \(.resultWindow) s, reveal window \(.revealWindow) s",
  "  disputes: a challenge window of \(.challengeWindow) s after the reveal window, \(.moveWindow) s per move, a bond of \(.bond) wei per challenge",
  (.targets[] | "  target \(.index): symhash \(.symhash[0:14])…, structureRoot \(.structureRoot[0:14])…")'

step "two predictors commit (account1 on all three targets, account5 on Si and ZnS)"
i=0
for t in "$T1" "$T2" "$T3"; do
  for who in 1 5; do
    [ "$who" = 5 ] && [ "$i" = 1 ] && continue
    P=(prove --model band-gap --keystore "$K/account$who.json" "${A[@]}" --round "$RID" --target $i --chain-id 31337 --rounds-contract "$ROUNDS" --model-id "$MID" --dataset cod-sample)
    "$XP" "${P[@]}" --out "$work/c$who-$i.json" "$t" 2>/dev/null
    "$XP" round commit --round "$RID" --record "$work/c$who-$i.json" --keystore "$K/account$who.json" "${A[@]}" |
      jq -r '"  account'$who' target \(.target): commitment \(.commitment[0:18])…"'
    "$XP" "${P[@]}" --reveal --out "$work/r$who-$i.json" "$t" 2>/dev/null
  done
  i=$((i + 1))
done

step "a dishonest predictor (account6) commits to Si's measured gap, 1.12 eV, without running any model"
SI_SYM=$(jq -r .symhash "$work/r1-0.json") SI_MH=$(jq -r .modelHash "$work/r1-0.json")
LIE=$((112 * 65536 / 100)) SALT6=0x$(printf '6a%.0s' $(seq 1 32)) FAKE=0x$(printf 'fe%.0s' $(seq 1 32))
CD=$("$XP" eth abi-encode 'commitmentHash(uint256,bytes32,bytes32,int256,bytes32,address)' "$RID" "$SI_SYM" "$SI_MH" "$LIE" "$SALT6" "$(addr 6)")
C6=$(curl -s -H 'content-type: application/json' --data '{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"'"$ROUNDS"'","data":"'"$CD"'"},"latest"]}' "http://127.0.0.1:$port" | jq -r .result)
SEND6=("$XP" eth send --rpc "http://127.0.0.1:$port" --keystore "$K/account6.json" "${A[@]}" --journal "$work/j6.mdb" --to "$ROUNDS")
STAKE=$("$XP" round show "$RID" | jq -r .stake)
"${SEND6[@]}" --value "$STAKE" --data "$("$XP" eth abi-encode 'commit(uint256,uint256,bytes32)' "$RID" 0 "$C6")" |
  jq -r '"  account6 target 0: commitment '"${C6:0:18}"'… (block \(.block))"'

step "the commit window closes; 2 of the 3 committee members sign the beamtime report; one submits"
"$XP" devnet warp 601 >/dev/null
for m in 2 3; do
  "$XP" oracle sign --report examples/beamtime/report.json --round "$RID" --keystore "$K/account$m.json" "${A[@]}" --out "$work/sig$m.json"
  echo "  signed by account$m $(jq -r .signer "$work/sig$m.json")"
done
"$XP" oracle submit --report examples/beamtime/report.json --round "$RID" --keystore "$K/account4.json" "${A[@]}" "$work/sig2.json" "$work/sig3.json" |
  jq -r '"  target \(.target): measured \(.property) = \(.value) \(.unit) (\(.signatures) signatures)"'

step "reveal, then settle after the reveal window"
for f in "$work"/r[0-9]-[0-9].json; do
  who=$(basename "$f" .json); who=${who#r}; who=${who%-*}
  "$XP" round reveal --round "$RID" --record "$f" --keystore "$K/account$who.json" "${A[@]}" |
    jq -r '"  account'$who' target \(.target): predicted \(.value)"'
done
"${SEND6[@]}" --data "$("$XP" eth abi-encode 'reveal(uint256,uint256,uint256,int256,bytes32,bytes32)' "$RID" 0 "$MID" "$LIE" "$SALT6" "$FAKE")" >/dev/null
"$XP" round show "$RID" | jq -r '.targets[0].reveals[] | select(.valueQ == "'$LIE'") |
  "  account6 target 0: predicted 1.12 (valueQ \(.valueQ)) with traceRoot \(.traceRoot[0:18])…: \(if .winner then "in the band, on paper" else "outside the band" end)"'

step "the node of account1 starts with its watchtower and defender: it re-runs every reveal and challenges the false one"
mkdir -p "$work/targets"; cp "$T1" "$T2" "$T3" "$work/targets/"
printf '{"keystore": "%s", "passwordFile": "%s", "disputeStructures": "%s", "watchtower": true, "defender": true, "anchorEverySeconds": 3600}\n' \
  "$K/account1.json" "$XTALPROOF_HOME/devnet/password" "$work/targets" > "$work/node.json"
"$XP" node --config "$work/node.json" --port 0 --port-file "$work/node.port" >"$work/node.out" 2>"$work/node.err" &
NODE_PID=$!
# wait_for SECONDS JQ_TEST ID: until `dispute show ID` passes the test
wait_for() {
  local until=$((SECONDS + $1))
  while [ $SECONDS -lt "$until" ]; do
    "$XP" dispute show "$3" >"$work/d.json" 2>/dev/null && jq -e "$2" "$work/d.json" >/dev/null && return 0
    sleep 0.5
  done
  echo "demo: dispute $3 did not reach $2 in $1 s"; cat "$work/d.json" "$work/node.err" 2>/dev/null | tail -20; exit 1
}
# each transaction of the game: its events (a step opened with its trace index) and its gas
moves() {
  jq -r 'reduce .events[] as $e ([]; ($e.event + (if $e.event == "StepOpened" then "@\($e.index)" else "" end)) as $w |
    if length > 0 and .[-1].tx == $e.tx then .[-1].ev += [$w] else . + [{tx: $e.tx, gas: $e.gasUsed, ev: [$w]}] end) |
    to_entries[] | "    move \(.key + 1): gas \(.value.gas)  \(.value.ev | join(" "))"' "$work/d.json"
}
wait_for 120 '.id == 1' 1
grep '"action":"check"' "$work/node.err" | sed 's/^xtalproof node: dispute: /  /' | jq -r '"  reveal \(.reveal) of target \(.target): \(.verdict)\(if .differs != "" then " (\(.differs))" else "" end)"'
echo "  dispute 1: the node challenges account6's reveal, with a bond of $("$XP" round show "$RID" | jq -r .bond) wei"
"$XP" dispute respond 1 --structure "$T1" --keystore "$K/account6.json" "${A[@]}" >/dev/null 2>"$work/err6" && { echo "demo: the cheater answered"; exit 1; }
echo "  account6 cannot open any step: $(head -c 160 "$work/err6")"
"$XP" devnet warp 3601 >/dev/null
wait_for 60 '.outcome != "open"' 1
echo "  its move window passes; the node claims: dispute 1 $(jq -r '"\(.outcome) (\(.reason))"' "$work/d.json")"
moves

step "a false challenge: account7 challenges account1's honest Si prediction and plays it down to the bottom; the node's defender answers every move"
"$XP" challenge "$work/r1-0.json" --structure "$T1" --force --keystore "$K/account7.json" "${A[@]}" > "$work/c7.json"
D2=$(jq -r 'select(.action == "challenge") | .dispute' "$work/c7.json")
jq -r 'select(.action == "check") | "  account7 re-runs it: \(.verdict); challenges anyway (dispute '"$D2"')"' "$work/c7.json"
for _ in $(seq 1 40); do
  wait_for 60 '.outcome != "open" or .turn == "challenger"' "$D2"
  jq -e '.outcome != "open"' "$work/d.json" >/dev/null && break
  "$XP" dispute respond "$D2" --structure "$T1" --force-pick --keystore "$K/account7.json" "${A[@]}" >/dev/null 2>"$work/err7" || break
done
echo "  account7 has nothing left to pick: $(head -c 120 "$work/err7")"
"$XP" devnet warp 3601 >/dev/null
wait_for 60 '.outcome != "open"' "$D2"
echo "  its move window passes; the node claims: dispute $D2 $(jq -r '"\(.outcome) (\(.reason)), \(.moves | length) moves"' "$work/d.json")"
moves
curl -s "http://127.0.0.1:$(cat "$work/node.port")/metrics" | awk '$1 ~ /^xtalproof_dispute/ {printf "  %s %s\n", $1, $2}'
kill -TERM "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true; NODE_PID=

"$XP" devnet warp $((86401 + 3601)) >/dev/null
"$XP" round settle --round "$RID" "${OWNER[@]}" | jq -r '"  target \(.target): \(.status), \(.winners) winner\(if (.winners | tonumber) == 1 then "" else "s" end)"'

step "royalties: what the winners owe the model's training dataset, credited to its owner"
"$XP" round royalties --model-id "$MID" "${OWNER[@]}" | jq -r '"  model #\(.modelId): \(.distributed) wei to the owners of its training datasets"'

step "withdraw"
for who in 0 1 5 6 7; do
  "$XP" round withdraw --keystore "$K/account$who.json" "${A[@]}" > "$work/w$who.json"
  jq -r '"  account'$who' \(.account): \(.withdrawn) wei"' "$work/w$who.json"
done 2>/dev/null

step "verify one published prediction: offline checks, then against the chain (verify --rpc)"
ds=$(jq -r .id "$work/anchor.json")
"$XP" verify "$work/r1-0.json" --structure "$T1" --rpc "http://127.0.0.1:$port" --dataset-id "$ds" |
  tee "$work/verify.txt"

step "summary"
echo "  registered: dataset cod-sample, $(jq -r .size "$work/anchor.json") structures, anchored as dataset $(jq -r .id "$work/anchor.json") (root $(jq -r .root "$work/anchor.json" | cut -c1-18)…)"
echo "  models: formation-energy-per-atom #$(jq -r .modelId "$work/model-formation-energy-per-atom.json"), band-gap #$MID (training dataset cod-sample)"
names=$(for w in 0 1 5 6; do printf '%s account%s\n' "$(addr $w)" $w; done | jq -Rn '[inputs | split(" ") | {(.[0] | ascii_downcase): .[1]}] | add')
"$XP" round show "$RID" | jq -r --argjson n "$names" '.targets[] |
  "  target \(.index) \(.symhash[0:14])…: measured \(.result | tonumber * 1000 | round / 1000) eV; \(.commits) commitment\(if (.commits | tonumber) == 1 then "" else "s" end); revealed: \([.reveals[] | "\($n[.predictor | ascii_downcase]) \(if .lost then "lost its dispute" elif .winner then "won" else "missed" end)"] | join(", "))"'
"$XP" round show "$RID" | jq -r '([.targets[].commits | tonumber] | add) as $c | ([.targets[].winners | tonumber] | add) as $w |
  ([.targets[].lost | tonumber] | add) as $l |
  "  stakes: \($c) x \(.stake) wei; \($w) back with the winners, \($l) to the challenger that proved its prediction false, \($c - $w - $l) forfeited to the sponsor (missed or never revealed)"'
for w in 0 1 5 6 7; do echo "  account$w withdrew $(jq -r .withdrawn "$work/w$w.json") wei"; done
echo "  disputes: account6's made-up prediction lost its stake and its win to the node's watchtower; account7's false challenge lost its bond to account1"
echo "  verification of account1's Si prediction: $(grep -c '^PASS' "$work/verify.txt") PASS, $(grep -c '^FAIL' "$work/verify.txt") FAIL, $(grep -c '^SKIP' "$work/verify.txt") SKIP"
echo "  gas per anchored structure: $((gas_one / 10)) batched vs $((gas_many / 10)) one at a time"
echo "  wall time: $((SECONDS - start)) s"
echo
if [ "$KEEP" = 1 ]; then
  # the explorer: a node without a key (it sends nothing) on the demo's store and chain, showing
  # the sample structures in 3D
  printf '{"explorerStructures": "%s"}\n' "$(cd "$S" && pwd)" > "$work/explorer.json"
  "$XP" node --config "$work/explorer.json" --port "${EXPLORER_PORT:-0}" --port-file "$work/explorer.port" \
    >"$work/explorer.out" 2>"$work/explorer.err" &
  EXPLORER_PID=$!
  for _ in $(seq 100); do [ -s "$work/explorer.port" ] && break; sleep 0.1; done
  [ -s "$work/explorer.port" ] || { echo "demo: the explorer's node did not start"; cat "$work/explorer.err"; exit 1; }
  cat > "$work/stop.sh" <<STOP
#!/usr/bin/env bash
# stops what \`make demo KEEP=1\` left running: the explorer's node and the local chain
kill -TERM $EXPLORER_PID 2>/dev/null
XTALPROOF_HOME=$XTALPROOF_HOME XTALPROOF_TESTNET=$XTALPROOF_TESTNET "$XP" devnet down >/dev/null 2>&1
${DEMO_WORK:+: }rm -rf "$work"
STOP
  echo "http://127.0.0.1:$(cat "$work/explorer.port")/" > "$work/explorer.url"
  echo "explorer: $(cat "$work/explorer.url")  (the node of the demo's data, with anvil on 127.0.0.1:$port)"
  echo "  the demo's files: $work (the published prediction: $work/r1-0.json)"
  echo "  stop it all with: bash $work/stop.sh"
fi
echo "demo: done"
