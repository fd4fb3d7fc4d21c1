#!/usr/bin/env bash
# The JSON-RPC client against the limits of public providers, through the fault proxy's modes
# (tests/cli/eth_fault_modes.c) in front of anvil: sends per transaction (one without faults;
# a rebroadcast of the same bytes answered "underpriced" is no reason to raise the fee),
# eth_getLogs refused for its block range or its count of results (paged and halved), HTTP 429
# with Retry-After (seconds and HTTP date) and the bound on waiting, 5xx bursts, receipts that
# flicker and block numbers that lag, and the L1 data fee of an OP-stack chain in the balance
# check (a GasPriceOracle put at its predeploy address with anvil_setCode).
# usage: test_eth_provider.sh XTALPROOF SOURCE_DIR FAULT_PROXY
set -u
X=$1
SRC=$2
PROXY=$3
TN=$SRC/testnet
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
need_anvil "$SRC"
need_port
URL=http://127.0.0.1:$PORT
export ANVIL_DIR=$T/anvil ANVIL_PORT=$PORT XTALPROOF_HOME=$T/home
PROXY_PID=
trap '[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null; "$TN/anvil-down" >/dev/null 2>&1; rm -rf "$T"' EXIT
rpc() { curl -s --max-time 5 -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL" | jq -r .result; }
# proxy_up MODES: a proxy without random faults, its URL in PURL
proxy_up() {
  "$PROXY" 0 "$PORT" 0 1 "$1" >"$T/proxy.out" 2>"$T/proxy.err" &
  PROXY_PID=$!
  for _ in $(seq 1 50); do grep -q ready "$T/proxy.out" 2>/dev/null && break; sleep 0.1; done
  PURL=http://127.0.0.1:$(sed -n 's/^ready //p' "$T/proxy.out")
}
# proxy_down: stops it; its report in $T/report
proxy_down() {
  kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=
  grep 'modes:' "$T/proxy.err" >"$T/report"
  echo "# $(cat "$T/report")"
}
# field NAME: a number of the proxy's report ("429", "underpriced" ...); sends: all sends
field() { sed -n "s/.*[ ,]$1 \([0-9]*\).*/\1/p" "$T/report"; }
sends() { sed -n 's/.* \([0-9]*\) sends.*/\1/p' "$T/report"; }

expect "anvil up on port $PORT" 0 "$TN/anvil-up" --chain-id 31337
key_import ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 "$T/ks.json"
FROM=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
B=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
SEND=("$X" eth send --keystore "$T/ks.json" --password-file "$T/pw")
nonce() { printf '%d' "$(rpc eth_getTransactionCount "[\"$FROM\",\"latest\"]")"; }

# ---- one send per transaction without faults --------------------------------------------------
proxy_up none
for v in 1 2 3; do expect "send $v through the proxy" 0 "${SEND[@]}" --rpc "$PURL" --to "$B" --value $v; done
proxy_down
[ "$(sends)" = 3 ] && [ "$(sed -n 's/.*sendRaw: \([0-9]*\) transactions.*/\1/p' "$T/report")" = 3 ] \
  && ok "3 transactions, 3 sends" || bad "sends: $(cat "$T/report")"

# ---- a rebroadcast answered "underpriced" (ganache's answer to bytes it holds) ------------------
# mining paused for 7 s: the transaction is broadcast again every 3 s, the same bytes; the
# answers "transaction underpriced" raise no fee (the bump comes only after --bump-after)
rpc evm_setAutomine '[false]' >/dev/null
proxy_up underpriced-repeat
before=$(nonce)
start=$SECONDS
"${SEND[@]}" --rpc "$PURL" --to "$B" --value 4 >"$T/up.out" 2>"$T/up.err" &
SPID=$!
sleep 7
rpc evm_mine '[]' >/dev/null
wait "$SPID" && ok "mined after the underpriced answers" || bad "underpriced: $(cat "$T/up.out" "$T/up.err")"
proxy_down
rpc evm_setAutomine '[true]' >/dev/null
grep -q '"replaced":0' "$T/up.out" && ok "no fee bump after underpriced answers" || bad "replaced: $(cat "$T/up.out")"
[ "$(sed -n 's/.*sendRaw: \([0-9]*\) transactions.*/\1/p' "$T/report")" = 1 ] \
  && ok "one signed version only" || bad "versions: $(cat "$T/report")"
n=$(sends); el=$((SECONDS - start))
[ "$n" -ge 2 ] && [ "$n" -le $((1 + el / 3)) ] && ok "$n sends in $el s: one per 3 s at most" \
  || bad "$n sends in $el s"
[ "$(field underpriced)" -ge 1 ] && ok "the proxy answered underpriced" || bad "report: $(cat "$T/report")"
[ "$(nonce)" = $((before + 1)) ] && ok "one nonce used" || bad "nonce $(nonce)"

# ---- eth_getLogs refused for its range, then for its count of results ---------------------------
TOPIC=$("$X" eth keccak --text 'Ping(uint256)')
INIT=0x602a6000527f${TOPIC#0x}60206000a100
for i in 1 2 3 4 5; do "${SEND[@]}" --rpc "$URL" --data "$INIT" >/dev/null 2>"$T/err" || bad "emitter $i: $(cat "$T/err")"; done
expect "logs straight from the node" 0 "$X" eth logs --rpc "$URL" --event 'Ping(uint256 value)'
want=$(grep -c '"value":"42"' "$T/out")
[ "$want" = 5 ] && ok "5 logs on the chain" || bad "logs: $(cat "$T/out")"
proxy_up logs-range=3
expect "logs with a 3-block range cap" 0 "$X" eth logs --rpc "$PURL" --event 'Ping(uint256 value)'
[ "$(grep -c '"value":"42"' "$T/out")" = 5 ] && ok "all 5 found in pages" || bad "logs: $(cat "$T/out" "$T/err")"
proxy_down
[ "$(field range-refused)" -ge 1 ] && ok "the range was refused $(field range-refused) times" || bad "$(cat "$T/report")"
proxy_up logs-count=2
expect "logs with a 2-result cap" 0 "$X" eth logs --rpc "$PURL" --event 'Ping(uint256 value)'
[ "$(grep -c '"value":"42"' "$T/out")" = 5 ] && ok "all 5 found in smaller pages" || bad "logs: $(cat "$T/out" "$T/err")"
proxy_down
[ "$(field count-refused)" -ge 1 ] && ok "the count was refused $(field count-refused) times" || bad "$(cat "$T/report")"

# ---- HTTP 429 with Retry-After, and 5xx bursts ------------------------------------------------
proxy_up 429=6:1
start=$SECONDS
for v in 5 6; do expect "send $v while rate limited" 0 "${SEND[@]}" --rpc "$PURL" --to "$B" --value $v; done
expect "logs while rate limited" 0 "$X" eth logs --rpc "$PURL" --event 'Ping(uint256 value)' --step 2
proxy_down
n=$(field 429); el=$((SECONDS - start))
[ "$n" -ge 2 ] && [ "$el" -ge "$n" ] && ok "$n answers 429 honoured ($el s, Retry-After 1 s, seconds and date)" \
  || bad "429: $n in $el s"
proxy_up 429=1:100
expect "a Retry-After beyond the limit" 1 "$X" eth balance --rpc "$PURL" "$B"
proxy_down
grep -q "HTTP 429" "$T/err" && grep -q "$PURL" "$T/err" && grep -q 'would pass the limit' "$T/err" \
  && ok "refused at once, naming the endpoint" || bad "error: $(cat "$T/err")"
proxy_up 5xx=4:3
before=$(nonce)
for v in 7 8 9; do expect "send $v through 5xx bursts" 0 "${SEND[@]}" --rpc "$PURL" --to "$B" --value $v; done
proxy_down
[ "$(field 5xx)" -ge 3 ] && ok "$(field 5xx) answers 5xx" || bad "$(cat "$T/report")"
[ "$(nonce)" = $((before + 3)) ] && ok "3 nonces, no gap, none twice" || bad "nonce $(nonce)"

# ---- receipts that flicker and block numbers a block or two behind ----------------------------
rpc evm_setAutomine '[false]' >/dev/null
rpc evm_setIntervalMining '[1]' >/dev/null
proxy_up flicker=3,lag=2
before=$(nonce)
expect "send with a flickering receipt" 0 "${SEND[@]}" --rpc "$PURL" --to "$B" --value 10 --confirmations 2
proxy_down
rpc evm_setIntervalMining '[0]' >/dev/null
rpc evm_setAutomine '[true]' >/dev/null
grep -q '"status":1' "$T/out" && ok "confirmed, status 1" || bad "out: $(cat "$T/out")"
[ "$(field flickered)" -ge 1 ] && [ "$(field lagged)" -ge 1 ] && ok "flickered $(field flickered), lagged $(field lagged)" \
  || bad "$(cat "$T/report")"
grep -q 'receipt disappeared' "$T/err" && ok "the vanished receipt was waited for" || bad "err: $(cat "$T/err")"
[ "$(nonce)" = $((before + 1)) ] && ok "one transaction" || bad "nonce $(nonce)"

# ---- the L1 data fee of an OP-stack chain -----------------------------------------------------
# At the GasPriceOracle's address a contract that answers every call (getL1Fee(bytes) among
# them) with one word, 1 ether (10^18 wei, large beside the gas of a transfer on anvil, about
# 21000 × 2 gwei):  PUSH8 0x0de0b6b3a7640000, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN
ORACLE=0x420000000000000000000000000000000000000F
rpc anvil_setCode "[\"$ORACLE\",\"0x670de0b6b3a764000060005260206000f3\"]" >/dev/null
D=0x90F79bf6EB2c4f870365E785982E1f101E93b906 # anvil's fourth account
key_import 7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6 "$T/ks4.json"
SEND4=("$X" eth send --keystore "$T/ks4.json" --password-file "$T/pw" --rpc "$URL" --to "$B" --gas 21000)
# 0.1 ether: enough for the gas, not for the gas and the L1 fee
rpc anvil_setBalance "[\"$D\",\"0x16345785d8a0000\"]" >/dev/null
expect "without --l2 the gas alone fits" 0 "${SEND4[@]}"
expect "with --l2 op-stack it does not" 1 "${SEND4[@]}" --l2 op-stack
grep -q 'insufficient funds' "$T/err" && grep -q 'L1 data fee 1000000000000000000' "$T/err" && grep -q 'short by 9' "$T/err" \
  && ok "refused, naming the L1 fee and the shortfall" || bad "err: $(cat "$T/err")"
echo "# $(cat "$T/err")"
# 2 ether: enough for both
rpc anvil_setBalance "[\"$D\",\"0x1bc16d674ec80000\"]" >/dev/null
expect "funded for gas and L1 fee" 0 "${SEND4[@]}" --l2 op-stack

expect "anvil down" 0 "$TN/anvil-down"
finish
