"""verify() gives the checks of `xtalproof verify`; tampered records fail; the Merkle proofs'
JSON is checked through the library."""
import json
import os

import pytest

import xtalproof
from conftest import SHARED, TOP, run_cli

VECTORS = os.path.join(TOP, "tests", "vectors", "prover", "vectors.json")
STRUCTURE = os.path.join(SHARED, "data", "cgcnn", "sample-cifs", "1000041.cif")
MODEL = os.path.join(TOP, "models", "formation-energy-per-atom.xpm")


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    """An outside version-2 prediction record (tests/vectors/prover), as a file."""
    with open(VECTORS) as f:
        rec = json.load(f)["v2"]["record"]
    p = tmp_path_factory.mktemp("rec") / "record.json"
    p.write_text(json.dumps(rec, indent=2) + "\n")
    return p


def cli_checks(*args):
    out = run_cli("verify", *args, check=False).stdout
    return [(line[:4], line[5:16].strip(), line[16:].strip()) for line in out.splitlines()]


def test_verify_equals_cli(record):
    v = xtalproof.verify(str(record), structure=STRUCTURE, model=MODEL)
    assert v.ok and [c.status for c in v.checks].count("PASS") == 8
    assert [(c.status, c.name, c.reason) for c in v.checks] == \
        cli_checks(str(record), "--structure", STRUCTURE, "--model", MODEL)
    assert v["inference"].status == "PASS"
    # without a structure or model the checks that need them are skipped, as the CLI does
    bare = xtalproof.verify(json.loads(record.read_text()))
    assert [(c.status, c.name, c.reason) for c in bare.checks] == cli_checks(str(record))
    assert "SKIP" in [c.status for c in bare.checks]


def test_verify_rpc_equals_cli(record):
    """With an RPC URL nothing answers at, the chain's checks say so as the program's do."""
    url = "http://127.0.0.1:9"
    v = xtalproof.verify(str(record), structure=STRUCTURE, model=MODEL, rpc=url, timeout_ms=2000)
    assert [(c.status, c.name, c.reason) for c in v.checks] == \
        cli_checks(str(record), "--structure", STRUCTURE, "--model", MODEL, "--rpc", url)
    assert len(v.checks) > 10


def test_openings_equal_cli(record, tmp_path):
    """Openings from `xtalproof trace open`, good, bad and none, checked as `verify --opening`."""
    lines = [run_cli("trace", "open", str(record), "--structure", STRUCTURE, "--step",
                     step).stdout.strip() for step in ("mean", "head")]
    good = tmp_path / "openings.jsonl"
    good.write_text("\n".join(lines) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"nope": 1}\n\n' + lines[0] + "\ngarbage\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    for f, ok in ((good, True), (bad, False), (empty, False)):
        v = xtalproof.verify(str(record), structure=STRUCTURE, model=MODEL, opening=str(f))
        assert v.ok == ok, str(v)
        assert [(c.status, c.name, c.reason) for c in v.checks] == \
            cli_checks(str(record), "--structure", STRUCTURE, "--model", MODEL, "--opening",
                       str(f))
    v = xtalproof.verify(str(record), structure=STRUCTURE, model=MODEL, opening=lines[1])
    assert [c.reason for c in v.checks if c.name == "opening"][0].startswith("step head holds")


def test_tampered_record_fails(record, tmp_path):
    rec = json.loads(record.read_text())
    rec["valueQ"] = str(int(rec["valueQ"]) + 1) if isinstance(rec["valueQ"], str) \
        else rec["valueQ"] + 1
    v = xtalproof.verify(rec, structure=STRUCTURE, model=MODEL)
    assert not v.ok and v.failed >= 1
    p = tmp_path / "t.json"
    p.write_text(json.dumps(rec))
    assert [(c.status, c.name, c.reason) for c in v.checks] == \
        cli_checks(str(p), "--structure", STRUCTURE, "--model", MODEL)
    bad = xtalproof.verify("{not json")
    assert not bad.ok and bad.checks[0].name == "record" and bad.checks[0].status == "FAIL"
    with pytest.raises(xtalproof.NotFoundError):
        xtalproof.verify(rec, model="nosuch-model")


def test_inclusion_and_consistency_proofs(tmp_path, monkeypatch):
    """Proofs made by the program from a real store, checked from Python; altered ones fail."""
    monkeypatch.setenv("XTALPROOF_HOME", str(tmp_path / "home"))
    cifs = os.path.join(SHARED, "data", "cgcnn", "sample-cifs")
    files = sorted(os.listdir(cifs))
    run_cli("dataset", "create", "d1", "--license", "CC0-1.0")
    run_cli("register", "--dataset", "d1", *[os.path.join(cifs, f) for f in files[:4]])
    run_cli("register", "--dataset", "d1", *[os.path.join(cifs, f) for f in files[4:7]])
    target = os.path.join(cifs, files[5])
    proof = run_cli("proof", "--dataset", "d1", target).stdout
    info = xtalproof.verify_proof(proof, structure=target)
    assert info.dataset == "d1" and info.version == 2 and info.size == 7
    assert info.symhash == xtalproof.symhash(target) and info.structure == "same bytes"
    with pytest.raises(xtalproof.ProofError, match="not the structure"):
        xtalproof.verify_proof(proof, structure=os.path.join(cifs, files[0]))
    doc = json.loads(proof)
    assert xtalproof.verify_proof(doc).index == info.index  # the parsed dict works as the text
    doc["root"] = doc["leafHash"]
    with pytest.raises(xtalproof.ProofError, match="does not lead"):
        xtalproof.verify_proof(doc)
    cons = run_cli("consistency", "--dataset", "d1", "--from", "1", "--to", "2").stdout
    c = xtalproof.verify_consistency(cons)
    assert (c.from_version, c.to_version, c.from_size, c.to_size) == (1, 2, 4, 7)
    doc = json.loads(cons)
    doc["fromRoot"], doc["toRoot"] = doc["toRoot"], doc["fromRoot"]
    with pytest.raises(xtalproof.ProofError, match="does not lead"):
        xtalproof.verify_consistency(doc)
    with pytest.raises(xtalproof.InvalidInputError):
        xtalproof.verify_consistency('{"dataset": "d1"}')
