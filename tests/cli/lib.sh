# Shared by the shell tests: counters, ok/bad, and expect NAME WANT_EXIT CMD... which runs CMD
# with its output in $T/out and $T/err (T is the test's temporary folder), and finish.
pass=0 fail=0
ok()  { pass=$((pass+1)); echo "ok   $*"; }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
expect() {
  local name=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  if [ "$got" = "$want" ]; then ok "$name (exit $got)"; else bad "$name: exit $got, wanted $want; out: $(cat "$T/out"); err: $(cat "$T/err")"; fi
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
# The chain tests' preconditions: anvil from the bootstrap's npm tools under SRC, and a free
# loopback port (into PORT); without them the test fails at once, saying what is missing.
need_anvil() {
  [ -x "$1/testnet/node_modules/.bin/anvil" ] && return 0
  echo "no anvil in $1/testnet/node_modules/.bin (run scripts/bootstrap.sh)"; echo "0 passed, 1 failed"; exit 1
}
# key_import HEX_KEY KEYSTORE: a keystore (light KDF) of a raw private key with xtalproof $X,
# its password in $T/pw
key_import() {
  [ -s "$T/pw" ] || { echo test-password > "$T/pw"; chmod 600 "$T/pw"; }
  echo "$1" > "$T/key.raw"
  "$X" key import --private-key-file "$T/key.raw" --keystore "$2" --password-file "$T/pw" --light-kdf >/dev/null
  rm -f "$T/key.raw"
}
need_port() {
  PORT=$(free_port) && return 0
  echo "no free port found"; echo "0 passed, 1 failed"; exit 1
}
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/free-port.sh"
# The HTTP API tests (curl, jq):
# req NAME WANT_STATUS CURL_ARGS...: the answer's body in $T/body, its status checked
req() {
  local name=$1 want=$2; shift 2
  local got
  got=$(curl -s -o "$T/body" -w '%{http_code}' "$@")
  if [ "$got" = "$want" ]; then ok "$name ($got)"; else bad "$name: status $got, wanted $want: $(head -c 300 "$T/body")"; fi
}
# bad4xx NAME WANT CURL_ARGS...: a refusal with a JSON error sentence
bad4xx() {
  local name=$1 want=$2; shift 2
  req "$name" "$want" "$@"
  jq -e '(.error | type == "string" and length > 0) and (keys == ["error"])' "$T/body" >/dev/null 2>&1 \
    && ok "$name: JSON error" || bad "$name: body $(head -c 300 "$T/body")"
}
