#!/usr/bin/env bash
# The gas each contract deployment and each kind of transaction used on a chain, read from the
# receipts of every transaction of every block: a Markdown table (contract.function, count,
# least, most and mean gasUsed). Transactions to the deployment's contracts are named by their
# ABI (contracts/abi) and selector; creations by the contract address they made; plain
# transfers and others by their selector.
# usage: gas-table.sh XTALPROOF RPC_URL DEPLOYMENT_FILE [FIRST_BLOCK]
# (for the main job's figures: KEEP=1 DEMO_WORK=DIR scripts/demo.sh BUILD, then this with the
# demo's chain, DIR/home/deployment-31337.json; docs/operations.md shows the result)
set -euo pipefail
XP=$1 URL=$2 DEP=$3 FIRST=${4:-1}
ABI=$(cd "$(dirname "$0")/../contracts/abi" && pwd)
command -v jq >/dev/null || { echo "gas-table: jq is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
[ -r "$DEP" ] || { echo "gas-table: cannot read the deployment file $DEP" >&2; exit 1; }
call() { # call METHOD PARAMS-JSON: the result
  local out
  out=$(curl -sS --max-time 20 -H 'Content-Type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL") ||
    { echo "gas-table: no answer from $URL" >&2; exit 1; }
  jq -ce 'if has("result") then .result else error(.error.message) end' <<<"$out" ||
    { echo "gas-table: $1 at $URL: $out" >&2; exit 1; }
}
# selector -> contract.function, for every contract of the deployment
names=$(mktemp)
trap 'rm -f "$names"' EXIT
jq -r '.contracts | to_entries[] | "\(.key) \(.value.address | ascii_downcase)"' "$DEP" |
while read -r name addr; do
  echo "addr $addr $name" >>"$names"
  jq -r 'def t: if (.type | startswith("tuple")) then "(" + ([.components[] | t] | join(",")) + ")" + (.type | ltrimstr("tuple")) else .type end;
         .[] | select(.type == "function") | "\(.name)(\([.inputs[] | t] | join(",")))"' "$ABI/$name.json" |
  while read -r sig; do
    echo "sel $addr $("$XP" eth keccak --text "$sig" | cut -c1-10) $name.${sig%%(*}" >>"$names"
  done
done
head=$(printf '%d' "$(call eth_blockNumber '[]' | tr -d '"')")
rows=$(mktemp)
trap 'rm -f "$names" "$rows"' EXIT
for ((b = FIRST; b <= head; b++)); do
  call eth_getBlockByNumber "[\"0x$(printf '%x' "$b")\",true]" | jq -c '.transactions[] | {hash, to, input}' |
  while read -r tx; do
    h=$(jq -r .hash <<<"$tx")
    to=$(jq -r '.to // "" | ascii_downcase' <<<"$tx")
    sel=$(jq -r '.input[0:10]' <<<"$tx")
    r=$(call eth_getTransactionReceipt "[\"$h\"]")
    gas=$(printf '%d' "$(jq -r .gasUsed <<<"$r")")
    if [ -z "$to" ]; then
      made=$(jq -r '.contractAddress // "" | ascii_downcase' <<<"$r")
      what=$(awk -v a="$made" '$1 == "addr" && $2 == a {print "deploy " $3}' "$names")
      what=${what:-deploy (another contract)}
    else
      what=$(awk -v a="$to" -v s="$sel" '$1 == "sel" && $2 == a && $3 == s {print $4}' "$names")
      [ -n "$what" ] || what=$( [ "$sel" = "0x" ] || [ "$sel" = "" ] && echo "transfer" || echo "$sel (to $to)")
    fi
    echo "$what	$gas" >>"$rows"
  done
done
echo "| transaction | count | gasUsed least | most | mean |"
echo "|---|---:|---:|---:|---:|"
sort -t'	' -k1,1 "$rows" | awk -F'\t' '
  { n[$1]++; s[$1] += $2; if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2; if ($2 > hi[$1]) hi[$1] = $2; order[$1] = 1 }
  END { for (k in order) printf "| %s | %d | %d | %d | %d |\n", k, n[k], lo[k], hi[k], s[k] / n[k] }' | sort
