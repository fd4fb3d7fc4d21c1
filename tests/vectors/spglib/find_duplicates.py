#!/usr/bin/python3
"""Crystals that spglib's test set lists more than once, found without xtalproof: files with the
same reduced composition and the same space group (spglib, symprec 1e-3) compared by pymatgen's
StructureMatcher with tight tolerances (ltol 1e-3, stol 5e-3, angle_tol 0.01 degrees, primitive
cells, no scaling). Writes duplicates.txt: one pair per line, relative to data/.

usage: /usr/bin/python3 find_duplicates.py > duplicates.txt   (Debian: python3-pymatgen, -spglib)
"""
import os
import re
import sys
from collections import defaultdict
from math import gcd
from functools import reduce

import spglib
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Element, Lattice, Structure

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def read_poscar(path):
    """spglib's test files: VASP 4 or 5; species from the species line, else from the labels of
    the coordinate lines ('# K1'), else types 1, 2, ... as spglib's reader numbers them."""
    lines = open(path).read().splitlines()
    scale = float(lines[1].split()[0])
    lat = [[float(x) * scale for x in lines[i].split()[:3]] for i in (2, 3, 4)]
    try:
        counts = [int(x) for x in lines[5].split()]
        names, at = None, 6
    except ValueError:
        names, counts, at = lines[5].split(), [int(x) for x in lines[6].split()], 7
    if lines[at].strip()[0] in "sS":
        at += 1
    cart = lines[at].strip()[0] in "cCkK"
    at += 1
    coords, species = [], []
    for t, n in enumerate(counts):
        for _ in range(n):
            parts = lines[at].split()
            at += 1
            coords.append([float(x) for x in parts[:3]])
            label = None
            if names:
                label = names[t]
            else:
                m = re.search(r"#\s*([A-Z][a-z]?)", lines[at - 1])
                if m:
                    label = m.group(1)
            species.append(Element(label).Z if label else (t % 118) + 1)
    return Structure(Lattice(lat), species, coords, coords_are_cartesian=cart)


def formula_key(s):
    counts = defaultdict(int)
    for site in s:
        counts[site.specie.Z] += 1
    g = reduce(gcd, counts.values())
    return tuple(sorted((z, c // g) for z, c in counts.items()))


def main():
    files = []
    for root, _, names in os.walk(DATA):
        for n in sorted(names):
            files.append(os.path.relpath(os.path.join(root, n), DATA))
    files.sort()
    groups = defaultdict(list)
    structs = {}
    for f in files:
        s = read_poscar(os.path.join(DATA, f))
        cell = (s.lattice.matrix, s.frac_coords, [site.specie.Z for site in s])
        sg = spglib.get_spacegroup(cell, symprec=1e-3)
        structs[f] = s
        groups[(formula_key(s), sg)].append(f)
    m = StructureMatcher(ltol=1e-3, stol=5e-3, angle_tol=0.01, primitive_cell=True, scale=False)
    print("# spglib test structures that are one crystal (find_duplicates.py, pymatgen %s)"
          % __import__("pymatgen.core").core.__version__)
    for key, fs in sorted(groups.items(), key=lambda kv: kv[1][0]):
        for i in range(len(fs)):
            for j in range(i + 1, len(fs)):
                if m.fit(structs[fs[i]], structs[fs[j]]):
                    print(fs[i], fs[j])
                    sys.stdout.flush()


main()
