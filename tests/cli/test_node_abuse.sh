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
. "$(dirname "$0")/node_lib.sh"

node_up '{"maxBodyBytes": 1048576, "connectionTimeoutSeconds": 2, "maxConnectionsPerIp": 32,
 "rateLimitPerSecond": 2, "rateLimitBurst": 5, "workerThreads": 1, "queueLength": 1,
 "requestDeadlineSeconds": 1}'
dataset_ds # for the submissions to be refused from: nothing may be added to it
supercell 10 10 25 >"$T/big.vasp"

timeout 100 "$PROBE" "$P" "$T/home/api-token" "$T/big.vasp" >"$T/probe.out" 2>&1
rc=$?
cat "$T/probe.out"
[ "$rc" = 0 ] && ok "the probe passed" || bad "the probe: exit $rc"
[ "$(curl -s -o "$T/body" -w '%{http_code}' "$U/v1/datasets/ds")" = 200 ] && [ "$(jq .records "$T/body")" = 0 ] &&
  ok "nothing was added to ds" || bad "ds: $(cat "$T/body")"
node_down
finish
