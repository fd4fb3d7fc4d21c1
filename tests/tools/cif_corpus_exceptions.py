#!/usr/bin/env python3
"""Regenerate the CIF corpus's EXCEPTIONS file from what the reader does today.

    cif_corpus_exceptions.py XTALPROOF [CORPUS_DIR]     (default tests/data/cif-corpus)

runs the corpus check (tests/tools/cif_corpus_check.py) and rewrites CORPUS_DIR/EXCEPTIONS with
one line per file that differs from pymatgen's expected values: a file already listed keeps its
class and hand-written reason, a new one gets the class and a sentence made from the difference,
a listed file that no longer differs is dropped. Lines are grouped by class, each group under a
comment that says what the class means. Review the new lines: a class such as pymatgen-bug is a
judgement the script cannot make.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cif_corpus_check as check  # noqa: E402

CLASSES = {
    "symbol-without-operators": "a space group named by its Hermann-Mauguin symbol only (no "
                                "operators, no number): the reader cannot build the operators",
    "grammar-slip": "a slip of CIF grammar that pymatgen forgives (a short last loop packet, a bare "
                    "value that should be quoted, a missing or unexpected value)",
    "atom-site-layout": "the atom-site loop is laid out as a database export lays it out and the "
                        "reader finds no structure",
    "mixed-site-label": "a site whose label or type symbol names several species or none",
    "water-label": "a water oxygen labelled Wat... with no type symbol (AMCSD's habit)",
    "deuterium-label": "deuterium sites: D counted as hydrogen by xtalproof, kept apart by pymatgen",
    "occupancy": "an occupancy the reader refuses or adds up differently",
    "duplicate-sites-read": "pymatgen refuses the file for sites on top of each other (occupancies "
                            "over 1); xtalproof reads it and keeps both",
    "reader-crash": "the reader stops with an internal error",
    "space-group": "a space-group description the reader does not take",
    "reader-refuses": "the reader refuses a file pymatgen reads, for another reason",
    "structure-count": "not the same number of structures as pymatgen",
    "block-name": "a structure reported under another block name",
    "formula": "another formula than pymatgen's",
    "atom-count": "another atom count than pymatgen's for an ordered structure",
    "pymatgen-bug": "pymatgen's value is wrong; xtalproof's is right (the reason says why)",
    "error-without-file": "an error message that does not name the file",
}


def write(path, entries):
    by_class = {}
    for rel, (cls, reason) in entries.items():
        by_class.setdefault(cls, []).append((rel, reason))
    order = list(CLASSES) + sorted(set(by_class) - set(CLASSES))
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Corpus files whose reading by xtalproof differs from pymatgen's expected values\n"
                "# (expected.json), with the reason. One line per file: FILE<TAB>CLASS<TAB>REASON.\n"
                "# tests/tools/cif_corpus_check.py skips these and prints the reason;\n"
                "# tests/tools/cif_corpus_exceptions.py regenerates the list, keeping the reasons\n"
                "# already written here.\n")
        for cls in order:
            if cls not in by_class:
                continue
            f.write(f"\n# {cls}: {CLASSES.get(cls, 'see the reasons')}\n")
            for rel, reason in sorted(by_class[cls]):
                f.write(f"{rel}\t{cls}\t{reason}\n")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: cif_corpus_exceptions.py XTALPROOF [CORPUS_DIR]")
    xp = os.path.abspath(sys.argv[1])
    root = sys.argv[2] if len(sys.argv) == 3 else "tests/data/cif-corpus"
    path = os.path.join(root, "EXCEPTIONS")
    old = check.read_exceptions(path)
    outcomes, _ = check.check_corpus(xp, root)
    entries = {}
    for rel, (outcome, diffs) in outcomes.items():
        if outcome != "differ":
            continue
        if rel in old:
            entries[rel] = old[rel]
            continue
        reason = "; ".join(text for _, text in diffs)
        reason = " ".join(reason.split())
        entries[rel] = (diffs[0][0], reason + ("" if reason.endswith(".") else "."))
    write(path, entries)
    kept = len(set(entries) & set(old))
    print(f"{path}: {len(entries)} files ({kept} kept as written, {len(entries) - kept} new, "
          f"{len(set(old) - set(entries))} dropped)")


if __name__ == "__main__":
    main()
