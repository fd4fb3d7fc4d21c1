# supercell NA NB NC: a POSCAR of rock salt (8 atoms a cell, a = 5.62 Å) repeated NA x NB x NC
# times, on standard output: 8*NA*NB*NC atoms, for the node's load and abuse tests.
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
