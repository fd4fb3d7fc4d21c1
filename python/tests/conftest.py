"""Where the tests find the program, the shared data and the package. ctest (tests/CMakeLists.txt)
sets XTALPROOF_CLI, XTALPROOF_LIB, XTALPROOF_SHARED, XTALPROOF_MODELS and PYTHONPATH; run by
hand from the checkout's top the defaults below point at build/ and ../shared."""
import glob
import json
import os
import subprocess

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("XTALPROOF_CLI", os.path.join(TOP, "build", "bin", "xtalproof"))
SHARED = os.environ.get("XTALPROOF_SHARED", os.path.join(TOP, "..", "shared"))
STRUCTURES = os.path.join(SHARED, "data", "structures")
os.environ.setdefault("XTALPROOF_LIB", os.path.join(TOP, "build", "lib", "libxtalproof.so.1"))
os.environ.setdefault("XTALPROOF_MODELS", os.path.join(TOP, "models"))


def run_cli(*args, check=True):
    """The program's stdout (the test fails when it exits otherwise than check allows)."""
    p = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"xtalproof {' '.join(args)}: exit {p.returncode}: {p.stderr}")
    return p


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def bench_files():
    """The benchmark's files: bench/*/* and cifs/*, sorted."""
    files = sorted(glob.glob(os.path.join(STRUCTURES, "bench", "*", "*.vasp")) +
                   glob.glob(os.path.join(STRUCTURES, "bench", "*", "*.cif")) +
                   glob.glob(os.path.join(STRUCTURES, "cifs", "*.cif")))
    if not files:
        pytest.skip(f"no benchmark structures under {STRUCTURES} (set XTALPROOF_SHARED)")
    return files


@pytest.fixture(scope="session")
def subset():
    """A bounded, spread subset of the benchmark's files of at most 60 atoms (every 40th)."""
    import xtalproof
    out = []
    for f in bench_files()[::40]:
        if len(xtalproof.read(f)[0]) <= 60:
            out.append(f)
    return out
