#!/usr/bin/env bash
# The local chain scripts testnet/anvil-up, anvil-status, anvil-down, end to end, on a free port
# and in a temporary instance folder (testnet/run/ is left alone).
# usage: test_testnet.sh [TESTNET_DIR]   (default: the testnet/ of this checkout)
set -u
TN=${1:-$(cd "$(dirname "$0")/../../testnet" && pwd)}
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
rpc() { # rpc PORT METHOD: the raw JSON-RPC answer
  curl -s --max-time 5 -H 'Content-Type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":[]}" "http://127.0.0.1:$1"
}

if [ ! -x "$TN/node_modules/.bin/anvil" ]; then
  echo "no anvil in $TN/node_modules/.bin (run scripts/bootstrap.sh)"
  echo "0 passed, 1 failed"
  exit 1
fi

PORT=$(free_port) || { echo "no free port found"; echo "0 passed, 1 failed"; exit 1; }
CHAIN=4711
export ANVIL_DIR=$T/inst ANVIL_PORT=$PORT
trap '"$TN/anvil-down" >/dev/null 2>&1; rm -rf "$T"' EXIT
echo "# port $PORT, instance folder $ANVIL_DIR"

expect "status before start" 3 "$TN/anvil-status"
grep -q "^stopped port=$PORT" "$T/out" && ok "says stopped" || bad "status output: $(cat "$T/out")"
expect "down when not running" 0 "$TN/anvil-down"

expect "up" 0 "$TN/anvil-up" --chain-id "$CHAIN"
[ -s "$ANVIL_DIR/anvil.pid" ] && ok "pid file" || bad "no pid file"
[ -f "$ANVIL_DIR/anvil.log" ] && ok "log file" || bad "no log file"
pid=$(cat "$ANVIL_DIR/anvil.pid" 2>/dev/null)
tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--host 127.0.0.1" \
  && ok "anvil bound to 127.0.0.1" || bad "anvil command line: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"

expect "status while running" 0 "$TN/anvil-status"
grep -q "^running port=$PORT chain_id=$CHAIN block=0 pid=$pid" "$T/out" && ok "status line" \
  || bad "status output: $(cat "$T/out")"
want=$(printf '"result":"0x%x"' "$CHAIN")
rpc "$PORT" eth_chainId | grep -q "$want" && ok "eth_chainId is $CHAIN" || bad "eth_chainId: $(rpc "$PORT" eth_chainId)"

expect "up again, same chain id" 0 "$TN/anvil-up" --chain-id "$CHAIN"
grep -q 'already running' "$T/out" && ok "says already running" || bad "output: $(cat "$T/out")"
[ "$(cat "$ANVIL_DIR/anvil.pid")" = "$pid" ] && ok "same process" || bad "pid changed"
expect "up again, other chain id" 1 "$TN/anvil-up" --chain-id 1
expect "other instance on a taken port" 1 "$TN/anvil-up" --dir "$T/other" --chain-id "$CHAIN"
grep -q 'already in use' "$T/err" && ok "says the port is in use" || bad "message: $(cat "$T/err")"
[ ! -e "$T/other/anvil.pid" ] && ok "no pid file for the refused start" || bad "pid file left for the refused start"

# The state file keeps the chain across a restart.
rpc "$PORT" evm_mine >/dev/null
rpc "$PORT" eth_blockNumber | grep -q '"result":"0x1"' && ok "mined block 1" || bad "eth_blockNumber: $(rpc "$PORT" eth_blockNumber)"
expect "down" 0 "$TN/anvil-down"
kill -0 "$pid" 2>/dev/null && bad "process $pid still alive" || ok "process gone"
[ ! -e "$ANVIL_DIR/anvil.pid" ] && ok "pid file removed" || bad "pid file left"
listening "$PORT" && bad "port $PORT still open" || ok "port closed"
[ -s "$ANVIL_DIR/state.json" ] && ok "state written" || bad "no state file"
expect "status after down" 3 "$TN/anvil-status"
expect "down again" 0 "$TN/anvil-down"

expect "up on the saved state" 0 "$TN/anvil-up" --chain-id "$CHAIN"
"$TN/anvil-status" > "$T/out"
grep -q "block=1 " "$T/out" && ok "block 1 after restart" || bad "status after restart: $(cat "$T/out")"
expect "down after restart" 0 "$TN/anvil-down"

# A stale pid file (a process that is no anvil) is neither trusted nor killed.
sleep 300 & other=$!
echo "$other" > "$ANVIL_DIR/anvil.pid"
expect "status with a stale pid file" 3 "$TN/anvil-status"
expect "down with a stale pid file" 0 "$TN/anvil-down"
kill -0 "$other" 2>/dev/null && ok "foreign process untouched" || bad "anvil-down killed a foreign process"
kill "$other" 2>/dev/null; wait "$other" 2>/dev/null

# Usage errors.
expect "unknown option" 2 "$TN/anvil-up" --bogus
expect "bad port" 2 "$TN/anvil-status" --port 99999
expect "--help" 0 "$TN/anvil-up" --help

finish
