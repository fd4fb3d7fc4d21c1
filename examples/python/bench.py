#!/usr/bin/env python3
"""The package's speed against the program's, side by side in one run, as JSON lines:

- hash: symhashes of pymatgen Structures already in memory (one call per structure, the
  conversion included) against `xtalproof bench hash` on the same files: its structures per
  CPU second (reading the files included), and its hashing alone (estimated: its CPU time in
  the share of its wall time hashing took);
- predict: Model.predict on Crystals in memory (graph and forward pass) against
  `xtalproof bench infer` on the same files (its featurize and forward phases one after the
  other), same threads, per wall second and per CPU second of each process;
- group: xtalproof.group against pymatgen's StructureMatcher.group_structures on the same
  pymatgen Structures (wall seconds; pymatgen buckets by composition itself).

    python3 examples/python/bench.py [--limit N] [--threads T] [--no-group] [PATH...]

Without paths: the benchmark's files (../shared/data/structures: bench/*/* and cifs/*) of at
most --max-atoms (60) atoms. --limit takes every k-th file so that at most N remain.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time
import warnings

import xtalproof

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def default_files():
    shared = os.environ.get("XTALPROOF_SHARED", os.path.join(TOP, "..", "shared"))
    s = os.path.join(shared, "data", "structures")
    return sorted(glob.glob(os.path.join(s, "bench", "*", "*.vasp")) +
                  glob.glob(os.path.join(s, "bench", "*", "*.cif")) +
                  glob.glob(os.path.join(s, "cifs", "*.cif")))


def cli_json(cli, *args):
    out = subprocess.run([cli, *args], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_hash(cli, files, structures):
    c = cli_json(cli, "bench", "hash", *files)
    t0, w0 = time.process_time(), time.perf_counter()
    for s in structures:
        xtalproof.symhash(s)
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    py = len(structures) / cpu
    # the command's hashing alone per CPU second, estimated: its CPU time in the share of its
    # wall time that hashing took (bench hash times reading and hashing apart by the clock)
    hash_cpu = c["cpu_seconds"] * c["hash_seconds"] / c["seconds"]
    return {"bench": "python-hash", "structures": len(structures),
            "python_per_cpu_second": round(py, 1),
            "python_per_second": round(len(structures) / wall, 1),
            "cli_per_cpu_second": c["structures_per_cpu_second"],
            "cli_per_second": c["structures_per_second"],
            "cli_hash_only_per_cpu_second": round(c["structures"] / hash_cpu, 1),
            "ratio_cpu": round(py / c["structures_per_cpu_second"], 3),
            "ratio_hash_only_cpu": round(py / (c["structures"] / hash_cpu), 3)}


def rate(a, b):
    """Structures per second of two phases one after the other."""
    return 1.0 / (1.0 / a + 1.0 / b)


def bench_predict(cli, files, threads, model):
    c = cli_json(cli, "bench", "infer", "--model", model, "--threads", str(threads), *files)
    m = xtalproof.Model(model)
    crystals = [x for f in files for x in xtalproof.read(f)]
    t0, w0 = time.process_time(), time.perf_counter()
    m.predict(crystals, threads=threads)
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    cli_wall = rate(c["featurize_per_second"], c["forward_per_second"])
    cli_cpu = rate(c["featurize_per_cpu_second"], c["forward_per_cpu_second"])
    return {"bench": "python-predict", "model": model, "threads": threads,
            "structures": len(crystals), "python_per_second": round(len(crystals) / wall, 1),
            "python_per_cpu_second": round(len(crystals) / cpu, 1),
            "cli_featurize_forward_per_second": round(cli_wall, 1),
            "cli_featurize_forward_per_cpu_second": round(cli_cpu, 1),
            "cli_end_to_end_per_second": c["end_to_end_per_second"],
            "ratio": round(len(crystals) / wall / cli_wall, 3),
            "ratio_cpu": round(len(crystals) / cpu / cli_cpu, 3)}


def bench_group(structures):
    from pymatgen.analysis.structure_matcher import StructureMatcher
    t0 = time.perf_counter()
    g = xtalproof.group(structures)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    pm = StructureMatcher().group_structures(structures)
    theirs = time.perf_counter() - t0
    return {"bench": "python-group", "structures": len(structures), "crystals": len(g.crystals),
            "materials": len(g.materials), "xtalproof_seconds": round(ours, 3),
            "pymatgen_groups": len(pm), "pymatgen_seconds": round(theirs, 3)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--max-atoms", type=int, default=60)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--model", default="formation-energy-per-atom")
    ap.add_argument("--no-group", action="store_true")
    ap.add_argument("--cli", default=os.environ.get("XTALPROOF_CLI",
                                                    os.path.join(TOP, "build", "bin", "xtalproof")))
    a = ap.parse_args(argv)
    from pymatgen.core import Structure
    warnings.filterwarnings("ignore")
    files = a.paths or default_files()
    files = [f for f in files if len(xtalproof.read(f)[0]) <= a.max_atoms]
    if a.limit and len(files) > a.limit:
        files = files[::-(-len(files) // a.limit)]
    structures = [Structure.from_file(f) for f in files]
    print(json.dumps(bench_hash(a.cli, files, structures)), flush=True)
    print(json.dumps(bench_predict(a.cli, files, a.threads, a.model)), flush=True)
    if not a.no_group:
        print(json.dumps(bench_group(structures)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
