#!/usr/bin/env bash
# Every command has its help (CMD --help, CMD -h, help CMD: the same text, exit 0, a usage line,
# options and an example), and the options the help lists are exactly those the parser accepts
# (XTALPROOF_LIST_OPTIONS makes the parser print them and exit); an option of a sibling
# subcommand is refused; the man page and bash completion are written from the same table.
# The command list below is written by hand from the dispatch in node/main.c, not taken from
# the help table, so a command the table forgets is caught.
# usage: test_help.sh PATH/TO/xtalproof
set -u
XP=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
export XTALPROOF_HOME=$T/home

COMMANDS=("version" "keccak" "key new" "key address" "key import" "hash" "same"
  "dataset create" "dataset list" "dataset show" "dataset check" "dataset rehash" "register"
  "proof" "verify-proof" "consistency" "model import" "model register" "models" "predict"
  "prove" "verify" "trace open" "predictions list" "predictions show" "predictions import"
  "eth keccak" "eth rlp-decode" "eth tx-decode" "eth abi-encode" "eth send" "eth balance"
  "eth logs" "node" "node state" "deploy" "deploy show" "devnet" "anchor" "round open"
  "round show" "round commit" "round reveal" "round settle" "round royalties" "round withdraw"
  "oracle sign" "oracle submit" "challenge" "dispute show" "dispute claim" "dispute concede"
  "dispute respond" "bench hash" "bench hash-scale" "bench merkle" "bench dedup" "bench infer"
  "bench open" "bench verify" "bench dispute" "bench tx" "bench chain" "bench node-load" "help")
# the words that reach each command's parser (devnet's subcommand is a positional word)
words() { case "$1" in devnet) echo "devnet up" ;; *) echo "$1" ;; esac; }

# the table holds exactly these commands
printf '%s\n' "${COMMANDS[@]}" | sort > "$T/want"
"$XP" help --list | sort > "$T/got"
diff "$T/want" "$T/got" > "$T/diff" && ok "help --list: the ${#COMMANDS[@]} commands" || bad "help --list differs: $(cat "$T/diff")"

for c in "${COMMANDS[@]}"; do
  read -r -a w <<< "$(words "$c")"
  "$XP" "${w[@]}" --help > "$T/a" 2>"$T/err"; ra=$?
  "$XP" "${w[@]}" -h > "$T/b" 2>&1; rb=$?
  "$XP" help "${w[@]}" > "$T/c" 2>&1; rc=$?
  if [ "$ra$rb$rc" != 000 ]; then bad "$c: exits $ra $rb $rc: $(cat "$T/err")"; continue; fi
  cmp -s "$T/a" "$T/b" && cmp -s "$T/a" "$T/c" || { bad "$c: --help, -h and help differ"; continue; }
  head -1 "$T/a" | grep -q "^usage: xtalproof $c\b" && grep -q '^example:' "$T/a" &&
    grep -q "^  xtalproof ${c%% *}" "$T/a" || { bad "$c: no usage line or example: $(head -3 "$T/a")"; continue; }
  # the options listed by the help against those the parser accepts
  sed -n '/^options:/,/^$/p' "$T/a" | grep -o '^  --[a-z0-9-]*' | sed 's/^  //' | sort > "$T/listed"
  if [ "$c" = version ] || [ "$c" = help ]; then
    [ -s "$T/listed" ] && bad "$c lists options" || ok "$c: help, no options"
    continue
  fi
  out=$(XTALPROOF_LIST_OPTIONS=1 "$XP" "${w[@]}" 2>&1 < /dev/null)
  name=${out%%:*}
  [ "$name" = "$(words "$c" | sed 's/ up$//')" ] || { bad "$c: the parser says it is \"$name\" ($out)"; continue; }
  tr ' ' '\n' <<< "${out#*:}" | grep . | sort > "$T/accepted"
  if diff "$T/listed" "$T/accepted" > "$T/diff"; then
    ok "$c: help, $(wc -l < "$T/listed") options, all accepted and all listed"
  else
    bad "$c: listed (<) vs accepted (>): $(tr '\n' ' ' < "$T/diff")"
  fi
done

