#!/usr/bin/env bash
# Runs every fuzz target in BUILD for SECONDS each, from the seed corpus in tests/fuzz/corpus.
# usage: run.sh BUILD SECONDS
set -eu
build=$1 secs=$2
here=$(cd "$(dirname "$0")" && pwd)
status=0 n=0 failed=""
for bin in "$build"/bin/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  work=$(mktemp -d)
  [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$work/"
  # tests/fuzz/<target>.skip: a target with a known crash in a dependency, the reason inside
  if [ -f "$here/$name.skip" ]; then
    echo "fuzz: $name SKIPPED: $(grep -v '^#' "$here/$name.skip" | head -1)"; continue
  fi
  # tests/fuzz/<target>.flags: extra libFuzzer flags of one target, with the reason beside them
  extra=()
  [ -f "$here/$name.flags" ] && read -r -a extra < <(grep -v '^#' "$here/$name.flags")
  echo "fuzz: $name for ${secs}s ${extra[*]:-}"
  # (a target's own flags come last, so they override these)
  if "$bin" -max_total_time="$secs" -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/$name-" "${extra[@]}" "$work" > "$build/$name.log" 2>&1; then
    grep -E 'stat::number_of_executed_units' "$build/$name.log" || true
  else
    echo "fuzz: $name FAILED; see $build/$name.log"; tail -30 "$build/$name.log"; status=1
    failed="$failed $name"
  fi
  rm -rf "$work"; n=$((n+1))
done
[ "$n" -gt 0 ] || { echo "fuzz: no targets in $build"; exit 1; }
# the last lines say which target failed (a log's tail is often all that is shown)
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED:$failed (inputs: $build/<target>-crash-*, -oom-*, -timeout-*)"
else
  echo "fuzz: $n targets ran, none failed"
fi
exit $status
