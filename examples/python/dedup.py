#!/usr/bin/env python3
"""Deduplicate a folder of crystal structures: which files are the same crystal (equal symhash)
and which are the same material (xtalproof's matcher), timed against pymatgen's
StructureMatcher.group_structures on the same files.

    python3 examples/python/dedup.py FOLDER [FOLDER...] [--max-atoms 60] [--no-pymatgen]

Every .cif, .vasp, POSCAR and CONTCAR under the folders is read with pymatgen (the reading is not
timed); both groupings then run on the same Structure objects. Prints one line per material
group of more than one file, then both times and how the two groupings compare, as JSON.
"""
import argparse
import json
import os
import sys
import time
import warnings

import xtalproof


def structure_files(folders):
    for folder in folders:
        for root, _, names in os.walk(folder):
            for n in sorted(names):
                if n.endswith((".cif", ".vasp")) or n.startswith(("POSCAR", "CONTCAR")):
                    yield os.path.join(root, n)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--max-atoms", type=int, default=0, help="leave out larger cells (0: none)")
    ap.add_argument("--no-pymatgen", action="store_true", help="skip pymatgen's grouping")
    a = ap.parse_args(argv)
    from pymatgen.core import Structure
    from pymatgen.analysis.structure_matcher import StructureMatcher
    warnings.filterwarnings("ignore")

    files, structures = [], []
    for f in structure_files(a.folders):
        try:
            s = Structure.from_file(f)
        except Exception as e:  # a file pymatgen cannot read is reported and left out
            print(f"skipped {f}: {e}", file=sys.stderr)
            continue
        if a.max_atoms and len(s) > a.max_atoms:
            continue
        files.append(f)
        structures.append(s)

    t0 = time.perf_counter()
    g = xtalproof.group(structures)
    ours = time.perf_counter() - t0
    for members in g.materials:
        if len(members) > 1:
            crystals = len({g.crystal_of[i] for i in members})
            print(f"{len(members)} files, {crystals} crystals: "
                  + " ".join(os.path.relpath(files[i]) for i in members))

    report = {"files": len(files), "crystals": len(g.crystals), "materials": len(g.materials),
              "xtalproof_seconds": round(ours, 3)}
    if not a.no_pymatgen:
        t0 = time.perf_counter()
        pm = StructureMatcher().group_structures(structures)
        report["pymatgen_seconds"] = round(time.perf_counter() - t0, 3)
        report["pymatgen_groups"] = len(pm)
        index = {id(s): i for i, s in enumerate(structures)}
        theirs = [sorted(index[id(s)] for s in grp) for grp in pm]
        report["groups_in_both"] = len({tuple(x) for x in theirs} &
                                        {tuple(x) for x in g.materials})
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
