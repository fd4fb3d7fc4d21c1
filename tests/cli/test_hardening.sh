#!/usr/bin/env bash
# A standing probe of the file readers and of crash safety (issue 21):
# 1. a bad-input corpus made here: each reader's seed files (CIF, POSCAR, keystore, proof JSON,
#    prediction record, beamtime report, model file) with bytes flipped, truncated, numbers made
#    huge; and in place of each file a FIFO, a symlink loop, /dev/zero, a directory, a socket.
#    Every case must end within its timeout (no hang), exit 0, 1 or 2 (no crash), and a refusal
#    must name the file;
# 2. a walk through a folder with FIFOs and two symlink loops: each loop reported once, every
#    structure hashed once;
# 3. bounds: a cell of mostly vacuum and too many sites refused with the file's name;
# 4. secrets: warnings for shared keystores and password files, no wait on a silent standard
#    input, a wrong password or an edited keystore address refused by dataset create;
# 5. dataset create killed (SIGKILL) at random moments: afterwards every dataset either does
#    not exist or checks out with its owner proven, and creating it again works or says it
#    exists.
# usage: test_hardening.sh PATH/TO/xtalproof SOURCE_DIR   (XP_HARDEN_KILLS: kills, default 20)
set -u
XP=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
export XTALPROOF_HOME=$T/home
C=$SRC/tests/fuzz/corpus
CASE_TIMEOUT=15

# run_case NAME FILE CMD...: CMD (which reads FILE) must end in time, exit 0..2, and name FILE
# (its base name) when it fails
run_case() {
  local name=$1 file=$2; shift 2
  timeout -k 2 $CASE_TIMEOUT "$@" >"$T/out" 2>"$T/err" </dev/null
  local rc=$?
  local base; base=$(basename "$file")
  if [ $rc -ge 124 ]; then
    bad "$name: exit $rc (hang or crash); err: $(head -c 300 "$T/err")"
  elif [ $rc -gt 2 ]; then
    bad "$name: exit $rc; err: $(head -c 300 "$T/err")"
  elif [ $rc -ne 0 ] && ! grep -qF -- "$base" "$T/out" "$T/err" &&
       ! grep -q '^PASS record' "$T/out"; then # verify's verdict on a record it could read
    bad "$name: exit $rc without the file's name: $(head -c 300 "$T/err")"
  else
    cases=$((cases+1))
  fi
}