# the top-level list names every command
expect "--help" 0 "$XP" --help
missing=""
for c in "${COMMANDS[@]}"; do grep -q "^  $c\b" "$T/out" || missing="$missing [$c]"; done
[ -z "$missing" ] && ok "--help lists every command by group" || bad "--help misses$missing"
grep -q '^Rounds, results and disputes:' "$T/out" && ok "groups" || bad "no group headings"
expect "help round" 0 "$XP" help round
grep -q '^  round settle ' "$T/out" && ok "help round: the round subcommands" || bad "$(cat "$T/out")"
expect "help of an unknown command" 2 "$XP" help frobnicate
grep -q 'no command "frobnicate"' "$T/err" && ok "names it" || bad "$(cat "$T/err")"

# an option of a sibling subcommand is refused, not ignored
expect "round show --bond" 2 "$XP" round show 1 --bond 5
grep -q 'option --bond does not apply to round show' "$T/err" && ok "says it does not apply" || bad "$(cat "$T/err")"
expect "predictions show --limit" 2 "$XP" predictions show 0x00 --limit 3
expect "-h after -- is a file's name" 1 "$XP" keccak -- -h
grep -q 'cannot open -h' "$T/err" && ok "read as a file" || bad "$(cat "$T/err")"

# older spellings stay accepted as aliases of the option's one name
P=$(dirname "$0")/../vectors/spglib/data/tetragonal/POSCAR-142
expect "same --angle-tolerance" 0 "$XP" same --json --angle-tolerance 4 "$P" "$P"
cp "$T/out" "$T/same1"
expect "same --angle-tol (alias)" 0 "$XP" same --json --angle-tol 4 "$P" "$P"
cmp -s "$T/out" "$T/same1" && ok "the alias gives the same answer" || bad "alias differs"
expect "dataset create --licence (alias)" 0 "$XP" dataset create aliased --licence CC0-1.0 --description x
expect "dataset show" 0 "$XP" dataset show aliased --json
grep -q 'CC0-1.0' "$T/out" && ok "the licence was taken" || bad "$(cat "$T/out")"
# the first block of logs: --from-block as verify spells it is eth logs' --from; only there
expect "eth logs --from-block (alias)" 2 "$XP" eth logs --rpc http://127.0.0.1:9 --from-block x
grep -q 'eth logs: --from must be a non-negative integer' "$T/err" && ok "read as --from" || bad "$(cat "$T/err")"
expect "consistency --from-block" 2 "$XP" consistency --dataset aliased --from-block 1 --to 1
grep -q 'unknown option --from-block' "$T/err" && ok "an alias of eth logs only" || bad "$(cat "$T/err")"

# the man page and the completion
expect "help --man" 0 "$XP" help --man
head -1 "$T/out" | grep -q '^\.TH XTALPROOF 1' && ok "man page header" || bad "$(head -1 "$T/out")"
n=$(grep -c '^\.B xtalproof ' "$T/out")
[ "$n" = "${#COMMANDS[@]}" ] && ok "man page: $n commands" || bad "man page: $n commands"
if command -v groff >/dev/null; then
  groff -k -man -Tutf8 -ww -z "$T/out" 2> "$T/gerr" && [ ! -s "$T/gerr" ] && ok "groff reads it without a warning" || bad "groff: $(head -5 "$T/gerr")"
fi
expect "help --completion" 0 "$XP" help --completion
bash -n "$T/out" && ok "completion parses" || bad "completion does not parse"
complete_words() { # complete_words WORD... : what the completion offers for the last word
  ( . "$T/out"; COMP_WORDS=(xtalproof "$@"); COMP_CWORD=$#; _xtalproof; echo "${COMPREPLY[*]}" )
}
[ "$(complete_words rou)" = round ] && ok "completes a command" || bad "rou → $(complete_words rou)"
[ "$(complete_words round se)" = settle ] && ok "completes a subcommand" || bad "round se → $(complete_words round se)"
[ "$(complete_words round open --royal)" = --royalty-bps ] && ok "completes an option" || bad "--royal → $(complete_words round open --royal)"
[ "$(complete_words hash --ang)" = --angle-tolerance ] && ok "completes a one-word command's option" || bad "hash --ang → $(complete_words hash --ang)"
finish
