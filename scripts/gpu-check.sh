#!/usr/bin/env bash
# The whole GPU check in one command, for a machine with an NVIDIA GPU (no network needed):
#   1. builds with XTALPROOF_CUDA=ON (Release) into build-gpu/;
#   2. runs the GPU unit test: CPU == GPU bit for bit on every dev structure and the benchmark's
#      files of at most 60 atoms, with both models (tests/unit/test_model_gpu.c);
#   3. runs `xtalproof bench infer --device gpu --batch B` for B = 1 … 8,192 over those files, and
#      the CPU beside it;
#   4. writes OUT/gpu-check.json (every figure) and OUT/summary.txt (a short text).
# Without a GPU it says so, builds without CUDA if nvcc is missing, does the CPU part and exits 0.
# Budget: 8 minutes on one H100 including the build. usage: gpu-check.sh OUT [SHARED_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: gpu-check.sh OUT [SHARED_DIR]}
SHARED=${2:-${XTALPROOF_SHARED:-$PWD/../shared}}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/gpu-check.log
: > "$LOG"
t0=$(date +%s)
say() { echo "gpu-check: $*" | tee -a "$LOG"; }
MODEL=formation-energy-per-atom
BATCHES="1 8 64 512 1024 2048 4096 8192"
CPU_BATCHES="1 64 1024 8192"

# ---- the device -----------------------------------------------------------------------------
device="none"; driver=""; why=""
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  device=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | head -1)
  driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)
  say "device: $device (driver $driver)"
else
  why="no NVIDIA GPU on this machine (nvidia-smi finds none)"
  say "NO GPU: $why; the CPU part only"
fi

# ---- the build ------------------------------------------------------------------------------
cuda=ON
NVCC=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$NVCC" ] || { cuda=OFF; say "no nvcc: building without CUDA"; }
[ "$device" = none ] && [ "$cuda" = ON ] && say "nvcc found: the CUDA build is checked to compile"
B=build-gpu
tb=$(date +%s)
if ! cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DXTALPROOF_CUDA=$cuda -DXTALPROOF_WERROR=ON \
       ${NVCC:+-DCMAKE_CUDA_COMPILER=$NVCC} >> "$LOG" 2>&1 ||
   ! cmake --build "$B" -j "$(nproc)" --target xtalproof_cli test_model_gpu >> "$LOG" 2>&1; then
  say "BUILD FAILED (see $LOG)"; tail -20 "$LOG"; exit 1
fi
build_s=$(( $(date +%s) - tb ))
XP=$B/bin/xtalproof
say "built (CUDA $cuda) in ${build_s} s: $("$XP" version | tr '\n' ' ' | cut -c1-200)"
export XTALPROOF_MODELS=$PWD/models XTALPROOF_HOME=$OUT/home

# ---- CPU == GPU -----------------------------------------------------------------------------
unit="skipped"; unit_lines=""
if [ -d "$SHARED/data/cgcnn" ]; then
  tu=$(date +%s)
  "$B/bin/test_model_gpu" > "$OUT/test_model_gpu.txt" 2>&1; rc=$?
  unit_s=$(( $(date +%s) - tu ))
  unit_lines=$(grep -E 'structures' "$OUT/test_model_gpu.txt" | sed 's/^ *//' | tr '\n' ';')
  case $rc in
    0) unit="passed" ;;
    77) unit="skipped"; [ -z "$why" ] && why=$(grep -o 'skipped: .*' "$OUT/test_model_gpu.txt" | cut -c10-) ;;
    *) unit="FAILED" ;;
  esac
  say "CPU == GPU unit test: $unit in ${unit_s} s ($unit_lines)"
else
  say "no shared data at $SHARED: the unit test is not run"
fi

# ---- the benchmark's files of at most 60 atoms ------------------------------------------------
FILES=$OUT/files
rm -rf "$FILES"; mkdir -p "$FILES"
if [ -d "$SHARED/data/structures/bench" ]; then
  "$XP" hash --json "$SHARED/data/structures/bench" "$SHARED/data/structures/cifs" 2>>"$LOG" |
    sed -n 's/^{"file":"\([^"]*\)".*"natoms":\([0-9]*\),.*/\2 \1/p' | awk '$1 <= 60 { print $2 }' |
    sort -u > "$OUT/files.txt"
  i=0
  while read -r f; do i=$((i+1)); ln -s "$f" "$FILES/$i-$(basename "$f")"; done < "$OUT/files.txt"
fi
nfiles=$(ls "$FILES" | wc -l)
say "$nfiles benchmark files of at most 60 atoms"

# ---- throughput -----------------------------------------------------------------------------
: > "$OUT/bench.jsonl"
bench() { # DEVICE BATCH
  "$XP" bench infer --model $MODEL --device "$1" --batch "$2" "$FILES" >> "$OUT/bench.jsonl" 2>>"$LOG" ||
    say "bench infer --device $1 --batch $2 failed"
}
if [ "$nfiles" -gt 0 ]; then
  if [ "$device" != none ] && [ "$unit" != skipped ]; then
    for b in $BATCHES; do bench gpu "$b"; done
  fi
  for b in $CPU_BATCHES; do bench cpu "$b"; done
fi
rate() { grep "\"device\":\"$1\"" "$OUT/bench.jsonl" | grep "\"batch\":$2," |
  sed -n 's/.*"forward_per_second":\([0-9.]*\).*/\1/p' | head -1; }
{
  printf 'xtalproof GPU check, %s\n' "$(date -u +%FT%TZ)"
  printf 'device: %s%s\n' "$device" "${driver:+ (driver $driver)}"
  [ -n "$why" ] && printf 'no GPU run: %s\n' "$why"
  printf 'build: CUDA %s, %s s\n' "$cuda" "$build_s"
  printf 'CPU == GPU (dev structures and %s benchmark files, both models): %s %s\n' "$nfiles" "$unit" "$unit_lines"
  printf '\nforward pass, structures per second (%s, %s files cycled to full batches):\n' "$MODEL" "$nfiles"
  printf '%8s %14s %14s\n' batch gpu cpu
  for b in $BATCHES; do printf '%8s %14s %14s\n' "$b" "$(rate gpu "$b")" "$(rate cpu "$b")"; done
  g4096=$(rate gpu 4096)
  if [ -n "$g4096" ]; then
    awk -v r="$g4096" 'BEGIN { printf "\ntarget >= 50,000 structures/s at batch 4,096: %s (%.0f)\n", (r >= 50000 ? "met" : "NOT met"), r }'
  fi
  printf 'total: %s s\n' "$(( $(date +%s) - t0 ))"
} > "$OUT/summary.txt"
{
  printf '{"device":"%s","driver":"%s","no_gpu_reason":"%s","cuda_build":"%s","build_seconds":%s,' \
    "$device" "$driver" "$why" "$cuda" "$build_s"
  printf '"unit_test":"%s","unit_test_lines":"%s","files":%s,"model":"%s","bench":[' "$unit" "$unit_lines" "$nfiles" "$MODEL"
  paste -sd, "$OUT/bench.jsonl" | tr -d '\n'
  printf '],"seconds":%s}\n' "$(( $(date +%s) - t0 ))"
} > "$OUT/gpu-check.json"
rm -rf "$FILES" "$OUT/home"
cat "$OUT/summary.txt"
[ "$unit" = FAILED ] && exit 1
exit 0
