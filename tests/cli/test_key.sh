#!/usr/bin/env bash
# The key commands of the program, end to end: exit codes, messages, files.
# usage: test_key.sh PATH/TO/xtalproof SHARED_DIR
set -u
umask 077
XP=$1
VEC=$2/vectors/keystore
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

# The vectors open to their stated address, printed in EIP-55 form.
for v in scrypt pbkdf2; do
  expect "key address $v" 0 "$XP" key address --keystore "$VEC/$v.json" --password-file "$VEC/$v.password"
  want=$(tr -d '\n' < "$VEC/$v.address")
  got=$(cat "$T/out")
  if [ "${got,,}" = "${want,,}" ] && [ "$got" != "${got,,}" ]; then ok "$v address $got"; else bad "$v address '$got' is not the checksummed form of $want"; fi
  printf 'not the password\n' > "$T/wrong"
  expect "key address $v, wrong password" 1 "$XP" key address --keystore "$VEC/$v.json" --password-file "$T/wrong"
  if grep -q 'wrong password' "$T/err" && [ "$(grep -vc "^xtalproof: warning:" "$T/err")" = 1 ] && [ ! -s "$T/out" ]; then ok "one sentence about the password"; else bad "wrong-password message: $(cat "$T/err")"; fi
done
[ "$(cat "$T/out")" = "" ] || bad "no address may be printed on a wrong password"

# key new: a 0600 file whose address key address reads back; never overwritten.
printf 'secret\n' > "$T/pw"
expect "key new" 0 "$XP" key new --keystore "$T/new.json" --password-file "$T/pw" --light-kdf
addr=$(cat "$T/out")
[ "$(stat -c %a "$T/new.json")" = 600 ] && ok "keystore mode 0600" || bad "keystore mode $(stat -c %a "$T/new.json")"
expect "key address of the new key" 0 "$XP" key address --keystore "$T/new.json" --password-file "$T/pw"
[ "$(cat "$T/out")" = "$addr" ] && ok "same address" || bad "address $(cat "$T/out") != $addr"
cp "$T/new.json" "$T/before.json"
expect "key new over an existing file" 1 "$XP" key new --keystore "$T/new.json" --password-file "$T/pw" --light-kdf
cmp -s "$T/new.json" "$T/before.json" && ok "existing keystore untouched" || bad "existing keystore changed"
grep -q 'already exists' "$T/err" && ok "says it exists" || bad "message: $(cat "$T/err")"

# key import: the vector's private key gives the vector's address.
expect "key import" 0 "$XP" key import --private-key-file "$VEC/scrypt.private-key" --keystore "$T/imp.json" --password-file "$T/pw" --light-kdf
[ "$(cat "$T/out")" = "0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b" ] && ok "imported address" || bad "imported address $(cat "$T/out")"
printf '0x%s\n' "$(cat "$VEC/scrypt.private-key")" > "$T/k0x"
expect "key import with 0x" 0 "$XP" key import --private-key-file "$T/k0x" --keystore "$T/imp2.json" --password-file "$T/pw" --light-kdf
printf 'zz\n' > "$T/badkey"
expect "key import of a bad key" 1 "$XP" key import --private-key-file "$T/badkey" --keystore "$T/imp3.json" --password-file "$T/pw"
[ ! -e "$T/imp3.json" ] && ok "no file for a bad key" || bad "a keystore was written for a bad key"
printf '%064d\n' 0 > "$T/zerokey"
expect "key import of the zero key" 1 "$XP" key import --private-key-file "$T/zerokey" --keystore "$T/imp4.json" --password-file "$T/pw"

# Malformed and missing keystores.
printf '{"version":3,' > "$T/broken.json"
expect "truncated keystore" 1 "$XP" key address --keystore "$T/broken.json" --password-file "$T/pw"
expect "missing keystore" 1 "$XP" key address --keystore "$T/nope.json" --password-file "$T/pw"

# Usage errors exit 2.
expect "no command" 2 "$XP"
expect "unknown command" 2 "$XP" frobnicate
grep -q '^xtalproof: unknown command "frobnicate"\. It is one of: version, key,.* bench, help (see xtalproof --help)$' "$T/err" &&
  ok "  lists the commands, suggests none" || bad "  message: $(cat "$T/err")"
# a typo gets the closest command (a swap, a missing or an extra letter); nothing far is suggested
for typo in predcit:predict verfy:verify datasets:dataset rounds:round "eth log:logs"; do
  expect "typo ${typo%%:*}" 2 "$XP" ${typo%%:*}
  grep -q "did you mean \"${typo#*:}\"?" "$T/err" && ok "  suggests ${typo#*:}" || bad "  message: $(cat "$T/err")"
done
expect "model without a subcommand" 2 "$XP" model
grep -q 'one of: import, register ' "$T/err" && ok "  names import and register" || bad "  message: $(cat "$T/err")"
expect "unknown option" 2 "$XP" key address --keystore x --bogus
expect "missing --keystore" 2 "$XP" key new --password-file "$T/pw"
expect "--help" 0 "$XP" --help
grep -q 'key address' "$T/out" && ok "help lists key address" || bad "help text"
expect "version" 0 "$XP" version

# keccak: the empty string and "abc" have published Keccak-256 digests.
expect "keccak --text ''" 0 "$XP" keccak --text ''
[ "$(cat "$T/out")" = 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470 ] && ok "keccak('')" || bad "keccak('') = $(cat "$T/out")"
printf 'abc' > "$T/abc"
expect "keccak FILE" 0 "$XP" keccak "$T/abc"
[ "$(cut -d' ' -f1 < "$T/out")" = 0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45 ] && ok "keccak(abc)" || bad "keccak(abc) = $(cat "$T/out")"

finish