# mutants SEED OUTDIR: byte flips, truncations and huge numbers of SEED, named after it
mutants() {
  local seed=$1 out=$2 base ext size
  base=$(basename "$seed"); ext=${base##*.}; [ "$ext" = "$base" ] && ext=bin
  size=$(stat -c %s "$seed")
  mkdir -p "$out"
  for k in 1 2 3 4; do
    cp "$seed" "$out/flip$k-$base"
    for j in 1 2 3; do
      local at=$(( (RANDOM * 32768 + RANDOM) % (size > 0 ? size : 1) ))
      printf "\\x$(printf %02x $(( RANDOM % 256 )))" |
        dd of="$out/flip$k-$base" bs=1 seek=$at conv=notrunc status=none
    done
  done
  head -c $((size / 2)) "$seed" >"$out/half-$base"
  head -c 1 "$seed" >"$out/one-$base"
  : >"$out/empty-$base"
  sed -E '0,/[0-9]+\.[0-9]+/s//1e308/' "$seed" >"$out/huge-$base"
  sed -E '0,/[0-9]+/s//99999999999999999999999/' "$seed" >"$out/bigint-$base"
  sed -E 's/[0-9]+\.[0-9]+/nan/' "$seed" >"$out/nan-$base"
}

# specials NAME OUTDIR: in place of a file named NAME: a FIFO, a symlink loop, /dev/zero, a
# directory, a socket (when python3 can make one)
specials() {
  local name=$1 out=$2
  mkdir -p "$out"
  mkfifo "$out/fifo-$name"
  ln -s "loop-$name" "$out/loop-$name"
  ln -s /dev/zero "$out/zero-$name"
  mkdir "$out/dir-$name"
  /usr/bin/python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" \
    "$out/sock-$name" 2>/dev/null || true
}

# ---- the seeds, and what reads each kind ----
printf 'hardening-pw\n' >"$T/pw"; chmod 600 "$T/pw"
"$XP" key new --keystore "$T/owner.json" --password-file "$T/pw" --light-kdf >/dev/null 2>&1
cp "$SRC/models/band-gap.xpm" "$T/model.xpm"
NACL=$C/fuzz_cif/nacl-sym.cif
readers=(
  "cif:$C/fuzz_cif/nacl-sym.cif $C/fuzz_cif/solid-solution.cif"
  "poscar:$C/fuzz_poscar/nacl.vasp"
  "keystore:$T/owner.json"
  "proof:$C/fuzz_proof_json/inclusion.json $C/fuzz_proof_json/consistency.json"
  "record:$C/fuzz_record/revealed.json"
  "report:$C/fuzz_report/report.json"
  "model:$T/model.xpm"
)
read_with() { # KIND FILE: the command that reads FILE as KIND
  case $1 in
    cif|poscar) echo "$XP hash $2" ;;
    keystore) echo "$XP key address --keystore $2 --password-file $T/pw" ;;
    proof) echo "$XP verify-proof $2" ;;
    record) echo "$XP verify $2" ;;
    report) echo "$XP oracle sign --report $2 --keystore $T/owner.json --password-file $T/pw --out $T/sig.json" ;;
    model) echo "$XP predict --model $2 $NACL" ;;
  esac
}
cases=0
for r in "${readers[@]}"; do
  kind=${r%%:*}
  n=0
  for seed in ${r#*:}; do
    n=$((n+1))
    d=$T/corpus/$kind$n
    mutants "$seed" "$d"
    specials "$(basename "$seed")" "$d"
    for f in "$d"/*; do
      # shellcheck disable=SC2046
      run_case "$kind $(basename "$f")" "$f" $(read_with "$kind" "$f")
    done
  done
done
total=$(find "$T/corpus" -mindepth 2 -maxdepth 2 | wc -l)
[ "$cases" = "$total" ] && ok "bad-input corpus: $cases cases, no hang, no crash, every refusal names its file" \
  || bad "bad-input corpus: $cases of $total cases passed"
if [ "$(id -u)" != 0 ]; then # root reads every file whatever its mode
  cp "$NACL" "$T/unreadable.cif"; chmod 000 "$T/unreadable.cif"
  expect "an unreadable file" 1 "$XP" hash "$T/unreadable.cif"
  grep -q "unreadable.cif" "$T/err" && ok "its name" || bad "no name: $(cat "$T/err")"
fi

# ---- the walk: special files skipped, each loop reported once, each structure once ----
W=$T/walk; mkdir -p "$W/a/b"
cp "$NACL" "$W/a/one.cif"; cp "$C/fuzz_poscar/nacl.vasp" "$W/a/b/two.vasp"
mkfifo "$W/a/pipe.cif"; ln -s .. "$W/a/b/up"; ln -s ../.. "$W/a/b/top"
expect "hash of a folder with a FIFO and two loops" 0 timeout 20 "$XP" hash "$W"
[ "$(grep -c 'nacl\|one.cif\|two.vasp' "$T/out")" = 2 ] && ok "each structure hashed once" \
  || bad "hashed: $(cat "$T/out")"
[ "$(grep -c 'a loop' "$T/err")" = 2 ] && ok "two loops, each reported once" \
  || bad "loop warnings: $(cat "$T/err")"
grep -q "pipe.cif is a FIFO" "$T/err" && ok "the FIFO in the walk named" || bad "$(cat "$T/err")"
mkfifo "$T/named.cif"
expect "a FIFO named on the command line" 1 timeout 10 "$XP" hash "$T/named.cif"
grep -q "named.cif is a FIFO" "$T/err" && ok "refused with a sentence" || bad "$(cat "$T/err")"
expect "register of a FIFO" 1 timeout 10 "$XP" register --dataset none "$T/named.cif"

# ---- bounds ----
sed 's/_cell_length_a .*/_cell_length_a 10000/' "$NACL" >"$T/vacuum.cif"
expect "a cell of mostly vacuum" 1 "$XP" hash "$T/vacuum.cif"
grep -q "vacuum.cif: .*per site is over the limit" "$T/err" && ok "the limit and the file named" \
  || bad "$(cat "$T/err")"
awk 'BEGIN { print "data_many"; print "_cell_length_a 100"; print "_cell_length_b 100";
  print "_cell_length_c 100"; print "_cell_angle_alpha 90"; print "_cell_angle_beta 90";
  print "_cell_angle_gamma 90"; print "loop_"; print "_atom_site_label";
  print "_atom_site_type_symbol"; print "_atom_site_fract_x"; print "_atom_site_fract_y";
  print "_atom_site_fract_z"; for (i = 0; i < 20001; i++) printf "Na%d Na %.6f %.6f %.6f\n",
  i, (i % 28) / 28, (int(i / 28) % 28) / 28, int(i / 784) / 28 }' >"$T/many.cif"
