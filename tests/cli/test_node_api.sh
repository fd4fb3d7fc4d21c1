#!/usr/bin/env bash
# The node's HTTP API end to end: the daemon on a free loopback port with a temporary home;
# every endpoint with curl and jq (answers compared with the commands' own output); malformed
# requests (oversized, bad JSON, wrong types, path traversal, bad names, missing or wrong token,
# unknown routes, wrong methods) each get a clean 4xx with {"error": ...} and change nothing;
# SIGTERM lets a slow upload in flight finish and exits 0; SIGKILL during a stream of
# submissions loses nothing that was answered, and `dataset check` passes after each restart.
# usage: test_node_api.sh PATH/TO/xtalproof SHARED_DIR
# XP_NODE_KILLS (default 20) kill -9 restarts; XP_NODE_SOAK_SECONDS (default 5; 0: none) runs a
# soak of mixed traffic that long and prints the daemon's RSS at its start and end.
set -u
XP=$1
S=$2/data/structures
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is needed (scripts/bootstrap.sh installs it)"; exit 1; }
command -v curl >/dev/null || { echo "curl is needed (scripts/bootstrap.sh installs it)"; exit 1; }
kills=${XP_NODE_KILLS:-20} soak=${XP_NODE_SOAK_SECONDS:-5}
# under ASan, freed blocks wait in a quarantine (256 MiB) that would read as growth in a soak
[ "$soak" -gt 0 ] && export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1
export XTALPROOF_HOME=$T/home
NODE_PID=
cleanup() { [ -n "$NODE_PID" ] && kill -9 "$NODE_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

# start_node [ARGS...]: starts the daemon on a free port (port 0, read back from the port file)
start_node() {
  rm -f "$T/port"
  "$XP" node --config "$T/node.json" --port 0 --port-file "$T/port" "$@" >"$T/node.out" 2>"$T/node.err" &
  NODE_PID=$!
  for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
  P=$(cat "$T/port" 2>/dev/null)
  U=http://127.0.0.1:$P
}
state() { curl -s "$U/v1/datasets"; for d in $(curl -s "$U/v1/datasets" | jq -r '.datasets[].name'); do curl -s "$U/v1/datasets/$d"; done; }

cat >"$T/node.json" <<EOF
{"maxBodyBytes": 262144, "shutdownGraceSeconds": 10, "connectionTimeoutSeconds": 10}
EOF
CIF=$(ls "$S"/cifs/*.cif | head -1)
# the bench's crystals other than the CIF's (the first of both folders is the same crystal)
mapfile -t VASP < <(ls "$S"/bench/*/orig.vasp | tail -20)

# ---- start, token -------------------------------------------------------------------------
start_node
[ -n "$P" ] && ok "listening on port $P" || { bad "no port: $(cat "$T/node.err")"; finish; exit 1; }
grep -q "listening on http://127.0.0.1:$P" "$T/node.out" && ok "prints the address" || bad "stdout: $(cat "$T/node.out")"
[ "$(stat -c %a "$T/home/api-token")" = 600 ] && ok "token file created with mode 600" || bad "token mode $(stat -c %a "$T/home/api-token")"
TOK=$(cat "$T/home/api-token")
AUTH=(-H "Authorization: Bearer $TOK")
ss -ltn 2>/dev/null | grep -q "127.0.0.1:$P " && ok "bound to 127.0.0.1 only" || { ss -ltn 2>/dev/null | grep -q ":$P " && bad "not bound to 127.0.0.1" || ok "listening (ss not available)"; }

expect "a port in use" 1 env XTALPROOF_HOME="$T/home4" "$XP" node --port "$P"
grep -q "port $P on 127.0.0.1 is in use by another program: stop it, or give another --port" "$T/err" &&
  ! grep -q "port 0" "$T/err" && ok "  says which port, and what to do" || bad "  message: $(cat "$T/err")"
mkdir -p "$T/home2"
printf 'abcdefabcdefabcdefabcdef\n' >"$T/home2/api-token"; chmod 644 "$T/home2/api-token"
expect "a token file others can read is refused" 1 env XTALPROOF_HOME="$T/home2" "$XP" node --port 0
grep -q "chmod 600" "$T/err" && ok "says why" || bad "message: $(cat "$T/err")"
# the configured home is the home of everything: the store, the token and the deployment file
# are looked for there, not under $XTALPROOF_HOME
mkdir -p "$T/home3"
echo '{"chainId": 31337}' >"$T/home3/deployment-31337.json"
printf 'pw3\n' >"$T/pw3"
"$XP" key new --keystore "$T/k3.json" --password-file "$T/pw3" --light-kdf >/dev/null 2>&1
echo "{\"home\": \"$T/home3\", \"keystore\": \"$T/k3.json\", \"passwordFile\": \"$T/pw3\"}" >"$T/home3.json"
"$XP" node --config "$T/home3.json" --port 0 --port-file "$T/port3" >"$T/node3.out" 2>"$T/node3.err" &
N3=$!
for _ in $(seq 1 100); do [ -s "$T/port3" ] && break; sleep 0.05; done
kill -TERM $N3 2>/dev/null; wait $N3 2>/dev/null
[ -s "$T/home3/api-token" ] && [ -d "$T/home3/store" ] && ok "config home: its store and token" \
  || bad "config home: $(ls "$T/home3")"
grep -q "$T/home3/deployment-31337.json" "$T/node3.err" && ok "config home: its deployment file is the one read" \
  || bad "config home: deployment not looked for there: $(cat "$T/node3.err")"
echo '{"port": "x"}' >"$T/bad.json"
expect "a config with a wrong type is refused" 1 "$XP" node --config "$T/bad.json"
echo '{"prot": 1}' >"$T/bad.json"
expect "a config with an unknown key is refused" 1 "$XP" node --config "$T/bad.json"

# ---- read endpoints on an empty store ------------------------------------------------------
req "healthz" 200 "$U/healthz"
[ "$(jq -r .status "$T/body")" = ok ] && ok "healthz says ok" || bad "healthz: $(cat "$T/body")"
req "datasets, empty" 200 "$U/v1/datasets"
[ "$(jq -c .datasets "$T/body")" = "[]" ] && ok "no datasets" || bad "datasets: $(cat "$T/body")"

# ---- create a dataset: token, JSON body ----------------------------------------------------
bad4xx "create without token" 401 -X POST -d '{"name":"ds","license":"CC0-1.0"}' "$U/v1/datasets"
bad4xx "create with a wrong token" 401 -X POST -H "Authorization: Bearer ${TOK}x" -d '{"name":"ds","license":"CC0-1.0"}' "$U/v1/datasets"
bad4xx "create with a token of another scheme" 401 -X POST -H "Authorization: Basic $TOK" -d '{"name":"ds","license":"CC0-1.0"}' "$U/v1/datasets"
bad4xx "create: bad JSON" 400 -X POST "${AUTH[@]}" -d '{"name":"ds",' "$U/v1/datasets"
bad4xx "create: not an object" 400 -X POST "${AUTH[@]}" -d '["ds"]' "$U/v1/datasets"
bad4xx "create: wrong type" 400 -X POST "${AUTH[@]}" -d '{"name":5,"license":"CC0-1.0"}' "$U/v1/datasets"
bad4xx "create: unknown key" 400 -X POST "${AUTH[@]}" -d '{"name":"ds","license":"CC0-1.0","owner":"me"}' "$U/v1/datasets"
bad4xx "create: no license" 400 -X POST "${AUTH[@]}" -d '{"name":"ds"}' "$U/v1/datasets"
bad4xx "create: path traversal in the name" 400 -X POST "${AUTH[@]}" -d '{"name":"../etc","license":"CC0-1.0"}' "$U/v1/datasets"
bad4xx "create: a name of 65 characters" 400 -X POST "${AUTH[@]}" -d "{\"name\":\"$(printf 'a%.0s' $(seq 65))\",\"license\":\"CC0-1.0\"}" "$U/v1/datasets"
bad4xx "create: duplicate keys" 400 -X POST "${AUTH[@]}" -d '{"name":"ds","name":"dt","license":"CC0-1.0"}' "$U/v1/datasets"
req "datasets still empty" 200 "$U/v1/datasets"
[ "$(jq -c .datasets "$T/body")" = "[]" ] && ok "refused creations changed nothing" || bad "datasets: $(cat "$T/body")"
req "create dataset ds" 201 -X POST "${AUTH[@]}" -d '{"name":"ds","license":"CC0-1.0","description":"daemon test"}' "$U/v1/datasets"
[ "$(jq -r '.name + " " + .license + " " + (.records|tostring)' "$T/body")" = "ds CC0-1.0 0" ] && ok "created" || bad "create: $(cat "$T/body")"
bad4xx "create ds again" 409 -X POST "${AUTH[@]}" -d '{"name":"ds","license":"CC0-1.0"}' "$U/v1/datasets"

# ---- submit structures -----------------------------------------------------------------------
req "submit a CIF" 200 -X POST "${AUTH[@]}" --data-binary @"$CIF" "$U/v1/datasets/ds/structures?format=cif&name=first.cif"
sym1=$(jq -r '.results[0].symhash' "$T/body")
want1=$("$XP" hash --json "$CIF" | jq -r .symhash | head -1)
[ "$sym1" = "$want1" ] && ok "its symhash is that of xtalproof hash" || bad "symhash $sym1 vs $want1"
[ "$(jq -r '[.added,.duplicates,.version,.size,.newVersion,.results[0].file,.results[0].status] | join(" ")' "$T/body")" = "1 0 1 1 true first.cif added" ] && ok "added as version 1" || bad "submit: $(cat "$T/body")"
root1=$(jq -r .root "$T/body")
req "submit it again" 200 -X POST "${AUTH[@]}" --data-binary @"$CIF" "$U/v1/datasets/ds/structures"
[ "$(jq -r '[.added,.duplicates,.version,.newVersion,.results[0].status,.results[0].index] | join(" ")' "$T/body")" = "0 1 1 false duplicate 0" ] && ok "duplicate reported, no new version" || bad "dup: $(cat "$T/body")"
req "submit a POSCAR (sniffed)" 200 -X POST "${AUTH[@]}" --data-binary @"${VASP[0]}" "$U/v1/datasets/ds/structures"
[ "$(jq -r '[.added,.version,.size] | join(" ")' "$T/body")" = "1 2 2" ] && ok "POSCAR sniffed, version 2" || bad "poscar: $(cat "$T/body")"
sym2=$(jq -r '.results[0].symhash' "$T/body")
jq -n --rawfile a "${VASP[1]}" --rawfile b "${VASP[2]}" \
  '{files: [{name: "b.vasp", format: "poscar", content: $a}, {name: "c", content: $b}], meta: {source: "test", n: 2}}' >"$T/sub.json"
req "submit two files as JSON with metadata" 200 -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$T/sub.json" "$U/v1/datasets/ds/structures"
[ "$(jq -r '[.added,.version,.size,.results[0].file,.results[1].file] | join(" ")' "$T/body")" = "2 3 4 b.vasp c" ] && ok "two added, version 3" || bad "json submit: $(cat "$T/body")"
sym3=$(jq -r '.results[0].symhash' "$T/body")
# what curl users meet: -d strips the line breaks, -F sends a form; each answer says what to do
req "submit with curl -d" 400 -X POST "${AUTH[@]}" -d @"${VASP[4]}" "$U/v1/datasets/ds/structures"
grep -q "the file has no line breaks: curl -d strips them; send it with curl --data-binary @FILE" "$T/body" &&
  ok "  says to use --data-binary" || bad "  body: $(cat "$T/body")"
req "submit with curl -F" 400 -X POST "${AUTH[@]}" -F "file=@${VASP[4]}" "$U/v1/datasets/ds/structures"
grep -q "a multipart form (curl -F) is not read: send the file itself as the body (curl --data-binary @FILE)" "$T/body" &&
  ok "  says to send the file itself" || bad "  body: $(cat "$T/body")"
req "submit without cutting a version" 200 -X POST "${AUTH[@]}" --data-binary @"${VASP[3]}" "$U/v1/datasets/ds/structures?cut=false"
[ "$(jq -r '[.added,.newVersion,.version,.size] | join(" ")' "$T/body")" = "1 false 3 4" ] && ok "appended, still version 3" || bad "cut=false: $(cat "$T/body")"
req "cut a version" 200 -X POST "${AUTH[@]}" "$U/v1/datasets/ds/versions"
[ "$(jq -r '[.newVersion,.version,.size] | join(" ")' "$T/body")" = "true 4 5" ] && ok "version 4 of 5 records" || bad "cut: $(cat "$T/body")"

# ---- read endpoints ------------------------------------------------------------------------
req "list datasets" 200 "$U/v1/datasets"
[ "$(jq -r '.datasets[0] | [.name,.records,.versions] | join(" ")' "$T/body")" = "ds 5 4" ] && ok "ds with 5 records, 4 versions" || bad "list: $(cat "$T/body")"
req "dataset ds" 200 "$U/v1/datasets/ds"
"$XP" dataset show ds --json | jq -c . >"$T/show.json"
[ "$(jq -c . "$T/body")" = "$(cat "$T/show.json")" ] && ok "the same JSON as dataset show --json" || bad "show: $(cat "$T/body") vs $(cat "$T/show.json")"
[ "$(jq -r '.versions[0].root' "$T/body")" = "$root1" ] && ok "version 1's root" || bad "root"
req "record" 200 "$U/v1/datasets/ds/records/$sym3"
[ "$(jq -r '[.index,.symhash,.firstVersion] | join(" ")' "$T/body")" = "2 $sym3 3" ] && ok "record 2, first in version 3" || bad "record: $(cat "$T/body")"
[ "$(jq -r .metaHash "$T/body")" = "$("$XP" keccak --text '{"n":2,"source":"test"}' | cut -d' ' -f1)" ] && ok "metaHash is keccak of the canonical metadata" || bad "metaHash $(jq -r .metaHash "$T/body")"
[ "$(jq -r .leafHash "$T/body")" = "$("$XP" keccak --hex "00$(jq -r .leaf "$T/body" | cut -c3-)" | cut -d' ' -f1)" ] && ok "leafHash = keccak(0x00 || leaf)" || bad "leafHash"
req "proof" 200 "$U/v1/datasets/ds/proof/$sym2"
"$XP" proof --dataset ds "$sym2" >"$T/cli-proof.json"
cmp -s "$T/body" "$T/cli-proof.json" && ok "the same bytes as xtalproof proof" || bad "proof differs from the command's"
cp "$T/body" "$T/api-proof.json"
expect "verify-proof accepts it" 0 "$XP" verify-proof "$T/api-proof.json" --structure "${VASP[0]}"
req "proof at version 2" 200 "$U/v1/datasets/ds/proof/$sym2?version=2"
"$XP" proof --dataset ds --version 2 "$sym2" | cmp -s "$T/body" - && ok "the same as proof --version 2" || bad "proof v2 differs"
bad4xx "proof at a version before the record" 404 "$U/v1/datasets/ds/proof/$sym3?version=2"
bad4xx "proof at version 0" 400 "$U/v1/datasets/ds/proof/$sym2?version=0"
bad4xx "proof at version x" 400 "$U/v1/datasets/ds/proof/$sym2?version=x"
bad4xx "proof at version 99" 404 "$U/v1/datasets/ds/proof/$sym2?version=99"
bad4xx "proof with an unknown parameter" 400 "$U/v1/datasets/ds/proof/$sym2?verison=1"
bad4xx "record not there" 404 "$U/v1/datasets/ds/records/0x$(printf '0%.0s' $(seq 64))"
bad4xx "record: bad symhash" 400 "$U/v1/datasets/ds/records/0x1234"
bad4xx "dataset not there" 404 "$U/v1/datasets/nope"
bad4xx "structures of a dataset not there" 404 -X POST "${AUTH[@]}" --data-binary @"$CIF" "$U/v1/datasets/nope/structures"

# ---- predict ---------------------------------------------------------------------------------
req "predict" 200 -X POST --data-binary @"${VASP[0]}" "$U/v1/predict?model=band-gap"
"$XP" predict --json --model band-gap "${VASP[0]}" | jq -c 'del(.file)' >"$T/pred.json"
[ "$(jq -c 'del(.file)' "$T/body")" = "$(cat "$T/pred.json")" ] && ok "the same JSON as predict --json" || bad "predict: $(cat "$T/body") vs $(cat "$T/pred.json")"
[ "$(jq -r .symhash "$T/body")" = "$sym2" ] && ok "with the structure's symhash" || bad "predict symhash"
req "predict, formation energy, CIF" 200 -X POST --data-binary @"$CIF" "$U/v1/predict?model=formation-energy-per-atom&format=cif"
bad4xx "predict without a model" 400 -X POST --data-binary @"$CIF" "$U/v1/predict"
bad4xx "predict with an unknown model" 404 -X POST --data-binary @"$CIF" "$U/v1/predict?model=nope"
bad4xx "predict with a model path" 400 -X POST --data-binary @"$CIF" "$U/v1/predict?model=../models/band-gap.xpm"
bad4xx "predict garbage" 400 -X POST --data-binary 'not a crystal' "$U/v1/predict?model=band-gap"
bad4xx "predict an empty body" 400 -X POST "$U/v1/predict?model=band-gap"
bad4xx "predict with a bad format" 400 -X POST --data-binary @"$CIF" "$U/v1/predict?model=band-gap&format=xyz"

# ---- malformed requests change nothing -------------------------------------------------------
state >"$T/before"
head -c 300000 /dev/zero | tr '\0' 'x' >"$T/big"
bad4xx "oversized body" 413 -X POST "${AUTH[@]}" --data-binary @"$T/big" "$U/v1/datasets/ds/structures"
bad4xx "oversized chunked body" 413 -X POST "${AUTH[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$U/v1/datasets/ds/structures"
bad4xx "oversized predict" 413 -X POST --data-binary @"$T/big" "$U/v1/predict?model=band-gap"
bad4xx "submit without token" 401 -X POST --data-binary @"${VASP[5]}" "$U/v1/datasets/ds/structures"
bad4xx "submit with a wrong token" 401 -X POST -H "Authorization: Bearer nottheone" --data-binary @"${VASP[5]}" "$U/v1/datasets/ds/structures"
bad4xx "cut without token" 401 -X POST "$U/v1/datasets/ds/versions"
bad4xx "submit garbage" 400 -X POST "${AUTH[@]}" --data-binary 'data_x
_cell_length_a oops' "$U/v1/datasets/ds/structures"
bad4xx "submit an empty body" 400 -X POST "${AUTH[@]}" "$U/v1/datasets/ds/structures"
bad4xx "submit bad JSON" 400 -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"files": [' "$U/v1/datasets/ds/structures"
bad4xx "submit: files not an array" 400 -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"files": "x"}' "$U/v1/datasets/ds/structures"
bad4xx "submit: content a number" 400 -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"files": [{"content": 5}]}' "$U/v1/datasets/ds/structures"
bad4xx "submit: no content" 400 -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"files": [{"name": "a"}]}' "$U/v1/datasets/ds/structures"
bad4xx "submit: meta not an object" 400 -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"files": [{"content": "x"}], "meta": 1}' "$U/v1/datasets/ds/structures"
bad4xx "submit: bad parent" 400 -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"files": [{"content": "x"}], "parent": "0x12"}' "$U/v1/datasets/ds/structures"
bad4xx "submit: cut a string" 400 -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"files": [{"content": "x"}], "cut": "yes"}' "$U/v1/datasets/ds/structures"
jq -n --rawfile a "${VASP[6]}" '{files: [{name: "good", content: $a}, {name: "bad", content: "nonsense"}]}' >"$T/half.json"
bad4xx "submit one good and one bad file" 400 -X POST "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$T/half.json" "$U/v1/datasets/ds/structures"
grep -q '"bad' "$T/body" && ok "names the bad file" || bad "message $(cat "$T/body")"
bad4xx "submit with a bad format" 400 -X POST "${AUTH[@]}" --data-binary @"${VASP[6]}" "$U/v1/datasets/ds/structures?format=pdb"
bad4xx "submit with a bad cut" 400 -X POST "${AUTH[@]}" --data-binary @"${VASP[6]}" "$U/v1/datasets/ds/structures?cut=maybe"
bad4xx "submit with an unknown parameter" 400 -X POST "${AUTH[@]}" --data-binary @"${VASP[6]}" "$U/v1/datasets/ds/structures?fromat=cif"
bad4xx "submit with a quote in the name" 400 -X POST "${AUTH[@]}" --data-binary @"${VASP[6]}" "$U/v1/datasets/ds/structures?name=a%22b"
bad4xx "path traversal, raw" 400 --path-as-is -X POST "${AUTH[@]}" --data-binary @"${VASP[6]}" "$U/v1/datasets/../structures"
bad4xx "path traversal, encoded dots" 400 -X POST "${AUTH[@]}" --data-binary @"${VASP[6]}" "$U/v1/datasets/%2e%2e/structures"
bad4xx "path traversal, encoded slash" 400 -X POST "${AUTH[@]}" --data-binary @"${VASP[6]}" "$U/v1/datasets/..%2fetc/structures"
bad4xx "a name with a space" 400 "$U/v1/datasets/a%20b"
bad4xx "a name starting with -" 400 "$U/v1/datasets/-x"
bad4xx "a NUL in the path" 400 "$U/v1/datasets/a%00b"
bad4xx "unknown route" 404 "$U/v1/nothing"
bad4xx "trailing slash" 404 "$U/v1/datasets/"
bad4xx "double slash" 404 "$U/v1//datasets"
bad4xx "wrong method: DELETE a dataset" 405 -X DELETE "${AUTH[@]}" "$U/v1/datasets/ds"
grep -qi '^allow: GET, HEAD' <(curl -s -D - -o /dev/null -X DELETE "$U/v1/datasets/ds" | tr -d '\r') && ok "405 says Allow" || bad "no Allow header"
bad4xx "wrong method: GET predict" 405 "$U/v1/predict?model=band-gap"
bad4xx "wrong method: PUT structures" 405 -X PUT "${AUTH[@]}" --data-binary @"${VASP[6]}" "$U/v1/datasets/ds/structures"
bad4xx "wrong method: POST healthz" 405 -X POST -d x "$U/healthz"
state >"$T/after"
cmp -s "$T/before" "$T/after" && ok "the malformed requests changed nothing" || bad "state changed: $(diff "$T/before" "$T/after")"
expect "dataset check after them" 0 "$XP" dataset check ds

