#!/usr/bin/env bash
# The eth commands: offline tools, then against a real chain (anvil on a free loopback port,
# started and stopped with the testnet scripts): send, balance, idempotency, logs, the crash
# test (killed after the journal write and after the broadcast), a fee bump, and the fault
# test (a proxy that drops, delays, cuts short and garbles answers).
# usage: test_eth.sh XTALPROOF TESTNET_DIR FAULT_PROXY
set -u
X=$1
TN=$2
PROXY=${3:-}
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"

# ---- offline -------------------------------------------------------------------------------
expect "keccak of text" 0 "$X" eth keccak --text ""
grep -q '^0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470$' "$T/out" \
  && ok "keccak('') value" || bad "keccak('') = $(cat "$T/out")"
expect "keccak of hex" 0 "$X" eth keccak 0x
expect "rlp-decode" 0 "$X" eth rlp-decode 0xc6827a77c10401
grep -q '\["0x7a77",\["0x04"\],"0x01"\]' "$T/out" && ok "rlp-decode JSON" || bad "rlp-decode: $(cat "$T/out")"
expect "rlp-decode refuses non-canonical" 1 "$X" eth rlp-decode 0x8100
# the EIP-155 example transaction
RAW=0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83
expect "tx-decode" 0 "$X" eth tx-decode --chain-id 1 "$RAW"
grep -q '"sender": "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"' "$T/out" && ok "tx-decode sender" || bad "sender: $(cat "$T/out")"
grep -q '"value": "1000000000000000000"' "$T/out" && ok "tx-decode value" || bad "value: $(cat "$T/out")"
expect "tx-decode wrong chain" 1 "$X" eth tx-decode --chain-id 5 "$RAW"
expect "tx-decode v=26" 1 "$X" eth tx-decode 0xf85f800182520894b94f5374fce5edbc8e2a8697c15331677e6ebf0b0a801aa098ff921201554726367d2be8c804a7ff89ccf285ebc57dff8ae4c44b9c19ac4aa01887321be575c8095f789dd4c743dfe42c1820f9231f98a962b210e3ac2452a3
grep -q 'v = 26' "$T/err" && ok "reason names v" || bad "reason: $(cat "$T/err")"
# gas limit 2^63 (ethereum/tests EIP155 VRule TransactionWithGasLimitOverflow2): valid in
# Cancun, above the 2^24 cap of Osaka (EIP-7825)
BIG=0xf865800188800000000000000094095e7baea6a6c7c4c2dfeb977efac326af552d870b8025a048b55bfa915ac795c431978d8a6a992b628d557da5ff759b307d495a36649353a01887321be575c8095f789dd4c743dfe42c1820f9231f98a962b210e3ac2452a3
expect "tx-decode by cancun rules" 0 "$X" eth tx-decode "$BIG"
expect "tx-decode by osaka rules" 1 "$X" eth tx-decode --fork osaka "$BIG"
grep -q 'EIP-7825' "$T/err" && ok "osaka names the gas cap" || bad "reason: $(cat "$T/err")"
expect "tx-decode bad fork" 2 "$X" eth tx-decode --fork frontier "$BIG"
expect "abi-encode" 0 "$X" eth abi-encode 'transfer(address,uint256)' 0x1111111111111111111111111111111111111111 1000
grep -q '^0xa9059cbb0000000000000000000000001111111111111111111111111111111111111111' "$T/out" \
  && ok "abi-encode selector and address" || bad "abi-encode: $(cat "$T/out")"
expect "abi-encode out of range" 1 "$X" eth abi-encode 'f(uint8)' 256
expect "eth usage" 2 "$X" eth frobnicate
expect "bench tx" 0 "$X" bench tx --count 200
grep -q '"tx_per_s":' "$T/out" && ok "bench tx JSON" || bad "bench tx: $(cat "$T/out")"

