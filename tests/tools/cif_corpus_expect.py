#!/usr/bin/python3
"""Expected values for the CIF corpus, made by other implementations.

Run with Debian's /usr/bin/python3 (python3-pymatgen 2022.11, python3-ase 3.22):

    /usr/bin/python3 tests/tools/cif_corpus_expect.py [CORPUS_DIR [OUT.json]]

defaults: tests/data/cif-corpus and CORPUS_DIR/expected.json. For every *.cif file under
CORPUS_DIR it records what pymatgen's CifParser makes of it, block by block, with
primitive=False (the cell as the file gives it, symmetry applied): whether pymatgen reads it
(at least one structure; else the exception text), and per structure the block name, the
reduced formula, the alphabetical formula, the element -> amount dict of the reduced
composition, the atom count and whether it is ordered. ASE's reader gives a second opinion on
every file (per structure its reduced element counts and atom count, or its exception text).
xtalproof's code plays no part here: the file is the reference the corpus test compares with.
"""
import json
import math
import os
import sys
import warnings
from collections import Counter

import ase
import ase.io
import pymatgen.core
from pymatgen.io.cif import CifParser


def one_line(exc):
    text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text[:300]


def reduced_dict(comp):
    """element -> amount of the reduced composition, amounts rounded to 6 decimals"""
    red = comp.element_composition.reduced_composition
    return {el.symbol: round(float(n), 6) for el, n in sorted(red.items(), key=lambda kv: kv[0].symbol)}


def structure_entry(block, s):
    comp = s.composition
    return {
        "block": block,
        "reduced_formula": comp.element_composition.reduced_formula,
        "alphabetical_formula": comp.element_composition.alphabetical_formula,
        "elements": reduced_dict(comp),
        "natoms": len(s),
        "ordered": bool(s.is_ordered),
    }


def pymatgen_read(path):
    """CifParser.get_structures(primitive=False), block by block, keeping each block's name"""
    out = {"read": False, "error": None, "structures": 0, "blocks": [], "block_errors": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser = CifParser(path)
        except Exception as exc:  # noqa: BLE001 - the text is what we record
            out["error"] = one_line(exc)
            return out
        for data in parser._cif.data.values():
            try:
                s = parser._get_structure(data, False, False)
            except (KeyError, ValueError) as exc:
                out["block_errors"].append({"block": data.header, "error": one_line(exc)})
                continue
            except Exception as exc:  # noqa: BLE001 - a crash of pymatgen is recorded as such
                out["block_errors"].append({"block": data.header, "error": one_line(exc)})
                continue
            if s:
                out["blocks"].append(structure_entry(data.header, s))
    out["structures"] = len(out["blocks"])
    out["read"] = out["structures"] > 0
    if not out["read"] and out["error"] is None:
        errs = [b["error"] for b in out["block_errors"]]
        out["error"] = errs[0] if errs else "ValueError: Invalid cif file with no structures!"
    return out


def ase_read(path):
    out = {"read": False, "error": None, "blocks": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            images = ase.io.read(path, index=":", format="cif")
        except Exception as exc:  # noqa: BLE001
            out["error"] = one_line(exc)
            return out
    for atoms in images:
        counts = Counter(atoms.get_chemical_symbols())
        g = 0
        for n in counts.values():
            g = math.gcd(g, n)
        elements = {el: n // g for el, n in sorted(counts.items())}
        out["blocks"].append({"formula": "".join(f"{el}{n if n > 1 else ''}" for el, n in elements.items()),
                              "elements": elements, "natoms": len(atoms)})
    out["read"] = len(out["blocks"]) > 0
    return out


def main():
    warnings.simplefilter("ignore")
    root = sys.argv[1] if len(sys.argv) > 1 else "tests/data/cif-corpus"
    dest = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "expected.json")
    files = []
    for d, _, names in os.walk(root):
        files += [os.path.relpath(os.path.join(d, n), root) for n in names if n.lower().endswith(".cif")]
    files.sort()
    entries = {}
    for rel in files:
        e = {"pymatgen": pymatgen_read(os.path.join(root, rel))}
        e["ase"] = ase_read(os.path.join(root, rel))
        entries[rel] = e
    doc = {
        "made_by": "tests/tools/cif_corpus_expect.py",
        "pymatgen": pymatgen.core.__version__,
        "ase": ase.__version__,
        "settings": "CifParser(path) defaults; per block _get_structure(primitive=False)",
        "files": entries,
    }
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    n_read = sum(1 for e in entries.values() if e["pymatgen"]["read"])
    print(f"{len(entries)} files, pymatgen reads {n_read}, "
          f"{sum(e['pymatgen']['structures'] for e in entries.values())} structures -> {dest}")


if __name__ == "__main__":
    main()
