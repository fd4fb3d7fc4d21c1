#!/usr/bin/env bash
# The main job on a chosen local chain (anvil, Hardhat's node or ganache; a block per
# transaction or every BLOCK_TIME seconds): deploy, anchor a dataset, register a model, open a
# round, two predictors commit, the 2-of-3 oracle signs and posts the results, reveal, settle,
# royalties, withdraw. All of it through the fault proxy with no faults, which logs every
# JSON-RPC request: every transaction is broadcast once. Each eth_sendRawTransaction must carry
# other bytes than every other one, and their number must be the number of transactions the
# chain holds from the proxy's start on, and the number counted by hand.
# usage: test_main_job.sh PATH/TO/xtalproof SHARED_DIR SOURCE_DIR PATH/TO/eth_fault_proxy
#        [BLOCK_TIME [IMPL]]   (default 0: a block per transaction; anvil)
set -u
XP=$1
S=$2/data/cgcnn/sample-cifs
SRC=$3
PROXY=$4
BT=${5:-0}
IMPL=${6:-anvil}
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
need_anvil "$SRC"
need_port
export XTALPROOF_HOME=$T/home XTALPROOF_TESTNET=$SRC/testnet XTALPROOF_CONTRACTS=$SRC/contracts
PPID_=
trap '[ -n "$PPID_" ] && kill "$PPID_" 2>/dev/null; "$XP" devnet down >/dev/null 2>&1; rm -rf "$T"' EXIT
start=$SECONDS
for try in 1 2 3; do
  "$XP" devnet up --port "$PORT" --impl "$IMPL" --block-time "$BT" >"$T/out" 2>"$T/err" && break
  PORT=$(free_port)
done
[ -s "$XTALPROOF_HOME/deployment-31337.json" ] && ok "devnet up ($IMPL, block time $BT s)" ||
  { bad "devnet up: $(cat "$T/err") $(tail -5 "$XTALPROOF_HOME/devnet/anvil/anvil.log" 2>/dev/null)"; finish; exit; }
URL=http://127.0.0.1:$PORT
# deploy probes the chain's EVM: ganache runs Shanghai's rules, so the contracts of bin/shanghai
BIN=$SRC/contracts/bin; [ "$IMPL" = ganache ] && BIN=$SRC/contracts/bin/shanghai
[ "$(jq -r .contracts.Rounds.artifactKeccak "$XTALPROOF_HOME/deployment-31337.json")" = "$("$XP" keccak "$BIN/Rounds.bin" | cut -d' ' -f1)" ] &&
  ok "Rounds deployed from ${BIN#"$SRC"/}" || bad "Rounds is not the artifact of $BIN"
