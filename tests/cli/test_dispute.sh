#!/usr/bin/env bash
# The dispute game on a fresh anvil (issue 19): a round over Si with a short reveal, challenge and
# move window (1 h each); an honest predictor (account1) and a liar (account5: a valueQ one eV
# above the model's, a made-up traceRoot, committed and revealed with raw transactions).
# - `challenge --round` re-runs both reveals, finds the honest one honest and challenges the liar
#   (account3); the liar cannot answer (its traceRoot is no inference), the deadline passes, the
#   challenger claims: ChallengerWon, Timeout.
# - `challenge RECORD --force` challenges the honest reveal (account2); the defender answers every
#   move, the challenger picks with --force-pick until nothing is left to pick at the bottom,
#   the deadline passes, the defender claims: DefenderWon, Timeout.
# - settle: the liar is no winner, the target counts one lost reveal; withdrawals by hand:
#   account1 R + stake + account2's bond, account3 its bond back + the liar's stake, account2 and
#   account5 nothing. Every move is printed with its gas.
# usage: test_dispute.sh PATH/TO/xtalproof SHARED_DIR SOURCE_DIR
set -u
XP=$1
S=$2/data/cgcnn/sample-cifs
SRC=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
need_anvil "$SRC"
. "$(dirname "$0")/dispute_lib.sh"
trap '"$XP" devnet down >/dev/null 2>&1; rm -rf "$T"' EXIT
# prints each move's action lines: action, gas
moves() { jq -r 'select(.action) | "     move: \(.action) dispute \(.dispute) gas \(.gasUsed // "-")\(if .opened then " opened " + ([.opened[].step] | join(",")) else "" end)\(if .index then " index \(.index)" else "" end)"' "$T/out" 2>/dev/null; }

devnet_up
DISP=$(jq -r .contracts.Disputes.address "$DEP")
[ "$(jq -r .version "$DEP")" = 2 ] && [ "$(jq -r .contracts.StepVerifier.artifactKeccak "$DEP")" = "$("$XP" keccak "$SRC/contracts/bin/StepVerifier.bin" | cut -d' ' -f1)" ] &&
  [ "$(jq -r .contracts.Disputes.artifactKeccak "$DEP")" = "$("$XP" keccak "$SRC/contracts/bin/Disputes.bin" | cut -d' ' -f1)" ] &&
  ok "deployment file version 2 with StepVerifier and Disputes (artifact hashes of their bin files)" || bad "deployment: $(cat "$DEP")"
[ "$(call "$ROUNDS" 'disputes()' | tail -c 41)" = "$(echo "${DISP:2}" | tr 'A-F' 'a-f')" ] && ok "Disputes is rounds.disputes()" || bad "disputes(): $(call "$ROUNDS" 'disputes()')"
# a version-1 file is refused with what to do
jq '.version = 1' "$DEP" > "$T/v1.json"
expect "a version-1 deployment file is refused" 1 "$XP" round show 1 --deployment "$T/v1.json"
grep -q 'deploy again' "$T/err" && ok "  says: deploy again" || bad "  message: $(cat "$T/err")"

round_with_liar
expect "round show" 0 "$XP" round show "$RID"
jq -e --arg st $ST '.challengeWindow == "3600" and .moveWindow == "3600" and .bond == $st and .targets[0].disputesOpen == "0" and .targets[0].lost == "0"' "$T/out" >/dev/null &&
  ok "round show: challengeWindow, moveWindow, bond, disputesOpen, lost" || bad "show: $(cat "$T/out")"
expect "a move window of 60 s is refused" 1 "$XP" round open --property "band gap" --reward $R --tolerance 0.5 --commit-window 600 --move-window 60 "${O[@]}" "$SI"
grep -q 'MoveWindowOutOfRange("60","3600","604800")' "$T/err" && ok "  MoveWindowOutOfRange(60, 3600, 604800)" || bad "  reason: $(cat "$T/err")"

expect "round show" 0 "$XP" round show "$RID"
jq -e --arg f "$FAKE" --arg l "$LIE" '.targets[0].reveals[1].traceRoot == $f and .targets[0].reveals[1].valueQ == $l and .targets[0].reveals[1].lost == false' "$T/out" >/dev/null &&
  ok "the reveals hold the traceRoot and valueQ" || bad "reveals: $(jq -c .targets[0].reveals "$T/out")"

