#!/usr/bin/env bash
# The node's dispute roles on a fresh anvil (issue 19, deliverable 2): a round over Si with 1 h
# reveal, challenge and move windows; an honest predictor (account1) and a liar (account5: a valueQ
# one eV above the model's, a made-up traceRoot, raw transactions).
# - a node with account3's key and the watchtower re-runs both reveals, challenges the liar's
#   only; after the move window it claims the liar's timeout (metrics: checked, challenged, won);
# - a node with account1's key and the defender: account2 challenges account1's honest reveal
#   (--force) and picks with --force-pick; the node answers every turn by itself; it is killed
#   (SIGKILL) in the middle of the game and started again, and goes on: no transaction is sent
#   twice (every opening holds, every respond transaction succeeded) and after the challenger's
#   deadline it claims: DefenderWon.
# usage: test_dispute_node.sh PATH/TO/xtalproof SHARED_DIR SOURCE_DIR
set -u
XP=$1
S=$2/data/cgcnn/sample-cifs
SRC=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
need_anvil "$SRC"
. "$(dirname "$0")/dispute_lib.sh"
NODE_PID=
trap '[ -n "$NODE_PID" ] && kill -KILL "$NODE_PID" 2>/dev/null; "$XP" devnet down >/dev/null 2>&1; rm -rf "$T"' EXIT
start_node() { # start_node ACCOUNT WATCHTOWER DEFENDER
  printf '{"keystore": "%s", "passwordFile": "%s", "disputeStructures": "%s", "watchtower": %s, "defender": %s, "anchorEverySeconds": 3600}\n' \
    "$K/account$1.json" "$PW" "$T/targets" "$2" "$3" > "$T/node.json"
  rm -f "$T/port"
  "$XP" node --config "$T/node.json" --port 0 --port-file "$T/port" >>"$T/node.out" 2>>"$T/node.err" &
  NODE_PID=$!
  for _ in $(seq 1 200); do [ -s "$T/port" ] && break; sleep 0.05; done
}
stop_node() { kill -"${1:-TERM}" "$NODE_PID" 2>/dev/null; wait "$NODE_PID" 2>/dev/null; NODE_PID=; }
metric() { curl -s "http://127.0.0.1:$(cat "$T/port")/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# until SECONDS ID JQ: until `dispute show ID` passes the jq test (its output in $T/show.json)
until_shown() {
  local end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    "$XP" dispute show "$2" > "$T/show.json" 2>/dev/null && jq -e "$3" "$T/show.json" >/dev/null && return 0
    sleep 0.3
  done
  return 1
}

devnet_up
round_with_liar
mkdir -p "$T/targets"; cp "$SI" "$T/targets/"

# the watchtower (account3)
start_node 3 true false
until_shown 120 1 '.id == 1' && ok "the watchtower challenged" || bad "no challenge: $(tail -5 "$T/node.err")"
jq -e --arg p "$(addr 5)" --arg c "$(addr 3)" '.reveal == 1 and (.predictor | ascii_downcase) == ($p | ascii_downcase) and (.challenger | ascii_downcase) == ($c | ascii_downcase)' "$T/show.json" >/dev/null &&
  ok "  dispute 1: account3 against the liar's reveal (1)" || bad "  $(cat "$T/show.json")"
grep -q '"verdict":"honest"' "$T/node.err" && grep -q '"verdict":"false"' "$T/node.err" && ok "  it re-ran both reveals: one honest, one false" || bad "  log: $(grep dispute "$T/node.err")"
[ "$(metric xtalproof_disputes_checked_total)" = 2 ] && [ "$(metric xtalproof_disputes_challenged_total)" = 1 ] && ok "  metrics: checked 2, challenged 1" || bad "  metrics: $(curl -s "http://127.0.0.1:$(cat "$T/port")/metrics" | grep dispute)"
sleep 2
[ "$("$XP" dispute show 2 >/dev/null 2>&1; echo $?)" != 0 ] && ok "  the honest reveal is not challenged" || bad "  a second dispute"
"$XP" devnet warp 3601 >/dev/null
until_shown 60 1 '.outcome == "challengerWon" and .reason == "timeout"' && ok "after the move window the watchtower claims: challengerWon (timeout)" || bad "d1: $(cat "$T/show.json")"
for _ in $(seq 1 40); do [ "$(metric xtalproof_disputes_won_total)" = 1 ] && break; sleep 0.25; done
[ "$(metric xtalproof_disputes_won_total)" = 1 ] && ok "  metric: won 1" || bad "  won: $(metric xtalproof_disputes_won_total)"
stop_node

# the defender (account1); account2's false challenge, the node killed in the middle
start_node 1 false true
expect "challenge --force (account2)" 0 "$XP" challenge "$T/r1.json" --structure "$SI" --force $(key 2)
D=$(jq -r 'select(.action == "challenge") | .dispute' "$T/out")
[ "$D" = 2 ] && ok "dispute 2 against the honest reveal" || bad "challenge: $(cat "$T/out")"
picks=0 killed=0
for n in $(seq 1 20); do
  until_shown 90 "$D" '.outcome != "open" or .turn == "challenger"' || { bad "the node did not answer turn $n: $(tail -5 "$T/node.err")"; break; }
  jq -e '.outcome == "open"' "$T/show.json" >/dev/null || break
  "$XP" dispute respond "$D" --structure "$SI" --force-pick $(key 2) >"$T/out" 2>"$T/err" || break
  picks=$((picks + 1))
  if [ $killed = 0 ] && [ $picks = 2 ]; then
    stop_node KILL; killed=1
    ok "the node killed (SIGKILL) after pick 2"
    start_node 1 false true
  fi
done
[ $picks -ge 3 ] && ok "the node answered $((picks + 1)) turns, $picks picks" || bad "picks: $picks; $(cat "$T/err")"
grep -q 'none of the' "$T/err" && ok "the challenger has nothing left to pick" || bad "end: $(cat "$T/err")"
"$XP" devnet warp 3601 >/dev/null
until_shown 60 "$D" '.outcome == "defenderWon" and .reason == "timeout"' && ok "after the challenger's deadline the defender claims: defenderWon (timeout)" || bad "d2: $(cat "$T/show.json")"
[ "$(jq '[.events[] | select(.event == "StepOpened" and .holds == false)] | length' "$T/show.json")" = 0 ] && ok "every opening held" || bad "a false opening"
# no respond sent twice: one TurnEnded per turn, and every transaction of the node succeeded
turns=$(jq '[.events[] | select(.event == "TurnEnded")] | length' "$T/show.json")
[ "$turns" = $((picks + 1)) ] && ok "  $turns turns ended, one per pick and the first" || bad "  turns $turns, picks $picks"
failed=0
for tx in $(jq -r '[.events[].tx] | unique | .[]' "$T/show.json"); do
  r=$(curl -s -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getTransactionReceipt\",\"params\":[\"$tx\"]}" "$URL")
  [ "$(jq -r .result.status <<<"$r")" = 0x1 ] || failed=$((failed + 1))
done
[ $failed = 0 ] && ok "  every transaction of the game succeeded" || bad "  $failed failed transactions"
[ "$(grep -c 'reverted' "$T/node.err")" = 0 ] && ok "  no reverted send in the node's log" || bad "  $(grep reverted "$T/node.err" | head -3)"
stop_node
expect "devnet down" 0 "$XP" devnet down
finish
