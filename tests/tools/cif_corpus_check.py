#!/usr/bin/env python3
"""The CIF corpus read by xtalproof, compared with the expected values pymatgen made.

    cif_corpus_check.py XTALPROOF CORPUS_DIR

reads every *.cif file under CORPUS_DIR with `XTALPROOF hash --json` (one process per source
folder) and compares, file by file, with CORPUS_DIR/expected.json (tests/tools/
cif_corpus_expect.py wrote it with pymatgen; nothing here runs pymatgen):
- a file pymatgen reads: the same number of structures, the same block names, the same
  reduced formula (element -> count, order-free; fractions for disordered sites) and, where
  pymatgen finds the structure ordered, the same atom count;
- a file pymatgen refuses for over-full sites (occupancies that add up to more than 1, which is
  also what sites on top of each other give): refused by xtalproof too;
- every error xtalproof prints names the file.
Files listed in CORPUS_DIR/EXCEPTIONS are skipped with their class and reason printed. The last
line sums up; the exit status is 1 on any difference not listed there. Plain Python 3, no
third-party module. tests/tools/cif_corpus_exceptions.py regenerates the EXCEPTIONS lines from the
differences found here.
"""
import json
import math
import os
import re
import subprocess
import sys
from collections import Counter

OVERFULL = "occupancies sum to more than 1"
RUN_TIMEOUT_S = 120


def corpus_files(root):
    out = []
    for d, dirs, names in os.walk(root):
        dirs.sort()
        out += [os.path.relpath(os.path.join(d, n), root) for n in names if n.lower().endswith(".cif")]
    return sorted(out)


