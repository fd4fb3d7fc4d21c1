#!/usr/bin/env python3
"""Verify a published prediction record: every check of `xtalproof verify` from Python, the
lines printed as the command prints them; exit 0 when none failed.

    python3 examples/python/verify_record.py RECORD.json [--structure FILE] [--model NAME|FILE]
                                             [--rpc URL] [--proof PROOF.json]

A record is made with `xtalproof prove --model NAME --keystore KS --out RECORD.json FILE`
(docs/python.md). With --structure the structure file is checked against the record's
symhash, content hash and structure root; the model (given, else the record's modelName when
its hash matches) re-runs the network; --rpc reads the chain. --proof also checks a dataset's
inclusion proof of the structure (what `xtalproof proof` prints or the node serves).
"""
import argparse
import sys

import xtalproof


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("record")
    ap.add_argument("--structure")
    ap.add_argument("--model")
    ap.add_argument("--rpc")
    ap.add_argument("--proof")
    a = ap.parse_args(argv)
    v = xtalproof.verify(a.record, structure=a.structure, model=a.model, rpc=a.rpc)
    print(v)
    ok = v.ok
    if a.proof:
        try:
            p = xtalproof.verify_proof(a.proof, structure=a.structure)
            print(f"PASS proof       record {p.index} of dataset {p.dataset} version {p.version} "
                  f"({p.size} records), root {p.root}; compare it with the anchored root")
        except xtalproof.XtalproofError as e:
            print(f"FAIL proof       {e}")
            ok = False
    print("valid" if ok else f"{v.failed} check(s) failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
