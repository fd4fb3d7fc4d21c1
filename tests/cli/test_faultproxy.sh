#!/usr/bin/env bash
# tests/tools/faultproxy.js between curl and a real anvil: with no fault every answer is anvil's;
# each fault kind, alone at probability 1, does what it says; a seed repeats the same draws.
# usage: test_faultproxy.sh [TESTNET_DIR]
set -u
TN=${1:-$(cd "$(dirname "$0")/../../testnet" && pwd)}
FP=$(cd "$(dirname "$0")/../tools" && pwd)/faultproxy.js
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
[ -x "$TN/node_modules/.bin/anvil" ] || { echo "no anvil (run scripts/bootstrap.sh)"; echo "0 passed, 1 failed"; exit 1; }
PORT=
for _ in $(seq 1 50); do p=$((20000 + RANDOM % 40000)); listening "$p" || { PORT=$p; break; }; done
export ANVIL_DIR=$T/inst ANVIL_PORT=$PORT ANVIL_STATE=none
PROXY_PID=
stop_proxy() { [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null; PROXY_PID=; }
trap 'stop_proxy; "$TN/anvil-down" >/dev/null 2>&1; rm -rf "$T"' EXIT
"$TN/anvil-up" >/dev/null || { echo "anvil-up failed"; echo "0 passed, 1 failed"; exit 1; }

start_proxy() { # start_proxy ARGS...: a proxy in front of anvil; its port in $PP
  rm -f "$T/port" "$T/stats.json"
  node "$FP" --upstream "http://127.0.0.1:$PORT" --port-file "$T/port" --stats-file "$T/stats.json" "$@" >/dev/null 2>&1 &
  PROXY_PID=$!
  for _ in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
  PP=$(cat "$T/port")
}
call() { # one eth_chainId through the proxy: prints "<curl exit> <http code> <body>"
  local body code rc
  body=$(curl -s --max-time 2 -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$PP")
  rc=$?
  echo "$rc $body $(cat "$T/body" 2>/dev/null)"; rm -f "$T/body"
}
want='{"jsonrpc":"2.0","id":1,"result":"0x7a69"}'

start_proxy
r=$(call); [ "$r" = "0 200 $want" ] && ok "no fault: anvil's answer" || bad "no fault: $r"
stop_proxy
n=$(jq .requests "$T/stats.json"); [ "$n" = 1 ] && ok "stats counted 1 request" || bad "stats: $(cat "$T/stats.json")"

for kind in drop drop-after error cut garble delay; do
  start_proxy --$kind 1 --delay-ms 3000
  r=$(call)
  case $kind in
    drop|drop-after) [ "${r%% *}" = 52 ] && ok "$kind: empty reply" || bad "$kind: $r" ;;
    error) case $r in "0 429 "*|"0 503 "*) ok "error: HTTP ${r:2:3}" ;; *) bad "error: $r" ;; esac ;;
    cut) [ "${r%% *}" = 18 ] && ok "cut: partial body" || bad "cut: $r" ;;
    garble) case $r in "0 200 $want") bad "garble: body unchanged" ;; "0 200 "*) ok "garble: body changed" ;; *) bad "garble: $r" ;; esac ;;
    delay) [ "${r%% *}" = 28 ] && ok "delay 3 s > curl's 2 s: timeout" || bad "delay: $r" ;;
  esac
  stop_proxy
  [ "$(jq ".\"$kind\"" "$T/stats.json")" = 1 ] && ok "$kind counted" || bad "$kind stats: $(cat "$T/stats.json")"
done

# drop-after: the request reached anvil. A transaction sent through it is mined though the
# client saw no answer (anvil's first account is unlocked).
ACC=$(curl -s -H 'Content-Type: application/json' --data '{"jsonrpc":"2.0","id":1,"method":"eth_accounts","params":[]}' "http://127.0.0.1:$PORT" | jq -r '.result[0]')
start_proxy --drop-after 1
curl -s --max-time 5 -H 'Content-Type: application/json' \
  --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendTransaction\",\"params\":[{\"from\":\"$ACC\",\"to\":\"$ACC\",\"value\":\"0x1\"}]}" \
  "http://127.0.0.1:$PP" >/dev/null
stop_proxy
nonce=$(curl -s -H 'Content-Type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getTransactionCount\",\"params\":[\"$ACC\",\"latest\"]}" "http://127.0.0.1:$PORT" | jq -r .result)
[ "$nonce" = 0x1 ] && ok "drop-after: the transaction was executed (nonce 0x1)" || bad "drop-after nonce $nonce"

# The same seed gives the same sequence of faults.
seq_of() { start_proxy --seed "$1" --drop 0.3 --error 0.3; local s=""; for _ in $(seq 1 12); do s="$s$(call | cut -c1-6)|"; done; stop_proxy; echo "$s"; }
a=$(seq_of 42); b=$(seq_of 42); c=$(seq_of 43)
[ "$a" = "$b" ] && ok "seed 42 twice: same faults" || bad "seed 42: $a vs $b"
[ "$a" != "$c" ] && ok "seed 43: other faults" || bad "seeds 42 and 43 gave the same faults"
finish
