#!/usr/bin/env bash
# The node under abuse (issue 21): node_probe sends a table of bad requests (methods, traversal,
# escapes, names, hashes, tokens, JSON, content types, unknown query keys, huge headers, URLs and
# bodies, malformed HTTP), each with the status it must get and a /healthz after it; then the
# rate limit, a slow client, 70 idle half-open connections and the pool's 503/504 with a 20,000-
# atom prediction. The node must still answer, stop on SIGTERM with exit 0 and leave no error.
# usage: test_node_abuse.sh PATH/TO/xtalproof PATH/TO/node_probe
set -u
XP=$1 PROBE=$2
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/supercell.sh"
export XTALPROOF_HOME=$T/home
NODE_PID=
cleanup() { [ -n "$NODE_PID" ] && kill -9 "$NODE_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

cat >"$T/node.json" <<JSON
{"maxBodyBytes": 1048576, "connectionTimeoutSeconds": 2, "maxConnectionsPerIp": 32,
 "rateLimitPerSecond": 2, "rateLimitBurst": 5, "workerThreads": 1, "queueLength": 1,
 "requestDeadlineSeconds": 1}
JSON
"$XP" node --config "$T/node.json" --port 0 --port-file "$T/port" >"$T/node.out" 2>"$T/node.err" &
NODE_PID=$!
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
P=$(cat "$T/port" 2>/dev/null)
[ -n "$P" ] && ok "node on port $P" || { bad "no port: $(cat "$T/node.err")"; finish; exit 1; }
# a dataset for the submissions to be refused from (and nothing added to it)
req() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
[ "$(req -X POST -H "Authorization: Bearer $(cat "$T/home/api-token")" -H 'Content-Type: application/json' \
  -d '{"name":"ds","license":"CC0-1.0"}' "http://127.0.0.1:$P/v1/datasets")" = 201 ] && ok "dataset ds" || bad "dataset: $(cat "$T/body")"
supercell 10 10 25 >"$T/big.vasp"

timeout 100 "$PROBE" "$P" "$T/home/api-token" "$T/big.vasp" >"$T/probe.out" 2>&1
rc=$?
cat "$T/probe.out"
[ "$rc" = 0 ] && ok "the probe passed" || bad "the probe: exit $rc"
[ "$(req "http://127.0.0.1:$P/v1/datasets/ds")" = 200 ] && [ "$(jq .records "$T/body")" = 0 ] &&
  ok "nothing was added to ds" || bad "ds: $(cat "$T/body")"
kill -TERM "$NODE_PID"
for _ in $(seq 1 150); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
wait "$NODE_PID"; rc=$?
NODE_PID=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc; $(tail -5 "$T/node.err")"
finish
