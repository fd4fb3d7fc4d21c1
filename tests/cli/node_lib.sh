# Shared by the node's load and abuse tests (after lib.sh, with $T and $XP set):
# node_up CONFIG_JSON: starts the node on a free port with that config and a home in $T (sets
# NODE_PID, P, U, TOK; removes it at exit); dataset_ds: creates the dataset ds; node_down: SIGTERM,
# which must exit 0; supercell NA NB NC: a POSCAR of rock salt (8 atoms a cell, a = 5.62 Å)
# repeated NA x NB x NC times, on standard output: 8*NA*NB*NC atoms.
export XTALPROOF_HOME=$T/home
NODE_PID=
cleanup() { [ -n "$NODE_PID" ] && kill -9 "$NODE_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
node_up() {
  echo "$1" >"$T/node.json"
  "$XP" node --config "$T/node.json" --port 0 --port-file "$T/port" >"$T/node.out" 2>"$T/node.err" &
  NODE_PID=$!
  for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
  P=$(cat "$T/port" 2>/dev/null) U=http://127.0.0.1:$(cat "$T/port" 2>/dev/null)
  TOK=$(cat "$T/home/api-token" 2>/dev/null)
  [ -n "$P" ] && ok "node on port $P" || { bad "no port: $(cat "$T/node.err")"; finish; exit 1; }
}
dataset_ds() {
  local code
  code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOK" \
    -H 'Content-Type: application/json' -d '{"name":"ds","license":"CC0-1.0"}' "$U/v1/datasets")
  [ "$code" = 201 ] && ok "dataset ds" || bad "dataset ds: $code $(cat "$T/body")"
}
node_down() {
  local rc
  kill -TERM "$NODE_PID"
  wait "$NODE_PID"; rc=$?
  NODE_PID=
  [ "$rc" = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc; $(tail -5 "$T/node.err")"
}
supercell() {
  awk -v na="$1" -v nb="$2" -v nc="$3" 'BEGIN {
    split("0 0 0 0 .5 .5 .5 0 .5 .5 .5 0", na_, " "); split(".5 .5 .5 .5 0 0 0 .5 0 0 0 .5", cl_, " ")
    printf "NaCl %dx%dx%d\n1.0\n%.6f 0 0\n0 %.6f 0\n0 0 %.6f\nNa Cl\n%d %d\ndirect\n", na, nb, nc,
      5.62 * na, 5.62 * nb, 5.62 * nc, 4 * na * nb * nc, 4 * na * nb * nc
    for (e = 0; e < 2; e++)
      for (i = 0; i < na; i++) for (j = 0; j < nb; j++) for (k = 0; k < nc; k++)
        for (s = 0; s < 4; s++) {
          x = e ? cl_[3 * s + 1] : na_[3 * s + 1]; y = e ? cl_[3 * s + 2] : na_[3 * s + 2]
          z = e ? cl_[3 * s + 3] : na_[3 * s + 3]
          printf "%.10f %.10f %.10f\n", (x + i) / na, (y + j) / nb, (z + k) / nc
        }
  }'
}
