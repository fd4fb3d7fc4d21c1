#!/usr/bin/env bash
# The library's modules depend in one direction only (docs/architecture.md, "Layers"):
#   core < crypto < {xtal, merkle, eth} < {model, store} < prover < chain < {daemon, api} < node
# A module may use its own headers and those of lower layers, never a sibling's or a higher one's.
# Checked two ways: every #include "xtalproof/X.h" of every source file, and, given the built
# static library, every symbol an object file takes from another module (nm), so that a call
# without an include (a local prototype) is caught too. Exit 1 with one line per violation.
# usage: check-layers.sh SOURCE_DIR [OBJECT_DIR] (OBJECT_DIR: CMake's objects of the library,
# build/CMakeFiles/xtalproof_objs.dir)
set -u
src=$1 objs=${2:-}
cd "$src"

# the layer of each module, and the module of each public header
# (each sets REPLY: no subshell per lookup)
layer() {
  case $1 in
    core) REPLY=0 ;; crypto) REPLY=1 ;; xtal|merkle|eth) REPLY=2 ;; model|store) REPLY=3 ;;
    prover) REPLY=4 ;; chain) REPLY=5 ;; daemon|api) REPLY=6 ;; node) REPLY=7 ;; *) REPLY=99 ;;
  esac
}
header_module() {
  case $1 in
    error.h|bytes.h|walk.h|cuda.h|home.h|limits.h) REPLY=core ;;
    keccak.h|keys.h|keystore.h) REPLY=crypto ;;
    structure.h|reader.h|symhash.h|match.h) REPLY=xtal ;;
    merkle.h) REPLY=merkle ;;
    eth.h|rlp.h|tx.h|abi.h|rpc.h|eth_send.h) REPLY=eth ;;
    model.h|featurize.h|infer.h|steps.h) REPLY=model ;;
    store.h|proofdoc.h|nodestate.h|secrets.h|predtable.h|register.h|rehash.h) REPLY=store ;;
    prover.h|predictions.h) REPLY=prover ;;
    chain.h) REPLY=chain ;;
    daemon.h) REPLY=daemon ;;
    api.h) REPLY=api ;;
    *) REPLY=unknown ;;
  esac
}
file_module() {
  case $1 in
    src/core/*) REPLY=core ;; src/crypto/*) REPLY=crypto ;; src/xtal/*) REPLY=xtal ;;
    src/merkle/*) REPLY=merkle ;; src/eth/*) REPLY=eth ;; src/model/*|kernels/*) REPLY=model ;;
    src/store/*) REPLY=store ;; prover/*) REPLY=prover ;; src/chain/*) REPLY=chain ;;
    src/daemon/*) REPLY=daemon ;; src/api/*) REPLY=api ;; node/*) REPLY=node ;; include/xtalproof/*) header_module "${1##*/}" ;;
    *) REPLY=unknown ;;
  esac
}
allowed() { # may module $1 use module $2?
  [ "$1" = "$2" ] && return 0
  local a b
  layer "$1"; a=$REPLY
  layer "$2"; b=$REPLY
  [ "$b" -lt "$a" ]
}

bad=0
# file, module, header, header's module: one pass
while read -r f h; do
  file_module "$f"; m=$REPLY
  header_module "$h"; hm=$REPLY
  if [ "$hm" = unknown ]; then echo "layers: $f includes $h, a header of no known module"; bad=1
  elif ! allowed "$m" "$hm"; then echo "layers: $f ($m) includes xtalproof/$h ($hm)"; bad=1; fi
done < <(git ls-files --cached --others --exclude-standard 'src/*.[ch]' 'prover/*.[ch]' \
           'node/*.[ch]' 'kernels/*' 'include/xtalproof/*.h' | while read -r f; do [ -f "$f" ] && echo "$f"; done |
         xargs grep -o '#include "xtalproof/[a-z_0-9]*\.h"' | sed 's|:#include "xtalproof/| |; s|"$||')

if [ -n "$objs" ]; then
  # the objects of the library keep their sources' paths under CMake's object folder
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$objs" && find . -name '*.o' | sed 's|^\./||') | while read -r o; do
    file_module "${o%.o}"; m=$REPLY
    nm --defined-only "$objs/$o" 2>/dev/null | awk -v m="$m" '$2 ~ /^[TDBR]$/ && $3 ~ /^xp_/ {print $3, m}' >> "$tmp/defs"
    nm --undefined-only "$objs/$o" 2>/dev/null | awk -v m="$m" -v o="${o%.o}" '$2 ~ /^xp_/ {print $2, m, o}' >> "$tmp/uses"
  done
  sort -u "$tmp/defs" > "$tmp/defs.s"
  sort "$tmp/uses" > "$tmp/uses.s"
  # symbol, user's module, user's file, definer's module
  join "$tmp/uses.s" "$tmp/defs.s" > "$tmp/joined"
  while read -r sym um file dm; do
    if ! allowed "$um" "$dm"; then echo "layers: $file ($um) calls $sym ($dm)"; bad=1; fi
  done < "$tmp/joined"
fi
[ "$bad" = 0 ] && echo "layers: every include and call goes down the layers"
exit $bad