def run_xtalproof(xp, root, files):
    """{file: [json objects]} from one `hash --json` run per top-level folder of the corpus"""
    by_source = {}
    for f in files:
        by_source.setdefault(f.split(os.sep, 1)[0], []).append(f)
    results = {f: [] for f in files}
    for source, paths in sorted(by_source.items()):
        try:
            proc = subprocess.run([xp, "hash", "--json", *paths], cwd=root, capture_output=True,
                                  text=True, timeout=RUN_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            sys.exit(f"cif corpus: xtalproof hash on {source}/ ran over {RUN_TIMEOUT_S} s")
        if proc.returncode not in (0, 1):
            sys.exit(f"cif corpus: xtalproof hash on {source}/ exited {proc.returncode}: "
                     f"{proc.stderr.strip()[:500]}")
        for line in proc.stdout.splitlines():
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                sys.exit(f"cif corpus: xtalproof hash on {source}/ printed a line that is not JSON "
                         f"({exc}): {line[:300]}")
            name = os.path.normpath(obj.get("file", ""))
            if name not in results:
                sys.exit(f"cif corpus: xtalproof printed a line for an unknown file: {line[:300]}")
            results[name].append(obj)
    return results


def read_exceptions(path):
    """{file: (class, reason)} from lines `FILE<TAB>CLASS<TAB>REASON`; # starts a comment"""
    out = {}
    if not os.path.exists(path):
        return out
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        sys.exit(f"{path}: cannot be read ({exc})")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            sys.exit(f"{path}:{n}: expected FILE<TAB>CLASS<TAB>REASON, got: {line[:200]}")
        out[os.path.normpath(parts[0])] = (parts[1].strip(), parts[2].strip())
    return out


FORMULA_TERM = re.compile(r"([A-Z][a-z]?)(\d+(?:\.\d+)?|\.\d+)?")


def parse_formula(text):
    """'Al4Mg2O8' -> {'Al': 4.0, 'Mg': 2.0, 'O': 8.0}; None if it is not a formula"""
    out = {}
    pos = 0
    for m in FORMULA_TERM.finditer(text):
        if m.start() != pos:
            return None
        out[m.group(1)] = out.get(m.group(1), 0.0) + float(m.group(2) or 1)
        pos = m.end()
    return out if pos == len(text) and out else None


def reduce_counts(counts):
    """integer counts divided by their gcd; None where a count is not an integer"""
    ints = {}
    for el, n in counts.items():
        if abs(n - round(n)) > 1e-6:
            return None
        ints[el] = int(round(n))
    g = 0
    for n in ints.values():
        g = math.gcd(g, n)
    return {el: n // g for el, n in ints.items()} if g else ints


def fractions(counts):
    total = sum(counts.values())
    return {el: n / total for el, n in counts.items()} if total else {}


def formula_text(counts):
    return "".join(f"{el}{n:g}" for el, n in sorted(counts.items()))


def same_formula(want, got, ordered):
    """pymatgen's reduced element dict against xtalproof's formula, order-free"""
    if set(want) != set(got):
        return False
    a, b = reduce_counts(want), reduce_counts(got)
    if ordered and a is not None and b is not None:
        return a == b
    fa, fb = fractions(want), fractions(got)
    return all(abs(fa[el] - fb[el]) <= 1e-3 for el in fa)


def ase_says(ase_read, i):
    """ASE's second opinion on structure i, as a phrase, where ASE read the file"""
    blocks = (ase_read or {}).get("blocks") or []
    if i >= len(blocks):
        return ""
    return f" (ASE: {blocks[i]['formula']}, {blocks[i]['natoms']} atoms)"


def compare_structures(want_blocks, got, ase_read=None):
    """differences between pymatgen's structures and xtalproof's lines for one file"""
    diffs = []
    if len(want_blocks) != len(got):
        have = ", ".join(f"{g.get('block')}:{g.get('formula')}" for g in got) or "none"
        diffs.append(("structure-count", f"pymatgen reads {len(want_blocks)} structure(s) "
                      f"({', '.join(w['block'] + ':' + w['reduced_formula'] for w in want_blocks)}), "
                      f"xtalproof {len(got)} ({have})"))
        return diffs
    for i, (w, g) in enumerate(zip(want_blocks, got)):
        where = f"block {w['block']}"
        if str(g.get("block", "")).lower() != w["block"].lower():
            diffs.append(("block-name", f"{where}: xtalproof names it {g.get('block')!r}"))
        counts = parse_formula(str(g.get("formula", "")))
        if counts is None or not same_formula(w["elements"], counts, w["ordered"] and not g.get("disordered")):
            diffs.append(("formula", f"{where}: pymatgen {w['reduced_formula']} ({w['natoms']} atoms), "
                          f"xtalproof {g.get('formula')} ({g.get('natoms')} atoms)" + ase_says(ase_read, i)))
        elif w["ordered"] and g.get("natoms") != w["natoms"]:
            diffs.append(("atom-count", f"{where} ({w['reduced_formula']}): pymatgen {w['natoms']} "
                          f"atoms, xtalproof {g.get('natoms')}" + ase_says(ase_read, i)))
    return diffs


def error_class(text):
    """a class for an error xtalproof gave on a file pymatgen reads"""
    rules = [("without its symmetry operations", "symbol-without-operators"),
             ("not a valid CIF", "grammar-slip"),
             ("no data block holds a crystal structure", "atom-site-layout"),
             ("no element in", "mixed-site-label"),
             ("occupanc", "occupancy"),
             ("out of memory", "reader-crash"),
             ("space group", "space-group")]
    for needle, cls in rules:
        if needle in text:
            return cls
    return "reader-refuses"


def check_file(rel, exp, lines):
    """(outcome, [(class, text)]): outcome is agree, differ, refused-too or not-compared"""
    got = [o for o in lines if "symhash" in o]
    errors = [o["error"] for o in lines if "error" in o]
    diffs = [("error-without-file", f"the message does not name the file: {e}")
             for e in errors if rel not in e]
    pm = exp["pymatgen"]
    if pm["read"]:
        if errors and not got:
            msg = errors[0].replace(rel + ": ", "", 1).replace(rel + ":", "line ", 1)
            return "differ", diffs + [(error_class(errors[0]), f"xtalproof refuses it: {msg}")]
        # a block refused while others are read is fine where pymatgen finds no structure in it
        # either: the structure count says whether it is
        found = compare_structures(pm["blocks"], got, exp.get("ase"))
        if errors and found and found[0][0] == "structure-count":
            found[0] = (found[0][0], found[0][1] + f"; xtalproof's error: {errors[0]}")
        diffs += found
        return ("differ" if diffs else "agree"), diffs
    if OVERFULL in (pm["error"] or ""):
        if got or not errors:
            diffs.append(("duplicate-sites-read", "pymatgen refuses it (" + pm["error"] +
                          f"), xtalproof reads {len(got)} structure(s): "
                          + ", ".join(f"{g.get('formula')} ({g.get('natoms')} atoms)" for g in got)))
        return ("differ" if diffs else "refused-too"), diffs
    return ("differ" if diffs else "not-compared"), diffs


def check_corpus(xp, root):
    """every file's outcome: {file: (outcome, diffs)} and the figures for the summary"""
    path = os.path.join(root, "expected.json")
    try:
        with open(path, encoding="utf-8") as f:
            expected = json.load(f)["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        sys.exit(f"{path}: not the expected values of a corpus ({type(exc).__name__}: {exc})")
    files = corpus_files(root)
    missing = sorted(set(files) ^ set(expected))
    if missing:
        sys.exit("cif corpus: expected.json and the files differ (rerun "
                 "tests/tools/cif_corpus_expect.py): " + ", ".join(missing[:10]))
    lines = run_xtalproof(xp, root, files)
    outcomes = {rel: check_file(rel, expected[rel], lines[rel]) for rel in files}
    figures = Counter()
    for rel in files:
        figures["files"] += 1
        figures["xtalproof read"] += any("symhash" in o for o in lines[rel])
        figures["pymatgen read"] += expected[rel]["pymatgen"]["read"]
        figures["pymatgen refuses, over-full"] += (not expected[rel]["pymatgen"]["read"]
                                                   and OVERFULL in (expected[rel]["pymatgen"]["error"] or ""))
    return outcomes, figures


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: cif_corpus_check.py XTALPROOF CORPUS_DIR")
    xp, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    exceptions = read_exceptions(os.path.join(root, "EXCEPTIONS"))
    outcomes, fig = check_corpus(xp, root)
    unknown = sorted(set(exceptions) - set(outcomes))
    undocumented = stale = 0
    for rel, (outcome, diffs) in sorted(outcomes.items()):
        if rel in exceptions:
            cls, reason = exceptions[rel]
            if outcome == "differ":
                print(f"skip  {rel} [{cls}]: {reason}")
            else:
                stale += 1
                print(f"note  {rel}: listed in EXCEPTIONS [{cls}] but now {outcome}; drop the line")
            continue
        fig[outcome] += 1
        for cls, text in diffs:
            undocumented += 1
            print(f"DIFF  {rel} [{cls}]: {text}")
    for rel in unknown:
        undocumented += 1
        print(f"DIFF  EXCEPTIONS lists {rel}, which is not in the corpus")
    print(f"cif corpus: {fig['files']} files, xtalproof read {fig['xtalproof read']}, "
          f"pymatgen read {fig['pymatgen read']}, agreements {fig['agree']}, "
          f"refused by both (over-full) {fig['refused-too']} of {fig['pymatgen refuses, over-full']}, "
          f"documented exceptions {len(exceptions) - len(unknown) - stale}, stale exceptions {stale}, "
          f"undocumented differences {undocumented}")
    return 1 if undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
