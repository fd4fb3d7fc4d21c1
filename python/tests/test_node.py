"""Node(url, token) against a real `xtalproof node` on a free loopback port with a home of its
own: datasets, registering, records, proofs (checked by verify_proof), prediction (equal to
Model.predict), prediction records, and the API's errors as NodeError."""
import os
import subprocess
import time

import pytest

import xtalproof
from conftest import CLI, SHARED


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    home = tmp_path_factory.mktemp("node")
    env = dict(os.environ, XTALPROOF_HOME=str(home / "home"))
    port_file = home / "port"
    p = subprocess.Popen([CLI, "node", "--port", "0", "--port-file", str(port_file)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        if port_file.exists() and port_file.read_text().strip():
            break
        if p.poll() is not None:
            pytest.fail(f"the node exited: {p.stderr.read().decode()}")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port_file.read_text().strip()}"
    yield xtalproof.Node(url, str(home / "home" / "api-token")), url
    p.terminate()
    assert p.wait(timeout=30) == 0


def test_datasets_records_and_proofs(node):
    n, _ = node
    assert n.health()["status"] == "ok"
    cifs = os.path.join(SHARED, "data", "cgcnn", "sample-cifs")
    files = [os.path.join(cifs, f) for f in sorted(os.listdir(cifs))[:3]]
    n.create_dataset("lab", "CC0-1.0", description="three crystals")
    with pytest.raises(xtalproof.NodeError) as e:
        n.create_dataset("lab", "CC0-1.0")
    assert e.value.status == 409 and "lab" in str(e.value)
    added = n.register("lab", files)
    assert added["added"] == 3 and added["version"] == 1
    assert [r["symhash"] for r in added["results"]] == xtalproof.symhashes(files)
    again = n.register("lab", [("copy.cif", open(files[0]).read())])
    assert again["duplicates"] == 1
    assert [d["name"] for d in n.datasets()] == ["lab"]
    assert n.dataset("lab")["records"] == 3
    sym = xtalproof.symhash(files[1])
    assert n.record("lab", sym)["index"] == 1
    info = xtalproof.verify_proof(n.proof("lab", sym), structure=files[1])
    assert (info.dataset, info.size, info.index, info.symhash) == ("lab", 3, 1, sym)
    assert info.root == n.dataset("lab")["versions"][-1]["root"]
    with pytest.raises(xtalproof.NodeError) as e:
        n.record("lab", "0x" + "00" * 32)
    assert e.value.status == 404


def test_predict_and_errors(node):
    n, url = node
    f = os.path.join(SHARED, "data", "cgcnn", "sample-cifs", "1000041.cif")
    got = n.predict(f, "formation-energy-per-atom")
    mine = xtalproof.Model("formation-energy-per-atom").predict(f, symhash=True)[0]
    assert (got["valueQ"], got["traceRoot"], got["symhash"]) == \
        (mine.value_q, mine.trace_root, mine.symhash)
    with pytest.raises(xtalproof.NodeError) as e:
        n.predict(("x.cif", "not a crystal"), "formation-energy-per-atom")
    assert e.value.status == 400
    with pytest.raises(xtalproof.NodeError) as e:
        n.predict(f, "nosuch")
    assert e.value.status == 404
    with pytest.raises(xtalproof.NodeError) as e:
        xtalproof.Node(url, "wrong-token").create_dataset("x", "MIT")
    assert e.value.status == 401
    assert n.predictions()["predictions"] == []
    with pytest.raises(xtalproof.NodeError) as e:  # this node has no key to sign with
        n.make_prediction(f, "formation-energy-per-atom")
    assert e.value.status == 409
    with pytest.raises(xtalproof.NodeError) as e:
        n.prediction("0x" + "ab" * 32)
    assert e.value.status == 404
    with pytest.raises(xtalproof.NodeError) as e:
        n.round(0)
    assert e.value.status in (400, 404)
    with pytest.raises(xtalproof.NodeError) as e:
        xtalproof.Node("http://127.0.0.1:9").health()
    assert e.value.status == 0 and "did not answer" in str(e.value)
