#!/usr/bin/python3
"""Writes tests/vectors/formula/pymatgen.txt: random compositions and the reduced formula that
pymatgen writes for each (Composition.reduced_formula), the expected strings of test_formula.

Run with Debian's python3 (it has pymatgen):  /usr/bin/python3 tests/tools/make_formula_vectors.py

Each line: the composition as Z:count pairs, a tab, pymatgen's reduced formula. Compositions that
pymatgen writes in a form that is not a plain ordered formula are left out and counted in the
header: a polyanion in brackets (Ca3(PO4)2), its special names (O2, LiO2 for LiO), and elements
without an electronegativity (He, Ne, Ar, 104 and up), which pymatgen sorts as NaN.
"""
import math
import random
import sys
import warnings

from pymatgen.core import Composition
from pymatgen.core.periodic_table import Element

warnings.simplefilter("ignore")


def main(path, count=400, seed=28):
    rnd = random.Random(seed)
    usable = [z for z in range(1, 104) if not math.isnan(Element.from_Z(z).X)]
    lines, skipped = [], 0
    while len(lines) < count:
        k = rnd.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6])
        zs = rnd.sample(usable, k)
        common = rnd.choice([1, 1, 2, 3, 4])
        amounts = {z: rnd.choice([1, 1, 1, 2, 3, 4, 5, 6, 7, 12]) * common for z in zs}
        comp = Composition({Element.from_Z(z).symbol: n for z, n in amounts.items()})
        formula = comp.reduced_formula
        if "(" in formula or formula in Composition.special_formulas.values():
            skipped += 1
            continue
        pairs = " ".join(f"{z}:{n}" for z, n in amounts.items())
        lines.append(f"{pairs}\t{formula}")
    with open(path, "w", encoding="ascii") as f:
        f.write(f"# {count} compositions, seed {seed}, from pymatgen's Composition.reduced_formula;"
                f" {skipped} others were left out (polyanions, special names)\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/vectors/formula/pymatgen.txt")
