"""The examples of examples/python run on small inputs and say what they should."""
import json
import os
import subprocess
import sys

from conftest import SHARED, STRUCTURES, TOP

EXAMPLES = os.path.join(TOP, "examples", "python")


def run(script, *args):
    p = subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args],
                       capture_output=True, text=True, timeout=240)
    return p.returncode, p.stdout, p.stderr


def test_dedup_example():
    rc, out, err = run("dedup.py", os.path.join(STRUCTURES, "bench", "spg-cubic-225"))
    assert rc == 0, err
    report = json.loads(out.splitlines()[-1])
    # 15 files: swap is another material, every other variant the same one
    assert report["files"] == 15 and report["materials"] == 2
    assert report["pymatgen_seconds"] >= 0 and report["xtalproof_seconds"] >= 0
    assert out.splitlines()[0].startswith("14 files")


def test_verify_record_example(tmp_path):
    with open(os.path.join(TOP, "tests", "vectors", "prover", "vectors.json")) as f:
        rec = json.load(f)["v2"]["record"]
    p = tmp_path / "record.json"
    p.write_text(json.dumps(rec))
    cif = os.path.join(SHARED, "data", "cgcnn", "sample-cifs", "1000041.cif")
    rc, out, err = run("verify_record.py", str(p), "--structure", cif)
    assert rc == 0, out + err
    assert out.count("PASS") == 8 and out.strip().endswith("valid")
    rec["valueQ"] = rec["valueQ"] + 1 if isinstance(rec["valueQ"], int) else \
        str(int(rec["valueQ"]) + 1)
    p.write_text(json.dumps(rec))
    rc, out, _ = run("verify_record.py", str(p), "--structure", cif)
    assert rc == 1 and "FAIL" in out


def test_bench_example():
    rc, out, err = run("bench.py", "--limit", "12", "--threads", "1")
    assert rc == 0, err
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["bench"] for x in lines] == ["python-hash", "python-predict", "python-group"]
    assert all(x["structures"] > 0 for x in lines)
