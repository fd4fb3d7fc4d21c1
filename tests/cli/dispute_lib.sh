# Shared by the dispute tests (test_dispute.sh, test_dispute_node.sh), sourced after lib.sh with
# XP, S (the sample CIFs), SRC and T set: the chain helpers, and a round over Si with an honest
# predictor (account1) and a liar (account5: a valueQ one eV above the model's, a made-up
# traceRoot, committed and revealed with raw transactions).
PORT=$(free_port) || { echo "no free port found"; echo "0 passed, 1 failed"; exit 1; }
export XTALPROOF_HOME=$T/home XTALPROOF_TESTNET=$SRC/testnet XTALPROOF_CONTRACTS=$SRC/contracts
URL=http://127.0.0.1:$PORT
K=$XTALPROOF_HOME/devnet/keys PW=$XTALPROOF_HOME/devnet/password
A=(--password-file "$PW")
rpc() { curl -s -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL" | jq -r .result; }
call() { "$XP" eth abi-encode "$2" "${@:3}" > "$T/cd" && rpc eth_call "[{\"to\":\"$1\",\"data\":\"$(cat "$T/cd")\"},\"latest\"]"; }
key() { echo --keystore "$K/account$1.json" --password-file "$PW"; }
addr() { "$XP" key address --keystore "$K/account$1.json" "${A[@]}"; }

devnet_up() {
  for try in 1 2 3; do
    "$XP" devnet up --port "$PORT" >"$T/out" 2>"$T/err" && break
    PORT=$(free_port); URL=http://127.0.0.1:$PORT
  done
  "$XP" devnet status >/dev/null && ok "devnet up" || bad "devnet up: $(cat "$T/err")"
  DEP=$XTALPROOF_HOME/deployment-31337.json
  ROUNDS=$(jq -r .contracts.Rounds.address "$DEP")
  O=($(key 0))
}

# round_with_liar: the round (reveal, challenge and move windows of 1 h; bond = stake), both
# predictions committed, the result posted and both revealed. Sets MID, RID, SI, R, ST, VQ, LIE,
# SALT, FAKE; the honest records are $T/c1.json and $T/r1.json.
round_with_liar() {
  expect "model register" 0 "$XP" model register band-gap "${O[@]}"
  MID=$(jq -r .modelId "$T/out")
  R=1000000000000000000 ST=20000000000000000
  SI=$S/9011998.cif
  expect "round open (challenge and move windows of 1 h, bond = stake)" 0 "$XP" round open --property "band gap" --reward $R --stake $ST --tolerance 0.5 --commit-window 600 --reveal-window 3600 --challenge-window 3600 --move-window 3600 "${O[@]}" "$SI"
  RID=$(jq -r .round "$T/out")
  local P=(prove --model band-gap $(key 1) --round "$RID" --target 0 --chain-id 31337 --rounds-contract "$ROUNDS" --model-id "$MID")
  "$XP" "${P[@]}" --out "$T/c1.json" "$SI" 2>"$T/err" || bad "prove: $(cat "$T/err")"
  expect "commit (honest)" 0 "$XP" round commit --round "$RID" --record "$T/c1.json" $(key 1)
  "$XP" "${P[@]}" --reveal --out "$T/r1.json" "$SI" 2>"$T/err" || bad "prove --reveal: $(cat "$T/err")"
  VQ=$(jq -r .valueQ "$T/r1.json")
  LIE=$((VQ + 65536)) SALT=0x$(printf '5a%.0s' $(seq 1 32)) FAKE=0x$(printf 'fe%.0s' $(seq 1 32))
  local SYM MH C5
  SYM=$(jq -r .symhash "$T/r1.json") MH=$(jq -r .modelHash "$T/r1.json")
  C5=$(call "$ROUNDS" 'commitmentHash(uint256,bytes32,bytes32,int256,bytes32,address)' "$RID" "$SYM" "$MH" "$LIE" "$SALT" "$(addr 5)")
  SEND5=("$XP" eth send --rpc "$URL" $(key 5) --journal "$T/j5.mdb" --to "$ROUNDS")
  expect "commit (liar, raw)" 0 "${SEND5[@]}" --value $ST --data "$("$XP" eth abi-encode 'commit(uint256,uint256,bytes32)' "$RID" 0 "$C5")"
  mkdir -p "$T/bt"; cp "$SI" "$T/bt/si.cif"
  printf 'target,symhash,property,value,uncertainty,unit,facility,beamline,proposal_id,measured_at,raw_data\nsi.cif,,band gap,1.12,0.02,eV,TESTLS,BL1,P-1,2026-11-20T09:30:00Z,\n' > "$T/bt/r.csv"
  for m in 2 3; do "$XP" oracle sign --report "$T/bt/r.csv" --round "$RID" $(key $m) --out "$T/sig$m.json" >/dev/null 2>"$T/err" || bad "oracle sign: $(cat "$T/err")"; done
  "$XP" devnet warp 601 >/dev/null
  expect "oracle submit" 0 "$XP" oracle submit --report "$T/bt/r.csv" --round "$RID" "${O[@]}" "$T/sig2.json" "$T/sig3.json"
  expect "reveal (honest)" 0 "$XP" round reveal --round "$RID" --record "$T/r1.json" $(key 1)
  expect "reveal (liar, raw)" 0 "${SEND5[@]}" --data "$("$XP" eth abi-encode 'reveal(uint256,uint256,uint256,int256,bytes32,bytes32)' "$RID" 0 "$MID" "$LIE" "$SALT" "$FAKE")"
}