# ---- metrics -----------------------------------------------------------------------------------
req "metrics" 200 "$U/metrics"
cp "$T/body" "$T/metrics"
grep -q '^xtalproof_http_requests_total{route="/v1/datasets",status="401"} 3$' "$T/metrics" && ok "requests by route and status" || bad "counts: $(grep requests_total "$T/metrics")"
grep -q '^xtalproof_http_requests_total{route="/v1/datasets/{name}/structures",status="413"} 2$' "$T/metrics" && ok "413s counted" || bad "413 count"
grep -q '^xtalproof_http_request_duration_seconds_bucket{route="/v1/predict",le="+Inf"} ' "$T/metrics" && ok "latency histogram" || bad "histogram"
grep -q '^xtalproof_records 5$' "$T/metrics" && grep -q '^xtalproof_datasets 1$' "$T/metrics" && ok "records and datasets" || bad "gauges: $(grep -v '^#' "$T/metrics" | tail -5)"
rss=$(awk '/^process_resident_memory_bytes/ {print $2}' "$T/metrics")
[ "${rss:-0}" -gt 1000000 ] && ok "RSS $rss bytes" || bad "rss $rss"
curl -s -I "$U/metrics" | tr -d '\r' | grep -qi '^content-type: text/plain; version=0.0.4' && ok "Prometheus content type" || bad "content type"