# the watchtower's check by hand: every reveal of the round re-run
expect "challenge --round (account3)" 0 "$XP" challenge --round "$RID" --structure "$SI" $(key 3)
cat "$T/out"
[ "$(jq -r 'select(.action == "check") | .verdict' "$T/out" | paste -sd,)" = honest,false ] && ok "the honest reveal checks honest, the liar's false" || bad "checks: $(cat "$T/out")"
jq -s -e 'map(select(.action == "check" and .reveal == 1))[0].differs == "valueQ differs; traceRoot differs"' "$T/out" >/dev/null && ok "  both its valueQ and traceRoot differ" || bad "differs"
D1=$(jq -r 'select(.action == "challenge") | .dispute' "$T/out")
[ "$D1" = 1 ] && [ "$(jq -r 'select(.action == "challenge") | .reveal' "$T/out")" = 1 ] && ok "dispute 1 against reveal 1 only" || bad "challenge: $(cat "$T/out")"
moves
expect "verify --rpc of the honest record" 0 "$XP" verify "$T/r1.json" --rpc "$URL"
grep -q '^PASS disputed .*never challenged' "$T/out" && ok "  disputed: never challenged (the liar's dispute is not its)" || bad "  verify: $(cat "$T/out")"
expect "challenge --round again: the journal answers" 0 "$XP" challenge --round "$RID" --structure "$SI" $(key 3)
[ "$(jq -r 'select(.action == "challenge") | .reused' "$T/out")" = true ] && ok "  nothing sent twice" || bad "  rerun: $(cat "$T/out")"
expect "the honest record, without --force: nothing to challenge" 0 "$XP" challenge "$T/r1.json" --structure "$SI" $(key 2)
[ "$(jq -r .verdict "$T/out")" = honest ] && ! grep -q '"challenge"' "$T/out" && ok "  honest, no challenge" || bad "  $(cat "$T/out")"
# the liar cannot answer
expect "the liar cannot respond" 1 "$XP" dispute respond "$D1" --structure "$SI" $(key 5)
grep -q 'traceRoot is not the one this model and structure give' "$T/err" && ok "  its traceRoot is no inference of the model" || bad "  message: $(cat "$T/err")"
expect "claim before the deadline is refused" 1 "$XP" dispute claim "$D1" $(key 3)
grep -q 'nothing to claim yet' "$T/err" && ok "  nothing to claim yet" || bad "  message: $(cat "$T/err")"

# a false challenge of the honest reveal, played to the end
expect "challenge RECORD --force (account2)" 0 "$XP" challenge "$T/r1.json" --structure "$SI" --force $(key 2)
D2=$(jq -r 'select(.action == "challenge") | .dispute' "$T/out")
[ "$D2" = 2 ] && ok "dispute 2 against the honest reveal" || bad "challenge: $(cat "$T/out")"
moves
n=0 last=
while [ $n -lt 20 ]; do
  n=$((n + 1))
  "$XP" dispute show "$D2" > "$T/show.json" 2>"$T/err" || { bad "dispute show: $(cat "$T/err")"; break; }
  turn=$(jq -r .turn "$T/show.json")
  [ "$(jq -r .outcome "$T/show.json")" = open ] || break
  if [ "$turn" = defender ]; then
    expect "defender move $n" 0 "$XP" dispute respond "$D2" --structure "$SI" $(key 1)
    moves
  else
    # without --force-pick the challenger finds nothing wrong in an honest trace and refuses
    expect "challenger move $n refused (no wrong candidate)" 1 "$XP" dispute respond "$D2" --structure "$SI" $(key 2)
    grep -q 'none of the .* candidates differs from the honest trace' "$T/err" && ok "  none of the candidates differs" || bad "  message: $(cat "$T/err")"
    "$XP" dispute respond "$D2" --structure "$SI" --force-pick $(key 2) > "$T/out" 2>"$T/err"
    rc=$?
    if [ $rc != 0 ]; then last=$(cat "$T/err"); break; fi
    ok "challenger move $n (--force-pick)"
    moves
  fi
