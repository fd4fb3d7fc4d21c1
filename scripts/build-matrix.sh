#!/usr/bin/env bash
# Builds the project with warnings as errors for each compiler and build type given, each in its
# own folder, and prints one line per build with its warning count; exit 1 when one fails.
# usage: build-matrix.sh OUTDIR "gcc clang" "Debug Release RelWithDebInfo MinSizeRel"
set -u
out=${1:-build-matrix}; compilers=${2:-"gcc clang"}; types=${3:-"Release"}
cd "$(dirname "$0")/.."
mkdir -p "$out"
status=0
for cc in $compilers; do
  for bt in $types; do
    dir=$out/$cc-$bt
    log=$dir.log
    start=$(date +%s)
    if CC=$cc cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$bt" -DXTALPROOF_WERROR=ON \
         -DXTALPROOF_CUDA=OFF > "$log" 2>&1 &&
       cmake --build "$dir" -j "${JOBS:-$(nproc)}" >> "$log" 2>&1; then
      result=ok
    else
      result=FAILED; status=1
    fi
    # with -Werror a warning is printed as "error: ... [-Werror=...]": count both spellings
    warnings=$(grep -c -E 'warning:|\[-Werror' "$log")
    echo "build-matrix: $cc $bt: $result, $warnings warnings, $(( $(date +%s) - start )) s (log $log)"
  done
done
exit $status