rpc() { curl -s -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL" | jq -r .result; }
# the proxy in front of the chain; the deployment file points at it from here on
ETH_FAULT_PROXY_LOG=$T/requests.log "$PROXY" 0 "$PORT" 0 1 >"$T/proxy.out" 2>"$T/proxy.err" &
PPID_=$!
for _ in $(seq 50); do grep -q ready "$T/proxy.out" && break; sleep 0.1; done
PURL=http://127.0.0.1:$(awk '/ready/ {print $2}' "$T/proxy.out")
B0=$(($(rpc eth_blockNumber '[]')))
DEP=$XTALPROOF_HOME/deployment-31337.json
jq --arg u "$PURL" '.rpc = $u' "$DEP" > "$T/dep" && cp "$T/dep" "$DEP"
K=$XTALPROOF_HOME/devnet/keys
A=(--password-file "$XTALPROOF_HOME/devnet/password")
O=(--keystore "$K/account0.json" "${A[@]}")

# a second deployment, by account7, through the proxy
expect "deploy through the proxy" 0 "$XP" deploy --rpc "$PURL" --keystore "$K/account7.json" "${A[@]}" --out "$T/dep7.json"
expect "dataset create" 0 "$XP" dataset create ds --license CC0-1.0 "${O[@]}"
expect "register" 0 "$XP" register --dataset ds "$S/9011998.cif" "$S/9011050.cif" "$S/1000041.cif"
expect "anchor" 0 "$XP" anchor --dataset ds "${O[@]}"
expect "model register" 0 "$XP" model register band-gap --training-dataset ds "${O[@]}"
expect "round open" 0 "$XP" round open --property "band gap" --reward 1000000000000000000 --tolerance 0.5 --royalty-bps 1000 --commit-window 600 "${O[@]}" "$S/9011998.cif" "$S/9011050.cif"
RID=$(jq -r .round "$T/out")
# each VERB (commit, reveal) by accounts 1 and 5 on both targets, Si and Ge
predictions() {
  local who t f
  for who in 1 5; do
    for t in 0 1; do
      f=$S/9011998.cif; [ $t = 1 ] && f=$S/9011050.cif
      expect "$1 account$who target $t" 0 "$XP" round "$1" --round "$RID" --target $t --model band-gap --keystore "$K/account$who.json" "${A[@]}" "$f"
    done
  done
}
predictions commit
expect "warp past the commit window" 0 "$XP" devnet warp 601
cp "$S/9011998.cif" "$S/9011050.cif" "$T/"; echo "scan" > "$T/a.xy"
cat > "$T/r.csv" <<EOF
target,symhash,property,value,uncertainty,unit,facility,beamline,proposal_id,measured_at,raw_data
9011998.cif,,band gap,1.12,0.02,eV,TESTLS,BL1,P-1,2026-11-20T09:30:00Z,a.xy
9011050.cif,,band gap,0.66,0.02,eV,TESTLS,BL1,P-1,2026-11-20T09:30:00Z,a.xy
EOF
for m in 2 3; do
  expect "oracle sign by account$m" 0 "$XP" oracle sign --report "$T/r.csv" --round "$RID" --keystore "$K/account$m.json" "${A[@]}" --out "$T/sig$m.json"
done
expect "oracle submit" 0 "$XP" oracle submit --report "$T/r.csv" --round "$RID" "${O[@]}" "$T/sig2.json" "$T/sig3.json"
predictions reveal
expect "warp past the reveal and challenge windows" 0 "$XP" devnet warp $((2 * 86401))
expect "settle" 0 "$XP" round settle --round "$RID" "${O[@]}"
expect "royalties" 0 "$XP" round royalties --model-id "$(jq -r '.state.models["band-gap"]' <("$XP" deploy show))" "${O[@]}"
for who in 0 1 5; do
  expect "withdraw account$who" 0 "$XP" round withdraw --keystore "$K/account$who.json" "${A[@]}"
done

# the count: sends in the proxy's log against the transactions in the chain's blocks
kill "$PPID_"; wait "$PPID_" 2>/dev/null; PPID_=
jq -r 'select(.method == "eth_sendRawTransaction") | .params[0]' "$T/requests.log" > "$T/raws"
SENDS=$(wc -l < "$T/raws"); DISTINCT=$(sort -u "$T/raws" | wc -l)
B1=$(($(rpc eth_blockNumber '[]'))) TXS=0
for b in $(seq $((B0 + 1)) "$B1"); do
  TXS=$((TXS + $(rpc eth_getBlockTransactionCountByNumber "[\"$(printf '0x%x' "$b")\"]")))
done
echo "sends $SENDS, distinct raw transactions $DISTINCT, transactions on chain $TXS, wall time $((SECONDS - start)) s"
# by hand: 5 contracts deployed (Disputes is created by Rounds), 1 anchor, 1 model, 1 round, 2 x 2
# commits, 2 results (one per target), 2 x 2 reveals, 2 settlements (one per target), 1 royalty
# distribution, 3 withdrawals
WANT=$((5 + 1 + 1 + 1 + 4 + 2 + 4 + 2 + 1 + 3))
[ "$SENDS" = "$WANT" ] && ok "$WANT eth_sendRawTransaction calls seen by the proxy" || bad "$SENDS sends in the log, wanted $WANT"
[ "$SENDS" = "$DISTINCT" ] && ok "each raw transaction sent once" || bad "$SENDS sends of $DISTINCT distinct transactions"
[ "$SENDS" = "$TXS" ] && ok "one send per transaction on chain ($TXS)" || bad "$SENDS sends for $TXS transactions on chain"
finish