expect "20,001 sites" 1 timeout 30 "$XP" hash "$T/many.cif"
grep -q "many.cif: data_many: more than 20000 sites" "$T/err" && ok "over the limit of sites" \
  || bad "$(cat "$T/err")"

# ---- secrets ----
cp "$T/owner.json" "$T/shared.json"; chmod 644 "$T/shared.json"
cp "$T/pw" "$T/shared-pw"; chmod 644 "$T/shared-pw"
expect "a shared keystore and password file" 0 "$XP" key address --keystore "$T/shared.json" --password-file "$T/shared-pw"
grep -q "keystore .*shared.json can be read" "$T/err" && grep -q "password file .*shared-pw can be read" "$T/err" \
  && ok "both warned of" || bad "$(cat "$T/err")"
start=$(date +%s)
timeout 6 "$XP" key address --keystore "$T/owner.json" >"$T/out" 2>"$T/err" < <(sleep 8)
rc=$?
[ $rc = 1 ] && grep -q "no password" "$T/err" && [ $(( $(date +%s) - start )) -lt 5 ] \
  && ok "a silent standard input: an error, not a wait" || bad "exit $rc: $(cat "$T/err")"
: >"$T/empty-pw"; chmod 600 "$T/empty-pw"
expect "key new with an empty password" 0 "$XP" key new --keystore "$T/empty.json" --password-file "$T/empty-pw" --light-kdf
grep -q "password is empty" "$T/err" && ok "warned" || bad "$(cat "$T/err")"
printf 'wrong\n' >"$T/wrong-pw"; chmod 600 "$T/wrong-pw"
expect "dataset create with a wrong password" 1 "$XP" dataset create w1 --license MIT --keystore "$T/owner.json" --password-file "$T/wrong-pw"
expect "dataset create without a password" 1 "$XP" dataset create w2 --license MIT --keystore "$T/owner.json"
jq '.address = "1111111111111111111111111111111111111111"' "$T/owner.json" >"$T/edited.json"; chmod 600 "$T/edited.json"
expect "dataset create with an edited address" 1 "$XP" dataset create w3 --license MIT --keystore "$T/edited.json" --password-file "$T/pw"
expect "no dataset made by those" 0 "$XP" dataset list
grep -q "w[123]" "$T/out" && bad "made: $(cat "$T/out")" || ok "none made"

# ---- dataset create killed at random moments ----
owner=$("$XP" key address --keystore "$T/owner.json" --password-file "$T/pw" 2>/dev/null)
kills=${XP_HARDEN_KILLS:-20}
for i in $(seq 1 "$kills"); do
  "$XP" dataset create "k$i" --license MIT --keystore "$T/owner.json" --password-file "$T/pw" >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
good=0
for i in $(seq 1 "$kills"); do
  if "$XP" dataset show "k$i" --json >"$T/ds.json" 2>/dev/null; then
    if jq -e --arg o "$owner" '.owner == $o and .ownerProven == true' "$T/ds.json" >/dev/null &&
       "$XP" dataset check "k$i" >/dev/null 2>&1; then good=$((good+1)); fi
    "$XP" dataset create "k$i" --license MIT >/dev/null 2>"$T/err"
    grep -q "exists already" "$T/err" || bad "k$i: $(cat "$T/err")"
  else
    "$XP" dataset create "k$i" --license MIT --keystore "$T/owner.json" --password-file "$T/pw" >/dev/null 2>&1 \
      && good=$((good+1))
  fi
done
[ "$good" = "$kills" ] && ok "$kills kills of dataset create: each dataset whole or absent" \
  || bad "only $good of $kills datasets whole after the kills"
expect "the store checks out after the kills" 0 "$XP" dataset check k1
finish
