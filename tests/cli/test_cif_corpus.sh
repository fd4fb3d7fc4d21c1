#!/usr/bin/env bash
# The CIF corpus (tests/data/cif-corpus: real files from COD, AMCSD, IZA and other projects'
# test suites) read by `xtalproof hash --json`, one process per source folder, and compared
# with the values pymatgen gave (expected.json): structures per file, reduced formula, atom
# count of ordered structures; files pymatgen refuses for over-full sites refused too; every
# error naming its file. Documented differences (EXCEPTIONS) are skipped with their reason.
# First the comparison itself is shown to catch a wrong formula and atom count, and to skip a
# listed file, on a one-file corpus.
# usage: test_cif_corpus.sh PATH/TO/xtalproof SOURCE_DIR
set -u
XP=$1
SRC=$2
CHECK=$SRC/tests/tools/cif_corpus_check.py
CORPUS=$SRC/tests/data/cif-corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 is needed"; exit 1; }

# a one-file corpus whose expected values are wrong on purpose: NaCl said to be Na2Cl, 9 atoms
mkdir -p "$T/c/one"
cp "$CORPUS/pyobjcryst/NaCl.cif" "$T/c/one/NaCl.cif"
python3 - "$CORPUS/expected.json" "$T/c/expected.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["files"]["pyobjcryst/NaCl.cif"]
e["pymatgen"]["blocks"][0].update(elements={"Cl": 1.0, "Na": 2.0}, reduced_formula="Na2Cl", natoms=9)
json.dump({"files": {"one/NaCl.cif": e}}, open(sys.argv[2], "w"))
PY
expect "a wrong formula is a difference" 1 python3 "$CHECK" "$XP" "$T/c"
grep -q '^DIFF  one/NaCl.cif \[formula\]: block .*pymatgen Na2Cl' "$T/out" && ok "  the file and the formulas are named" || bad "  output: $(cat "$T/out")"
python3 - "$T/c/expected.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["files"]["one/NaCl.cif"]["pymatgen"]["blocks"][0].update(elements={"Cl": 1.0, "Na": 1.0})
json.dump(d, open(sys.argv[1], "w"))
PY
expect "a wrong atom count is a difference" 1 python3 "$CHECK" "$XP" "$T/c"
grep -q '\[atom-count\]: .*pymatgen 9 atoms, xtalproof 8' "$T/out" && ok "  both counts given" || bad "  output: $(cat "$T/out")"
printf 'one/NaCl.cif\tatom-count\tA test of the exceptions list.\n' > "$T/c/EXCEPTIONS"
expect "a listed difference is skipped" 0 python3 "$CHECK" "$XP" "$T/c"
grep -q '^skip  one/NaCl.cif \[atom-count\]: A test of the exceptions list.' "$T/out" &&
  grep -q 'documented exceptions 1, .*undocumented differences 0$' "$T/out" && ok "  with its reason" || bad "  output: $(cat "$T/out")"

# the corpus, bounded in time
timeout 100 python3 "$CHECK" "$XP" "$CORPUS" > "$T/corpus.out"; rc=$?
cat "$T/corpus.out"
case $rc in
  0) ok "the corpus agrees with pymatgen but for the documented exceptions";;
  124) bad "the corpus check ran over 100 s";;
  *) bad "the corpus check: exit $rc";;
esac
finish
