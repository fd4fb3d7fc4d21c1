#!/usr/bin/env bash
# The main job: the whole story on a local anvil. A dataset of real structures (the CGCNN
# sample CIFs, COD entries) registered and anchored, two models registered, a round with an
# ETH reward over three targets, two predictors committing, a 2-of-3 oracle committee posting
# the bundled beamtime results (examples/beamtime), reveal, settle, withdraw, and the
# verification of one published prediction, offline and against the chain. The chain is
# stopped at the end, whatever happens.
# usage: demo.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}; case $B in /*) ;; *) B=$PWD/$B ;; esac
XP=$B/bin/xtalproof
SHARED=${XTALPROOF_SHARED:-../shared}
S=$SHARED/data/cgcnn/sample-cifs
work=$(mktemp -d)
export XTALPROOF_HOME=$work/home XTALPROOF_TESTNET=$PWD/testnet XTALPROOF_CONTRACTS=$PWD/contracts
trap '"$XP" devnet down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
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
T1=$S/9011998.cif T2=$S/9011050.cif T3=$S/1101051.cif
"$XP" round open --property "band gap" --reward 1000000000000000000 --stake 20000000000000000 --tolerance 0.5 --royalty-bps 1000 --commit-window 600 --idempotency-key demo-round "${OWNER[@]}" "$T1" "$T2" "$T3" |
  tee "$work/round.json" | jq -c '{round, escrowed, stake, committee}'
RID=$(jq -r .round "$work/round.json")
"$XP" round show "$RID" | jq -r '"  every parameter on chain: stake \(.stake) wei, tolerance \(.tolerance) eV, royalty \(.royaltyBps) bps, result window \(.resultWindow) s, reveal window \(.revealWindow) s",
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
"$XP" devnet warp 86401 >/dev/null
"$XP" round settle --round "$RID" "${OWNER[@]}" | jq -r '"  target \(.target): \(.status), \(.winners) winner(s)"'

step "royalties: what the winners owe the model's training dataset, credited to its owner"
"$XP" round royalties --model-id "$MID" "${OWNER[@]}" | jq -r '"  model #\(.modelId): \(.distributed) wei to the owners of its training datasets"'

step "withdraw"
for who in 0 1 5; do
  "$XP" round withdraw --keystore "$K/account$who.json" "${A[@]}" > "$work/w$who.json"
  jq -r '"  account'$who' \(.account): \(.withdrawn) wei"' "$work/w$who.json"
done

step "verify one published prediction: offline checks, then against the chain (verify --rpc)"
ds=$(jq -r .id "$work/anchor.json")
"$XP" verify "$work/r1-0.json" --structure "$T1" --rpc "http://127.0.0.1:$port" --dataset-id "$ds" |
  tee "$work/verify.txt"

step "summary"
echo "  registered: dataset cod-sample, $(jq -r .size "$work/anchor.json") structures, anchored as dataset $(jq -r .id "$work/anchor.json") (root $(jq -r .root "$work/anchor.json" | cut -c1-18)…)"
echo "  models: formation-energy-per-atom #$(jq -r .modelId "$work/model-formation-energy-per-atom.json"), band-gap #$MID (training dataset cod-sample)"
names=$(for w in 0 1 5; do printf '%s account%s\n' "$(addr $w)" $w; done | jq -Rn '[inputs | split(" ") | {(.[0] | ascii_downcase): .[1]}] | add')
"$XP" round show "$RID" | jq -r --argjson n "$names" '.targets[] |
  "  target \(.index) \(.symhash[0:14])…: measured \(.result | tonumber * 1000 | round / 1000) eV; \(.commits) commitment(s); revealed: \([.reveals[] | "\($n[.predictor | ascii_downcase]) \(if .winner then "won" else "missed" end)"] | join(", "))"'
"$XP" round show "$RID" | jq -r '([.targets[].commits | tonumber] | add) as $c | ([.targets[].winners | tonumber] | add) as $w |
  "  stakes: \($c) x \(.stake) wei; \($w) back with the winners, \($c - $w) forfeited to the sponsor (missed or never revealed)"'
for w in 0 1 5; do echo "  account$w withdrew $(jq -r .withdrawn "$work/w$w.json") wei"; done
echo "  verification of account1's Si prediction: $(grep -c '^PASS' "$work/verify.txt") PASS, $(grep -c '^FAIL' "$work/verify.txt") FAIL, $(grep -c '^SKIP' "$work/verify.txt") SKIP"
echo "  gas per anchored structure: $((gas_one / 10)) batched vs $((gas_many / 10)) one at a time"
echo "  wall time: $((SECONDS - start)) s"
echo
echo "demo: done"
