#!/usr/bin/env bash
# The node under load (issue 21): 8 clients post the prediction of a 2,000-atom cell (rock salt,
# 5x5x10) in a loop for XP_NODE_LOAD_SECONDS (default 15) while one more asks /healthz and
# GET /v1/datasets/ds in turn (bench node-load); /healthz p99 must be under 50 ms and the read's
# under 100 ms, and the heavy requests must have been answered (200, or 503 when the queue is
# full). The figures are printed.
# usage: test_node_load.sh PATH/TO/xtalproof
set -u
XP=$1
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/node_lib.sh"
secs=${XP_NODE_LOAD_SECONDS:-15}

# the defaults but the rate limit, which would turn the 8 pushy clients away with 429s
node_up '{"rateLimitPerSecond": 0, "queueLength": 4}'
dataset_ds
supercell 5 5 10 >"$T/c2000.vasp"
[ "$(sed -n 7p "$T/c2000.vasp")" = "1000 1000" ] && ok "a cell of 2,000 atoms" || bad "supercell: $(sed -n 7p "$T/c2000.vasp")"
code=$(curl -s -o "$T/body" -w '%{http_code}' --data-binary @"$T/c2000.vasp" "$U/v1/predict?model=band-gap")
[ "$code" = 200 ] && ok "its prediction is accepted" || bad "predict of 2,000 atoms: $code $(cat "$T/body")"

# the latencies are measured on a machine that may be shared: a run that misses a target is
# run once more (both runs' figures are printed), so a target is missed only when it is missed
# twice in a row
targets='.healthz.n > 100 and .healthz.errors == 0 and .healthz.p99Ms < 50 and .read.n > 100 and .read.errors == 0 and .read.p99Ms < 100'
for run in 1 2; do
  "$XP" bench node-load --port "$P" --clients 8 --seconds "$secs" --dataset ds "$T/c2000.vasp" >"$T/load.json"
  echo "     run $run: $(cat "$T/load.json")"
  jq -e "$targets" "$T/load.json" >/dev/null && break
done
jq -e '.healthz.n > 100 and .healthz.errors == 0 and .healthz.p99Ms < 50' "$T/load.json" >/dev/null &&
  ok "/healthz p99 $(jq .healthz.p99Ms "$T/load.json") ms < 50 ms (p50 $(jq .healthz.p50Ms "$T/load.json"), max $(jq .healthz.maxMs "$T/load.json"))" ||
  bad "/healthz: $(jq -c .healthz "$T/load.json")"
jq -e '.read.n > 100 and .read.errors == 0 and .read.p99Ms < 100' "$T/load.json" >/dev/null &&
  ok "GET /v1/datasets/ds p99 $(jq .read.p99Ms "$T/load.json") ms < 100 ms (p50 $(jq .read.p50Ms "$T/load.json"), max $(jq .read.maxMs "$T/load.json"))" ||
  bad "read: $(jq -c .read "$T/load.json")"
jq -e '.heavy.ok > 0 and .heavy.other == 0 and .heavy.errors == 0 and .heavy.late504 == 0' "$T/load.json" >/dev/null &&
  ok "$(jq .heavy.ok "$T/load.json") predictions done, $(jq .heavy.busy503 "$T/load.json") refused with 503 (queue full)" ||
  bad "heavy: $(jq -c .heavy "$T/load.json")"
node_down
finish
