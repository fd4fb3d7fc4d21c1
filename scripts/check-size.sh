#!/usr/bin/env bash
# Size limits of the C sources (docs/architecture.md, "Conventions"): no file over 800 lines and
# no function over 150 lines, unless the comment just above the function says why with the word
# "long:" (e.g. "long: one table of cases"). Prints one line per excess; exit 1 if any.
# usage: check-size.sh SOURCE_DIR
set -u
cd "$1"
bad=0
files=$(git ls-files --cached --others --exclude-standard 'src/*.c' 'src/*.h' 'prover/*.c' \
          'node/*.c' 'kernels/*' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
for f in $files; do
  n=$(wc -l < "$f")
  if [ "$n" -gt 800 ]; then echo "size: $f has $n lines (at most 800)"; bad=1; fi
done
# functions: a '{' at column 0 right after a line ending with ')', the head being the last line
# that starts at column 0 (a signature may run over several lines); the body up to the next '}'
# at column 0
out=$(awk '
  FNR == 1 { inside = 0; prev2 = ""; prev1 = "" }
  !inside && /^[A-Za-z_]/ { head = $0; why = (prev1 ~ /long:/ || prev2 ~ /long:/) }
  !inside && /^\{/ && prev1 ~ /\)[ \t]*$/ { inside = 1; start = FNR; name = head }
  inside && /^\}/ { len = FNR - start; inside = 0;
                    if (len > 150 && !why) printf "size: %s:%d: a function of %d lines (at most 150): %s\n", FILENAME, start, len, name }
  { prev2 = prev1; prev1 = $0 }
' $files)
if [ -n "$out" ]; then echo "$out"; bad=1; fi
[ "$bad" = 0 ] && echo "size: every file under 800 lines, every function under 150"
exit $bad
