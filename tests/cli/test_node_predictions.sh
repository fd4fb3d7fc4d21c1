#!/usr/bin/env bash
# Prediction records in the store and the node's API: `prove` keeps every record it makes
# (`predictions` lists and shows them, `import` takes files, the revealed form upgrades the
# committed one); POST /v1/predictions makes a signed record with the node's key, GET gives it
# back by hash and by symhash (paged), `xtalproof verify` passes on it; the 4xx cases (no key,
# no deployment for a round, no token, bad names, hashes, queries and bodies) answer a JSON
# error and store nothing.
# usage: test_node_predictions.sh PATH/TO/xtalproof SHARED_DIR SOURCE_DIR
set -u
XP=$1
C=$2/data/cgcnn/sample-cifs
SRC=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is needed (scripts/bootstrap.sh installs it)"; exit 1; }
command -v curl >/dev/null || { echo "curl is needed (scripts/bootstrap.sh installs it)"; exit 1; }
export XTALPROOF_HOME=$T/home XTALPROOF_MODELS=$SRC/models
NODE_PID=
cleanup() { [ -n "$NODE_PID" ] && kill -9 "$NODE_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
cd "$T"
S1=$C/1000041.cif S2=$C/1101051.cif
FE=formation-energy-per-atom

start_node() {
  rm -f "$T/port"
  "$XP" node --config "$1" --port 0 --port-file "$T/port" >"$T/node.out" 2>"$T/node.err" &
  NODE_PID=$!
  for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
  U=http://127.0.0.1:$(cat "$T/port" 2>/dev/null)
}
stop_node() { kill -TERM "$NODE_PID"; wait "$NODE_PID" 2>/dev/null; NODE_PID=; }
count() { curl -s "$U/v1/predictions?limit=1000" | jq '.predictions | length'; }

echo secret >pw
expect "key new" 0 "$XP" key new --keystore ks.json --password-file pw --light-kdf
ADDR=$(cat "$T/out")
ROUND=(--round 3 --target 1 --chain-id 31337 --rounds-contract 0x5FbDB2315678afecb367f032d93F642f64180aa3)

# ---- prove keeps its records ---------------------------------------------------------------
expect "prove (committed)" 0 "$XP" prove --model $FE --keystore ks.json --password-file pw "${ROUND[@]}" --out c.json "$S1"
expect "predictions --json" 0 "$XP" predictions --json
[ "$(wc -l <"$T/out")" = 1 ] && [ "$(jq -r .revealed "$T/out")" = false ] && [ "$(jq -r .predictor "$T/out")" = "$ADDR" ] &&
  [ "$(jq -r .symhash "$T/out")" = "$(jq -r .symhash c.json)" ] && ok "one committed record in the store" || bad "list: $(cat "$T/out")"
H=$(jq -r .hash "$T/out")
expect "predictions show" 0 "$XP" predictions show "$H"
cmp -s "$T/out" c.json && ok "the stored record is prove's output byte for byte" || bad "show differs from c.json"
expect "prove --reveal" 0 "$XP" prove --model $FE --keystore ks.json --password-file pw "${ROUND[@]}" --reveal --out r.json "$S1"
expect "predictions show after the reveal" 0 "$XP" predictions show "$H"
cmp -s "$T/out" r.json && ok "the revealed form replaced the committed one (same hash)" || bad "show differs from r.json"
expect "prove the committed form again" 0 "$XP" prove --model $FE --keystore ks.json --password-file pw "${ROUND[@]}" "$S1"
"$XP" predictions show "$H" | cmp -s - r.json && ok "and the salt stays" || bad "the salt was lost"
expect "prove with a model id adds it" 0 "$XP" prove --model $FE --keystore ks.json --password-file pw "${ROUND[@]}" --model-id 9 "$S1"
expect "prove with yet another model id: the store refuses it, prove writes it" 0 "$XP" prove --model $FE --keystore ks.json --password-file pw "${ROUND[@]}" --model-id 8 "$S1"
[ "$(jq .anchor.modelId "$T/out")" = 8 ] && ok "the record written has model id 8" || bad "out: $(head -c 300 "$T/out")"
[ "$("$XP" predictions show "$H" | jq .anchor.modelId)" = 9 ] && ok "the store keeps model id 9" || bad "anchor: $("$XP" predictions show "$H" | jq -c .anchor)"
grep -q "warning: .*model id 9, not 8" "$T/err" && ok "and warns why" || bad "message: $(cat "$T/err")"
# a record made elsewhere: import; a tampered one is refused
jq --arg s "0x$(printf '1%.0s' $(seq 64))" '.salt = $s' r.json >tampered.json
expect "import of a record whose salt does not open its commitment" 1 "$XP" predictions import tampered.json
expect "import of its own export" 0 "$XP" predictions import r.json
grep -q "^$H  *unchanged" "$T/out" && ok "import: unchanged" || bad "import: $(cat "$T/out")"
expect "predictions list, text" 0 "$XP" predictions list
head -1 "$T/out" | grep -q '^hash  *symhash  *model  *value  *round  *target  *predictor  *revealed$' &&
  grep -q "^$H  0x[0-9a-f]\{64\}  [a-z-]*  *-\?[0-9.]*  *[0-9-]*  *[0-9-]*  *0x[0-9a-fA-F]\{40\}  \(yes\|no\)$" "$T/out" &&
  ok "predictions list: a header row, then labelled columns" || bad "list: $(cat "$T/out")"
expect "show of a hash nobody stored" 1 "$XP" predictions show 0x$(printf '0%.0s' $(seq 64))
expect "show of a bad hash" 1 "$XP" predictions show 0x12

# ---- the API without a key: reads work, POST answers 409 ------------------------------------
echo '{}' >nokey.json
start_node nokey.json
TOK=$(cat "$T/home/api-token"); AUTH=(-H "Authorization: Bearer $TOK")
"$XP" predictions show "$H" >stored.json
req "GET /v1/predictions/{hash}" 200 "$U/v1/predictions/$H"
cmp -s "$T/body" stored.json && ok "the stored record, byte for byte" || bad "body differs from the store's"
bad4xx "POST without a key" 409 "${AUTH[@]}" --data-binary @"$S1" "$U/v1/predictions?model=$FE"
stop_node

# ---- with the node's key --------------------------------------------------------------------
NODE_ADDR=$("$XP" key new --keystore node-ks.json --password-file pw --light-kdf)
printf '{"keystore": "%s", "passwordFile": "%s", "watchRounds": false}\n' "$T/node-ks.json" "$T/pw" >node.json
start_node node.json
[ -n "$(cat "$T/port" 2>/dev/null)" ] && ok "node with a key starts" || { bad "no start: $(cat "$T/node.err")"; finish; exit 1; }
n0=$(count)
req "POST /v1/predictions" 201 "${AUTH[@]}" --data-binary @"$S2" "$U/v1/predictions?model=$FE"
cp "$T/body" post.json
PH=$(jq -r .hash post.json)
jq .record post.json >api-rec.json
[ "$(jq -r .status post.json)" = added ] && [ "$(jq -r .record.predictor post.json)" = "$NODE_ADDR" ] &&
  [ "$(jq -r '.record | has("salt")' post.json)" = false ] && ok "a committed record of the node's key" || bad "post: $(head -c 400 post.json)"
expect "the record verifies" 0 "$XP" verify api-rec.json --structure "$S2" --model "$SRC/models/$FE.xpm"
grep -q '^FAIL' "$T/out" && bad "verify: $(cat "$T/out")" || ok "verify: $(grep -c '^PASS' "$T/out") PASS, no FAIL"
[ "$(jq -r .symhash api-rec.json)" = "$("$XP" hash --json "$S2" | jq -r .symhash)" ] && ok "its symhash is hash's" || bad "symhash"
req "GET it by hash" 200 "$U/v1/predictions/$PH"
[ "$(jq -c . "$T/body")" = "$(jq -c . api-rec.json)" ] && ok "the same record" || bad "GET: $(head -c 300 "$T/body")"
req "POST the same again" 200 "${AUTH[@]}" --data-binary @"$S2" "$U/v1/predictions?model=$FE"
[ "$(jq -r .status "$T/body")" = unchanged ] && [ "$(jq -r .hash "$T/body")" = "$PH" ] && ok "unchanged, same hash (same salt)" || bad "again: $(head -c 300 "$T/body")"
req "POST with another model" 201 "${AUTH[@]}" --data-binary @"$S2" "$U/v1/predictions?model=band-gap"
PH2=$(jq -r .hash "$T/body")
[ "$(count)" = $((n0 + 2)) ] && ok "two records more" || bad "count $(count), was $n0"
SYM=$(jq -r .symhash api-rec.json)
req "GET by symhash" 200 "$U/v1/predictions?symhash=$SYM"
jq -e --arg a "$PH" --arg b "$PH2" '(.predictions | map(.hash) | sort) == ([$a, $b] | sort) and .next == null' "$T/body" >/dev/null &&
  ok "both records of the crystal" || bad "by symhash: $(head -c 400 "$T/body")"
jq -e --arg h "$PH" --argjson v "$(jq .valueQ api-rec.json)" '.predictions[] | select(.hash == $h) |
  .model == "formation-energy-per-atom" and .valueQ == $v and .value == ($v / 65536) and .round == 0 and .revealed == false' "$T/body" >/dev/null &&
  ok "the summary's fields" || bad "summary: $(head -c 400 "$T/body")"
req "GET by symhash and model" 200 "$U/v1/predictions?symhash=$SYM&model=band-gap"
[ "$(jq -c '[.predictions[].hash]' "$T/body")" = "[\"$PH2\"]" ] && ok "the model filter" || bad "filter: $(head -c 300 "$T/body")"
req "page 1 of 2" 200 "$U/v1/predictions?symhash=$SYM&limit=1"
first=$(jq -r '.predictions[0].hash' "$T/body") next=$(jq -r .next "$T/body")
[ "$next" = "$first" ] && ok "next is the last hash of the page" || bad "page 1: $(head -c 300 "$T/body")"
req "page 2 of 2" 200 "$U/v1/predictions?symhash=$SYM&limit=1&after=$next"
second=$(jq -r '.predictions[0].hash' "$T/body")
[ "$(jq -r .next "$T/body")" = null ] && [ -n "$second" ] && [ "$second" != "$first" ] &&
  [ "$(printf '%s\n' "$first" "$second" | sort | tr -d '\n')" = "$(printf '%s\n' "$PH" "$PH2" | sort | tr -d '\n')" ] &&
  ok "the other record, in hash order, and no next" || bad "page 2: $(head -c 300 "$T/body")"
req "an unknown symhash" 200 "$U/v1/predictions?symhash=0x$(printf 'e%.0s' $(seq 64))"
[ "$(jq -c . "$T/body")" = '{"predictions":[],"next":null}' ] && ok "empty list" || bad "$(cat "$T/body")"
"$XP" predictions show "$PH" >cli.json && cmp -s cli.json <(curl -s "$U/v1/predictions/$PH") && ok "the CLI reads what the node stored" || bad "cli show"

# ---- refusals: each a JSON error, nothing stored ---------------------------------------------
n1=$(count)
bad4xx "round without a deployment" 409 "${AUTH[@]}" --data-binary @"$S1" "$U/v1/predictions?model=$FE&round=1&target=0"
bad4xx "POST without a token" 401 --data-binary @"$S1" "$U/v1/predictions?model=$FE"
bad4xx "POST with a wrong token" 401 -H "Authorization: Bearer nottherightone0000" --data-binary @"$S1" "$U/v1/predictions?model=$FE"
bad4xx "POST without a model" 400 "${AUTH[@]}" --data-binary @"$S1" "$U/v1/predictions"
bad4xx "POST with a bad model name" 400 "${AUTH[@]}" --data-binary @"$S1" "$U/v1/predictions?model=../x"
bad4xx "POST with an unknown model" 404 "${AUTH[@]}" --data-binary @"$S1" "$U/v1/predictions?model=nosuchmodel"
bad4xx "POST with target but no round" 400 "${AUTH[@]}" --data-binary @"$S1" "$U/v1/predictions?model=$FE&target=1"
bad4xx "POST with a negative round" 400 "${AUTH[@]}" --data-binary @"$S1" "$U/v1/predictions?model=$FE&round=-1&target=0"
bad4xx "POST with an unknown key" 400 "${AUTH[@]}" --data-binary @"$S1" "$U/v1/predictions?model=$FE&reveal=1"
bad4xx "POST of no structure" 400 "${AUTH[@]}" --data-binary 'not a crystal' "$U/v1/predictions?model=$FE"
bad4xx "POST of an empty body" 400 "${AUTH[@]}" -X POST "$U/v1/predictions?model=$FE"
bad4xx "GET of a short hash" 400 "$U/v1/predictions/0x1234"
bad4xx "GET of a non-hex hash" 400 "$U/v1/predictions/0x$(printf 'g%.0s' $(seq 64))"
bad4xx "GET of a traversal" 400 "$U/v1/predictions/..%2F..%2Fapi-token"
bad4xx "GET of a hash nobody stored" 404 "$U/v1/predictions/0x$(printf '0%.0s' $(seq 64))"
bad4xx "a path below a hash" 404 "$U/v1/predictions/$PH/x"
bad4xx "DELETE" 405 -X DELETE "$U/v1/predictions/$PH"
bad4xx "list: limit 0" 400 "$U/v1/predictions?limit=0"
bad4xx "list: limit 1001" 400 "$U/v1/predictions?limit=1001"
bad4xx "list: limit abc" 400 "$U/v1/predictions?limit=abc"
bad4xx "list: bad symhash" 400 "$U/v1/predictions?symhash=0x12"
bad4xx "list: bad after" 400 "$U/v1/predictions?after=zz"
bad4xx "list: bad model" 400 "$U/v1/predictions?model=a/b"
bad4xx "list: unknown key" 400 "$U/v1/predictions?symhsah=0x12"
req "list: limit 1000" 200 "$U/v1/predictions?limit=1000"
[ "$(count)" = "$n1" ] && ok "nothing stored by the refusals" || bad "count $(count), was $n1"
m=$(curl -s "$U/metrics")
grep -q 'route="/v1/predictions",status="201"' <<<"$m" && grep -q 'route="/v1/predictions/{hash}",status="200"' <<<"$m" &&
  ok "/metrics labels the routes" || bad "metrics: $(grep predictions <<<"$m" | head -3)"
stop_node
finish