done
echo "     the challenger stops: $last"
echo "$last" | grep -q 'none of the' && ok "the challenger finds no wrong candidate: every opening holds" || bad "end: $last"
jq -e '.outcome == "open" and .turn == "challenger" and .moves >= 6' "$T/show.json" >/dev/null && ok "dispute 2: $(jq -r .moves "$T/show.json") moves, the challenger's turn, nothing left to pick" || bad "state: $(cat "$T/show.json")"
jq -r '.events[] | "     event: \(.event) \(.index // "") \(if .holds != null then "holds \(.holds)" else "" end) gas \(.gasUsed)"' "$T/show.json"
[ "$(jq '[.events[] | select(.event == "StepOpened" and .holds == false)] | length' "$T/show.json")" = 0 ] && ok "no opening of the honest trace was false" || bad "a false opening"
expect "a concede by someone who is no party is refused" 1 "$XP" dispute concede "$D2" $(key 4)
grep -q 'NotAParty' "$T/err" && ok "  NotAParty" || bad "  reason: $(cat "$T/err")"

expect "verify --rpc while dispute 2 is open" 0 "$XP" verify "$T/r1.json" --rpc "$URL"
grep -q '^SKIP disputed .*not decided yet: dispute 2 open' "$T/out" && ok "  disputed: SKIP, dispute 2 open" || bad "  verify: $(cat "$T/out")"

# the deadlines pass: each winner claims
"$XP" devnet warp 3601 >/dev/null
expect "claim dispute 1 (timeout of the liar)" 0 "$XP" dispute claim "$D1" $(key 3)
moves
expect "claim dispute 2 (timeout of the challenger)" 0 "$XP" dispute claim "$D2" $(key 1)
moves
"$XP" dispute show "$D1" > "$T/s1.json" && "$XP" dispute show "$D2" > "$T/s2.json"
jq -e '.outcome == "challengerWon" and .reason == "timeout"' "$T/s1.json" >/dev/null && ok "dispute 1: challengerWon (timeout)" || bad "d1: $(cat "$T/s1.json")"
jq -e '.outcome == "defenderWon" and .reason == "timeout"' "$T/s2.json" >/dev/null && ok "dispute 2: defenderWon (timeout)" || bad "d2: $(cat "$T/s2.json")"
expect "verify --rpc after the dispute" 0 "$XP" verify "$T/r1.json" --rpc "$URL"
grep -q '^PASS disputed .*challenged 1 time, every one won or moot: dispute 2 defenderWon (timeout)' "$T/out" && ok "  disputed: PASS, dispute 2 defenderWon (timeout)" || bad "  verify: $(cat "$T/out")"
expect "claim again is refused" 1 "$XP" dispute claim "$D1" $(key 3)
grep -q 'is over' "$T/err" && ok "  the dispute is over" || bad "  $(cat "$T/err")"

# settle after the challenge window; the liar is no winner and pays no royalty
"$XP" devnet warp 3601 >/dev/null
expect "settle" 0 "$XP" round settle --round "$RID" "${O[@]}"
expect "round show" 0 "$XP" round show "$RID"
jq -e '.targets[0].status == "settled" and .targets[0].lost == "1" and .targets[0].disputesOpen == "0" and .targets[0].winners == "1" and .targets[0].reveals[1].lost == true and .targets[0].reveals[1].winner == false and .targets[0].reveals[0].winner == true' "$T/out" >/dev/null &&
  ok "settled: 1 winner (the honest), the liar's reveal lost" || bad "show: $(jq -c .targets "$T/out")"
# by hand: account1 wins the whole reward, its stake back and account2's bond (= stake);
# account3 gets its bond back and the liar's stake; account2 and account5 get nothing
declare -A want=([1]=$((R + 2 * ST)) [3]=$((2 * ST)))
for who in 1 3; do
  expect "withdraw account$who" 0 "$XP" round withdraw $(key $who)
  [ "$(jq -r .withdrawn "$T/out")" = "${want[$who]}" ] && ok "  account$who got ${want[$who]} wei" || bad "  account$who withdrew $(jq -r .withdrawn "$T/out"), wanted ${want[$who]}"
done
for who in 2 5; do
  expect "withdraw account$who" 0 "$XP" round withdraw $(key $who)
  [ "$(jq -r .withdrawn "$T/out")" = 0 ] && ok "  account$who got nothing" || bad "  account$who withdrew $(jq -r .withdrawn "$T/out")"
done
expect "devnet down" 0 "$XP" devnet down
finish
