#!/usr/bin/env bash
# The main job, as far as the project goes today: make a key, read the outside keystore
# vectors back to their addresses, give the sample structures their symmetry-invariant hashes,
# and tell which files of one crystal are the same material.
# usage: demo.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
XP=${1:-build}/bin/xtalproof
SHARED=${XTALPROOF_SHARED:-../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "xtalproof version"
"$XP" version

step "a new key in a V3 keystore (cheap scrypt for the demo)"
printf 'demo password\n' > "$work/pw"
addr=$("$XP" key new --keystore "$work/demo-key.json" --password-file "$work/pw" --light-kdf)
echo "address: $addr   (file mode $(stat -c %a "$work/demo-key.json"))"
echo "read back: $("$XP" key address --keystore "$work/demo-key.json" --password-file "$work/pw")"

step "the ethereum/tests keystore vectors open to their stated address"
for v in scrypt pbkdf2; do
  printf '%-7s %s\n' "$v" "$("$XP" key address --keystore "$SHARED/vectors/keystore/$v.json" \
                              --password-file "$SHARED/vectors/keystore/$v.password")"
done
printf 'wrong\n' > "$work/wrong"
"$XP" key address --keystore "$SHARED/vectors/keystore/scrypt.json" --password-file "$work/wrong" \
  || echo "(exit $? on a wrong password, as it should)"

step "symhash of the sample structures (CIF; the same crystal written another way hashes equal)"
if [ -d "$SHARED/data/cgcnn/sample-cifs" ]; then
  "$XP" hash "$SHARED"/data/cgcnn/sample-cifs/*.cif | head -10
else
  echo "(no sample structures at $SHARED/data/cgcnn/sample-cifs)"
fi
B=$SHARED/data/structures/bench/spg-cubic-225
if [ -d "$B" ]; then
  step "one crystal (K2SnCl6) written six ways: one symhash; strained and displaced copies differ"
  for v in orig.vasp perm.vasp rot.vasp prim.vasp super.vasp cifsym.cif strain.vasp disp.vasp; do
    "$XP" hash "$B/$v"
  done
  step "same material? (loose match: the strained and displaced copies are, the swapped one is not)"
  for v in strain.vasp disp.vasp swap.vasp; do
    printf '%-12s ' "$v"; "$XP" same "$B/orig.vasp" "$B/$v" || true
  done
fi

export XTALPROOF_HOME=$work/home
if [ -d "$SHARED/data/cgcnn/sample-cifs" ]; then
  step "a dataset of the sample structures in the append-only Merkle log (LMDB)"
  "$XP" dataset create demo-samples --license CC-BY-4.0 --description "COD sample structures" \
    --keystore "$work/demo-key.json" --password-file "$work/pw"
  "$XP" register --dataset demo-samples "$SHARED"/data/cgcnn/sample-cifs
  "$XP" register --dataset demo-samples "$SHARED"/data/cgcnn/sample-cifs   # adds nothing
  "$XP" dataset show demo-samples
  first=$(ls "$SHARED"/data/cgcnn/sample-cifs/*.cif | head -1)
  step "an inclusion proof for $(basename "$first"), checked against the file"
  "$XP" proof --dataset demo-samples "$first" > "$work/proof.json"
  jq -c '{dataset, version, size, index, root, pathLength: (.path | length)}' "$work/proof.json"
  "$XP" verify-proof "$work/proof.json" --structure "$first"

  step "fixed-point CGCNN predictions (formation energy per atom, band gap)"
  for m in formation-energy-per-atom band-gap; do
    "$XP" predict --model "$m" --json $(ls "$SHARED"/data/cgcnn/sample-cifs/*.cif | head -3) |
      jq -r '"\(.file | split("/") | last)  \(.property) = \(.value) \(.unit)  traceRoot \(.traceRoot[0:18])…"'
  done
fi
echo
echo "demo: done"