# ---- against anvil -----------------------------------------------------------------------------
if [ ! -x "$TN/node_modules/.bin/anvil" ]; then
  echo "# no anvil in $TN/node_modules/.bin (run scripts/bootstrap.sh): chain tests skipped"
  rm -rf "$T"
  finish
  exit
fi
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
rpc() { # rpc METHOD PARAMS: the result field
  curl -s --max-time 5 -H 'Content-Type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL" |
    sed -n 's/.*"result":"\{0,1\}\([^"]*\)"\{0,1\}}.*/\1/p'
}
export ANVIL_DIR=$T/anvil ANVIL_PORT=$PORT XTALPROOF_HOME=$T/home
PROXY_PID=
cleanup() {
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
  "$TN/anvil-down" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
expect "anvil up on port $PORT" 0 "$TN/anvil-up" --chain-id 31337
APID=$(cat "$ANVIL_DIR/anvil.pid" 2>/dev/null)

# anvil's first development account (its well-known key) in a keystore
key_import ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 "$T/ks.json"
FROM=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
B=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
SEND=("$X" eth send --keystore "$T/ks.json" --password-file "$T/pw")
nonce() { printf '%d' "$(rpc eth_getTransactionCount "[\"$FROM\",\"latest\"]")"; }

expect "send 1 ether" 0 "${SEND[@]}" --rpc "$URL" --to "$B" --value 1000000000000000000
grep -q '"status":1' "$T/out" && ok "receipt status 1" || bad "send: $(cat "$T/out")"
expect "balance" 0 "$X" eth balance --rpc "$URL" "$B"
[ "$(cat "$T/out")" = 10001000000000000000000 ] && ok "balance grew by 1 ether" || bad "balance $(cat "$T/out")"
expect "balance of a bad address" 1 "$X" eth balance --rpc "$URL" 0x1234

expect "too little gas is refused before sending" 1 "${SEND[@]}" --rpc "$URL" --to "$B" --gas 20000
grep -q 'intrinsic gas too low' "$T/err" && ok "reason: intrinsic gas" || bad "reason: $(cat "$T/err")"

# a transaction the node refuses (more value than the balance) fails and frees its nonce
before=$(nonce)
expect "refused by the node" 1 "${SEND[@]}" --rpc "$URL" --to "$B" --value 1000000000000000000000000000000
grep -q 'refused by the node, not sent' "$T/err" && ok "reason: refused, not sent" || bad "reason: $(cat "$T/err")"
expect "next send after a refusal" 0 "${SEND[@]}" --rpc "$URL" --to "$B" --value 1
[ "$(nonce)" = $((before + 1)) ] && ok "no nonce gap after a refusal" || bad "nonce $(nonce), expected $((before + 1))"

# idempotency: the same key sends once
expect "send with a key" 0 "${SEND[@]}" --rpc "$URL" --to "$B" --value 5 --idempotency-key once
H1=$(sed -n 's/.*"hash":"\([^"]*\)".*/\1/p' "$T/out")
expect "send the key again" 0 "${SEND[@]}" --rpc "$URL" --to "$B" --value 5 --idempotency-key once
grep -q '"reused":true' "$T/out" && grep -q "$H1" "$T/out" && ok "second send reused the first" \
  || bad "not reused: $(cat "$T/out")"
[ "$(nonce)" = 3 ] && ok "three transactions on chain" || bad "nonce $(nonce)"

# logs: a creation transaction whose init code emits Ping(uint256 value = 42)
TOPIC=$("$X" eth keccak --text 'Ping(uint256)')
INIT=0x602a6000527f${TOPIC#0x}60206000a100
expect "deploy a log emitter" 0 "${SEND[@]}" --rpc "$URL" --data "$INIT"
expect "read logs" 0 "$X" eth logs --rpc "$URL" --event 'Ping(uint256 value)' --from 0 --step 2
grep -q '"event":{"value":"42"}' "$T/out" && ok "log decoded" || bad "logs: $(cat "$T/out")"

# crash test: killed between journal write and broadcast, then after the broadcast
before=$(nonce)
XTALPROOF_ETH_CRASH=after-journal expect "crash after the journal write" 75 \
  "${SEND[@]}" --rpc "$URL" --to "$B" --value 7 --idempotency-key crash1
[ "$(nonce)" = "$before" ] && ok "nothing broadcast before the crash" || bad "nonce moved: $(nonce)"
expect "restart after crash 1" 0 "${SEND[@]}" --rpc "$URL" --to "$B" --value 7 --idempotency-key crash1
grep -q '"reused":true' "$T/out" && ok "restart finished the journalled one" || bad "restart: $(cat "$T/out")"
[ "$(nonce)" = $((before + 1)) ] && ok "sent exactly once" || bad "nonce $(nonce), expected $((before + 1))"
XTALPROOF_ETH_CRASH=after-broadcast expect "crash after the broadcast" 75 \
  "${SEND[@]}" --rpc "$URL" --to "$B" --value 9 --idempotency-key crash2
expect "restart after crash 2" 0 "${SEND[@]}" --rpc "$URL" --to "$B" --value 9 --idempotency-key crash2
[ "$(nonce)" = $((before + 2)) ] && ok "sent exactly once after a broadcast crash" || bad "nonce $(nonce)"
# a real kill -9 while the sender waits for confirmations that do not come
before=$(nonce)
"${SEND[@]}" --rpc "$URL" --to "$B" --value 17 --idempotency-key killed --confirmations 5 \
  >"$T/k9.out" 2>"$T/k9.err" &
KPID=$!
for _ in $(seq 1 300); do [ "$(nonce)" = $((before + 1)) ] && break; sleep 0.1; done
kill -9 "$KPID"; wait "$KPID" 2>/dev/null
expect "restart after kill -9" 0 "${SEND[@]}" --rpc "$URL" --to "$B" --value 17 --idempotency-key killed
grep -q '"reused":true' "$T/out" && ok "the killed send was finished, not repeated" || bad "restart: $(cat "$T/out")"
[ "$(nonce)" = $((before + 1)) ] && ok "sent exactly once after kill -9" || bad "nonce $(nonce)"
expect "resume finds nothing left" 0 "${SEND[@]}" --rpc "$URL" --resume-only
grep -q '"resumed":0' "$T/out" && ok "journal all confirmed" || bad "resume: $(cat "$T/out")"

# reorg: the block that mined the transaction is rolled back before it is 3 blocks deep; the
# sender notices the receipt is gone and sends it again
SNAP=$(rpc evm_snapshot '[]')
before=$(nonce)
"${SEND[@]}" --rpc "$URL" --to "$B" --value 13 --confirmations 3 >"$T/reorg.out" 2>"$T/reorg.err" &
SPID=$!
# the sender must have seen its receipt before the block goes (else there is no reorg to see)
for _ in $(seq 1 300); do grep -q 'mined in block' "$T/reorg.err" && break; sleep 0.1; done
rpc evm_revert "[\"$SNAP\"]" >/dev/null
# once the sender has seen the receipt go, blocks come while it waits (fixed pauses here let
# a slow sender miss the receipt, or resend after the last block and wait for none)
for _ in $(seq 1 300); do grep -q "receipt disappeared (reorg" "$T/reorg.err" && break; sleep 0.1; done
for _ in $(seq 1 200); do
  kill -0 "$SPID" 2>/dev/null || break
  rpc evm_mine '[]' >/dev/null; sleep 0.3
done
wait "$SPID" && ok "confirmed after the reorg" || bad "reorg: $(cat "$T/reorg.out" "$T/reorg.err")"
grep -q "receipt disappeared (reorg" "$T/reorg.err" && ok "reorg noticed" || bad "no reorg seen: $(cat "$T/reorg.err")"
[ "$(nonce)" = $((before + 1)) ] && ok "one transaction after the reorg" || bad "nonce $(nonce)"

# fee bump: with mining paused the transaction is stuck, so it is replaced under its nonce
rpc evm_setAutomine '[false]' >/dev/null
before=$(nonce)
"${SEND[@]}" --rpc "$URL" --to "$B" --value 11 --bump-after 1 >"$T/bump.out" 2>"$T/bump.err" &
SPID=$!
sleep 3.5
rpc evm_mine '[]' >/dev/null
wait "$SPID" && ok "stuck transaction confirmed" || bad "bump: $(cat "$T/bump.out" "$T/bump.err")"
grep -q '"replaced":[1-9]' "$T/bump.out" && ok "replaced with higher fees" || bad "not replaced: $(cat "$T/bump.out")"
rpc evm_setAutomine '[true]' >/dev/null
[ "$(nonce)" = $((before + 1)) ] && ok "one nonce used by the bump" || bad "nonce $(nonce)"

# fault test: every transaction confirmed exactly once, no nonce gap, through a bad network
if [ -n "$PROXY" ] && [ -x "$PROXY" ]; then
  "$PROXY" 0 "$PORT" 35 7 >"$T/proxy.out" 2>"$T/proxy.err" &
  PROXY_PID=$!
  for _ in $(seq 1 50); do grep -q ready "$T/proxy.out" 2>/dev/null && break; sleep 0.1; done
  PP=$(sed -n 's/^ready //p' "$T/proxy.out")
  [ -n "$PP" ] && ok "fault proxy listening on port $PP" || bad "fault proxy: $(cat "$T/proxy.err")"
  C=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
  cbefore=$(rpc eth_getBalance "[\"$C\",\"latest\"]")
  before=$(nonce)
  N=10 gave_up=0
  for i in $(seq 1 $N); do
    done_=0
    for _ in 1 2 3 4 5 6; do
      if "${SEND[@]}" --rpc "http://127.0.0.1:$PP" --to "$C" --value "$i" --idempotency-key "fault$i" \
        >>"$T/fault.out" 2>>"$T/fault.err"; then done_=1; break; fi
    done
    [ $done_ = 1 ] || gave_up=$((gave_up + 1))
  done
  kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=
  echo "# $(cat "$T/proxy.err")"
  [ $gave_up = 0 ] && ok "all $N sends finished through the faulty proxy" || bad "$gave_up sends gave up: $(tail -5 "$T/fault.err")"
  [ "$(nonce)" = $((before + N)) ] && ok "exactly $N nonces used, no gap" || bad "nonce $(nonce), expected $((before + N))"
  cafter=$(rpc eth_getBalance "[\"$C\",\"latest\"]")
  [ $((cafter - cbefore)) = 55 ] && ok "each transfer arrived once (55 wei)" || bad "balance moved by $((cafter - cbefore))"
  expect "journal consistent after faults" 0 "${SEND[@]}" --rpc "$URL" --resume-only
  grep -q '"resumed":0' "$T/out" && ok "nothing left to resume" || bad "resume: $(cat "$T/out")"
fi

# every transaction is broadcast once while it waits to be mined: a block every 2 s (below the
# 3 s between rebroadcasts), so the send and the wait's first pass must not both send it
rpc evm_setAutomine '[false]' >/dev/null
rpc evm_setIntervalMining '[2]' >/dev/null
for v in 1 2 3; do
  expect "send with a block every 2 s ($v)" 0 "${SEND[@]}" --rpc "$URL" --to "$B" --value $v
  grep -q '"broadcasts":1}' "$T/out" && ok "  broadcast once" || bad "  broadcasts: $(cat "$T/out")"
done
rpc evm_setIntervalMining '[0]' >/dev/null
rpc evm_setAutomine '[true]' >/dev/null

expect "bench chain" 0 "$X" bench chain --rpc "$URL" --count 20 --journalled 5
grep -q '"client_confirmed_per_s":' "$T/out" && ok "bench chain JSON" || bad "bench chain: $(cat "$T/out")"

expect "anvil down" 0 "$TN/anvil-down"
kill -0 "$APID" 2>/dev/null && bad "anvil pid $APID still alive" || ok "anvil pid $APID stopped"
finish
