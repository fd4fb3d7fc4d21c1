#!/usr/bin/env bash
# The messages a new user meets say what to do next (issue 28, point 3), each checked by its
# text: subcommand lists from the help table, "did you mean" for a mistyped command, subcommand
# or option, required options said before a password is asked (exit 2), files in a folder that
# are not structures skipped and counted, the node's answers to `curl -d` and `curl -F` bodies,
# a busy port by its number, a model name suggested; on a devnet: royalties of an unknown model,
# prove --model-id of an unregistered model or another id refused before anything is signed.
# (An unfunded node key's single log line is checked in cli_node_chain.)
# usage: test_messages.sh PATH/TO/xtalproof SHARED_DIR SOURCE_DIR
set -u
XP=$1
CIF=$2/data/cgcnn/sample-cifs/1000041.cif
SRC=$3
T=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
export XTALPROOF_HOME=$T/home XTALPROOF_TESTNET=$SRC/testnet XTALPROOF_CONTRACTS=$SRC/contracts
NODE_PID=
cleanup() { [ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null; "$XP" devnet down >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$XTALPROOF_HOME"
# says TEXT: the last command's standard error holds TEXT (fixed string)
says() { if grep -qF -- "$1" "$T/err"; then ok "  says: $1"; else bad "  does not say \"$1\": $(cat "$T/err")"; fi; }

# ---- subcommands and typos ----------------------------------------------------------------------
expect "model (no subcommand)" 2 "$XP" model
says "model: expected a subcommand, one of: import, register"
expect "eth (no subcommand)" 2 "$XP" eth
says "send, balance, logs"
expect "a mistyped command" 2 "$XP" predcit
says 'unknown command "predcit"; did you mean "predict"?'
expect "a mistyped subcommand" 2 "$XP" model regster
says 'did you mean "register"?'
expect "a mistyped option" 2 "$XP" predict --modle band-gap "$CIF"
says "predict: unknown option --modle; did you mean --model?"
expect "an option far from every other" 2 "$XP" hash --frobnicate "$CIF"
says '`xtalproof hash --help` lists its options'

# ---- required options before a password: exit 2, no prompt, no wait ---------------------------
for c in "round open" "round commit" "prove" "anchor" "model register band-gap" "oracle sign" "oracle submit" \
  "key new" "deploy" "dispute respond" "challenge"; do
  read -ra W <<<"$c"
  t0=$SECONDS
  expect "$c without its options" 2 "$XP" "${W[@]}" </dev/null
  ! grep -qE "no password|Password:" "$T/err" && [ $((SECONDS - t0)) -lt 2 ] && ok "  said before any password was asked" ||
    bad "  $(cat "$T/err")"
done

# ---- a folder with files that are not structures ------------------------------------------------
mkdir -p "$T/f"
cp "$CIF" "$T/f/a.cif"
printf 'Some notes\nabout the data\n' >"$T/f/README"
printf 'formula,gap\nSi,1.12\n' >"$T/f/gaps.csv"
expect "hash of a folder with a README and a CSV" 0 "$XP" hash "$T/f"
says "skipped 2 files found in the folders given that are not CIF or POSCAR"
[ "$(grep -c "^0x" "$T/out")" = 1 ] && ok "  the structure hashed" || bad "  out: $(cat "$T/out")"
! grep -q "scale factor" "$T/err" && ok "  no \"scale factor\" error" || bad "  $(cat "$T/err")"
expect "hash of the README named" 1 "$XP" hash "$T/f/README"
says "README: not a CIF or POSCAR file"
"$XP" dataset create notes --license CC0-1.0 >/dev/null 2>&1
expect "register of the folder" 0 "$XP" register --dataset notes "$T/f"
grep -q "added 1, duplicates 0, failed 0, skipped 2 (not CIF or POSCAR)" "$T/out" &&
  ok "  the summary counts 2 skipped" || bad "  summary: $(cat "$T/out")"

# ---- models ---------------------------------------------------------------------------------------
expect "--model with the file name" 0 "$XP" predict --model band-gap.xpm "$CIF"
expect "--model of an unknown name" 1 "$XP" predict --model bandgap "$CIF"
says 'did you mean --model band-gap?'
says '`xtalproof models` lists them'

# ---- the node: a busy port, curl -d and curl -F bodies ------------------------------------------
/usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T/busy" &
BUSY_PID=$!
for _ in $(seq 1 50); do [ -s "$T/busy" ] && break; sleep 0.1; done
BP=$(cat "$T/busy")
expect "node on a busy port" 1 "$XP" node --port "$BP"
says "port $BP on 127.0.0.1 is in use by another program"
kill "$BUSY_PID" 2>/dev/null
"$XP" node --port 0 --port-file "$T/port" >"$T/node.out" 2>"$T/node.err" &
NODE_PID=$!
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
U=http://127.0.0.1:$(cat "$T/port")
AUTH=(-H "Authorization: Bearer $(cat "$XTALPROOF_HOME/api-token")")
curl -s -o /dev/null "${AUTH[@]}" -H 'content-type: application/json' --data '{"name":"web","license":"CC0-1.0"}' "$U/v1/datasets"
code=$(curl -s -o "$T/err" -w '%{http_code}' "${AUTH[@]}" -d @"$CIF" "$U/v1/datasets/web/structures?format=cif")
[ "$code" = 400 ] && ok "curl -d (line breaks stripped): 400" || bad "curl -d: $code"
says "curl -d strips them; send it with curl --data-binary @FILE"
code=$(curl -s -o "$T/err" -w '%{http_code}' "${AUTH[@]}" -F "file=@$CIF" "$U/v1/datasets/web/structures")
[ "$code" = 400 ] && ok "curl -F (multipart): 400" || bad "curl -F: $code"
says "a multipart form (curl -F) is not read: send the file itself as the body (curl --data-binary @FILE)"
code=$(curl -s -o "$T/out" -w '%{http_code}' "${AUTH[@]}" --data-binary @"$CIF" "$U/v1/datasets/web/structures?format=cif")
[ "$code" = 200 ] || [ "$code" = 201 ] && ok "  --data-binary @FILE, as said, is taken ($code)" || bad "--data-binary: $code $(cat "$T/out")"
kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null; NODE_PID=

# ---- on a devnet: royalties of an unknown model, prove --model-id checked --------------------
need_anvil "$SRC"
need_port
for try in 1 2 3; do
  "$XP" devnet up --port "$PORT" >"$T/out" 2>"$T/err" && break
  PORT=$(free_port)
done
"$XP" devnet status >/dev/null && ok "devnet up" || { bad "devnet up: $(cat "$T/err")"; finish; exit 1; }
K=$XTALPROOF_HOME/devnet/keys/account0.json PW=$XTALPROOF_HOME/devnet/password
expect "round royalties of a model never registered" 1 "$XP" round royalties --model-id 7 --keystore "$K" --password-file "$PW"
says "no model 7 is registered in this deployment's ModelRegistry (it holds 0)"
expect "prove --model-id of an unregistered model" 1 "$XP" prove --model band-gap --model-id 2 --keystore "$K" --password-file "$PW" --out "$T/r.json" "$CIF"
says "the model band-gap (modelHash"
says "is not registered in the ModelRegistry of"
says "which holds no model: register it first (\`xtalproof model register band-gap"
[ ! -e "$T/r.json" ] && ok "  nothing signed" || bad "  a record was written"
expect "model register band-gap" 0 "$XP" model register band-gap --keystore "$K" --password-file "$PW"
expect "prove --model-id of another id" 1 "$XP" prove --model band-gap --model-id 2 --keystore "$K" --password-file "$PW" "$CIF"
says "--model-id 2 is not the model band-gap, which is registered as model 1"
says "(it holds ids 1 to 1): give --model-id 1"
expect "prove --model-id of the registered id" 0 "$XP" prove --model band-gap --model-id 1 --keystore "$K" --password-file "$PW" "$CIF"
finish