# ---- SIGTERM: a slow upload in flight finishes, then exit 0 ------------------------------------
{ cat "${VASP[7]}"; for i in $(seq 1 2000); do echo "# padding line $i of a slow upload"; done; } >"$T/slow.vasp"
curl -s -o "$T/slow.out" -w '%{http_code}' --limit-rate 40K -X POST "${AUTH[@]}" --data-binary @"$T/slow.vasp" \
  "$U/v1/datasets/ds/structures?format=poscar" >"$T/slow.code" &
cpid=$!
sleep 0.6
kill -TERM "$NODE_PID"
wait "$cpid"; wait "$NODE_PID"; st=$?
NODE_PID=
[ "$(cat "$T/slow.code")" = 200 ] && [ "$(jq -r .added "$T/slow.out")" = 1 ] && ok "the request in flight finished" || bad "slow upload: $(cat "$T/slow.code") $(cat "$T/slow.out")"
[ "$st" = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $st; $(cat "$T/node.err")"
grep -q stopped "$T/node.err" && ok "stopped cleanly" || bad "log: $(cat "$T/node.err")"
[ ! -e "$T/port" ] && ok "port file removed" || bad "port file left"
expect "dataset check after SIGTERM" 0 "$XP" dataset check ds
grep -q "6 records" "$T/out" && ok "6 records" || bad "check: $(cat "$T/out")"

# ---- SIGKILL during a stream of submissions ----------------------------------------------------
# distinct crystals: the bench POSCARs with their scale factor stretched a little per copy
mkdir -p "$T/stream"
n=0
for f in "${VASP[@]:8}"; do
  for k in $(seq 1 40); do
    awk -v k="$k" 'NR == 2 { printf "%.6f\n", $1 * (1 + 0.004 * k); next } { print }' "$f" >"$T/stream/$n.vasp"
    n=$((n + 1))
  done
done
start_node
curl -s -X POST "${AUTH[@]}" -d '{"name":"crash","license":"CC0-1.0"}' "$U/v1/datasets" >/dev/null
: >"$T/answered"
i=0 killed=0
for r in $(seq 1 "$kills"); do
  # a stream of submissions; each answered one is logged with its symhash
  ( while [ "$i" -lt "$n" ]; do
      out=$(curl -s -X POST "${AUTH[@]}" --data-binary @"$T/stream/$i.vasp" "$U/v1/datasets/crash/structures") || break
      echo "$out" | jq -r 'select(.results) | .results[0].symhash' >>"$T/answered"
      i=$((i + 1))
    done ) &
  spid=$!
  sleep "0.$((RANDOM % 6 + 2))"
  kill -9 "$NODE_PID" 2>/dev/null && killed=$((killed + 1))
  wait "$NODE_PID" 2>/dev/null
  wait "$spid" 2>/dev/null
  NODE_PID=
  if ! "$XP" dataset check crash >"$T/check" 2>&1; then bad "kill $r: dataset check: $(cat "$T/check")"; fi
  start_node
  [ -n "$P" ] || { bad "restart $r: $(cat "$T/node.err")"; break; }
  i=$(sort -u "$T/answered" | wc -l)
done
[ "$killed" = "$kills" ] && ok "killed the daemon $killed times during submissions" || bad "killed $killed of $kills"
lost=0
for s in $(sort -u "$T/answered"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$U/v1/datasets/crash/records/$s")
  [ "$code" = 200 ] || lost=$((lost + 1))
done
answered=$(sort -u "$T/answered" | wc -l)
[ "$answered" -gt 0 ] && [ "$lost" = 0 ] && ok "all $answered answered submissions are in the store" || bad "$lost of $answered answered submissions lost"
expect "dataset check crash at the end" 0 "$XP" dataset check crash
echo "   $(cat "$T/out")"

# ---- soak (optional): mixed traffic, RSS at start and end --------------------------------------
soak_round() { # one round of mixed traffic: writes, reads, predict, prediction records, refusals, metrics
  local f="$T/stream/$(( $1 % n )).vasp"
  curl -s -o /dev/null -X POST "${AUTH[@]}" --data-binary @"$f" "$U/v1/datasets/soak/structures?cut=$([ $(( $1 % 10 )) = 0 ] && echo true || echo false)"
  curl -s -o /dev/null "$U/v1/datasets/ds/proof/$sym2"
  curl -s -o /dev/null "$U/v1/datasets/ds/records/$sym3"
  curl -s -o /dev/null "$U/v1/datasets"
  curl -s -o /dev/null -X POST --data-binary @"$f" "$U/v1/predict?model=band-gap"
  curl -s -o /dev/null -X POST --data-binary @"$T/big" "$U/v1/datasets/ds/structures"
  curl -s -o /dev/null -X POST "${AUTH[@]}" -H 'Content-Type: application/json' -d '{"files": [' "$U/v1/datasets/ds/structures"
  curl -s -o /dev/null "$U/v1/predictions?symhash=$sym2&limit=10"
  curl -s -o /dev/null "$U/v1/predictions/0x$(printf '%064x' "$1")"
  curl -s -o /dev/null -X POST "${AUTH[@]}" --data-binary @"$f" "$U/v1/predictions?model=band-gap"
  curl -s -o /dev/null "$U/metrics"
}
rss_now() { curl -s "$U/metrics" | awk '/^process_resident_memory_bytes/ {print $2}'; }
if [ "$soak" -gt 0 ]; then
  curl -s -o /dev/null -X POST "${AUTH[@]}" -d '{"name":"soak","license":"CC0-1.0"}' "$U/v1/datasets"
  for q in 0 1 2 3 4 5 6 7 8 9; do soak_round "$q"; done # warm-up: the model loaded, buffers sized
  rss0=$(rss_now) start=$(date +%s) q=10 samples=""
  end=$(( start + soak )) next=$(( start + soak / 4 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    soak_round "$q"; q=$((q + 1))
    [ "$(date +%s)" -ge "$next" ] && { samples="$samples $(rss_now)"; next=$(( next + soak / 4 )); }
  done
  rss1=$(rss_now)
  total=$(curl -s "$U/metrics" | awk '/^xtalproof_http_requests_total/ {s += $2} END {print s}')
  echo "   soak: ${soak} s, $((q - 10)) rounds, $total requests in all since the restart; RSS (bytes) after warm-up $rss0, then$samples, end $rss1"
  [ "$rss1" -lt $(( rss0 + 8 * 1048576 )) ] && ok "RSS grew by less than 8 MiB over the soak" || bad "RSS $rss0 -> $rss1"
fi

kill -TERM "$NODE_PID"; wait "$NODE_PID"; st=$?; NODE_PID=
[ "$st" = 0 ] && ok "the last stop: exit 0 (under ASan: no leak)" || bad "last stop: exit $st; $(tail -20 "$T/node.err")"
finish
