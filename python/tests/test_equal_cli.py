"""The package's answers are the command line's, on the benchmark's files; pymatgen and ASE
inputs give the hash of the file they were read from."""
import os

import ase.io
import pytest
from pymatgen.core import Structure

import xtalproof
from conftest import STRUCTURES, json_lines, run_cli


def test_identify_equals_hash_json(subset):
    cli = json_lines(run_cli("hash", "--json", *subset).stdout)
    assert len(cli) == len(subset)
    for f, c in zip(subset, cli):
        i = xtalproof.identify(f)
        assert (i.symhash, i.protohash, i.spacegroup, i.formula, i.natoms, i.disordered,
                i.structure_root) == (c["symhash"], c["protohash"], c["spacegroup"],
                                      c["formula"], c["natoms"], c["disordered"],
                                      c["structureRoot"]), f


def test_symhashes_batch_equals_one_by_one(subset):
    assert xtalproof.symhashes(subset) == [xtalproof.symhash(f) for f in subset]


def test_pymatgen_and_ase_give_the_files_hash(subset):
    cli = {c["file"]: c["symhash"] for c in json_lines(run_cli("hash", "--json", *subset).stdout)}
    for f in subset[:30]:
        assert xtalproof.symhash(Structure.from_file(f)) == cli[f], f
        assert xtalproof.symhash(ase.io.read(f)) == cli[f], f


def test_cif_by_pymatgen_and_poscar_by_ase_are_one_crystal(tmp_path):
    cifs = sorted(os.listdir(os.path.join(STRUCTURES, "cifs")))[::15]
    for name in cifs:
        cif = os.path.join(STRUCTURES, "cifs", name)
        poscar = tmp_path / (name[:-4] + ".vasp")
        ase.io.write(str(poscar), ase.io.read(cif), format="vasp", direct=True)
        a = xtalproof.symhash(Structure.from_file(cif))
        assert a == xtalproof.symhash(ase.io.read(str(poscar))), name
        assert a == run_cli("hash", "--json", str(poscar)).stdout.split('"symhash":"')[1][:66]


def test_plain_arrays_and_disorder():
    nacl = ([[0, 2.81, 2.81], [2.81, 0, 2.81], [2.81, 2.81, 0]], ["Na", "Cl"],
            [[0, 0, 0], [0.5, 0.5, 0.5]])
    assert xtalproof.identify(nacl).formula == "NaCl"
    assert xtalproof.identify(nacl).spacegroup == 225
    assert xtalproof.symhash(nacl) == xtalproof.symhash(
        {"lattice": nacl[0], "species": [11, 17], "frac": nacl[2]})
    # a mixed site: the same crystal from a dict of occupancies and from pymatgen
    mixed = (nacl[0], [{"Na": 0.5, "K": 0.5}, "Cl"], nacl[2])
    ident = xtalproof.identify(mixed)
    assert ident.disordered and ident.structure_root is None
    s = Structure(nacl[0], [{"Na": 0.5, "K": 0.5}, "Cl"], nacl[2])
    assert xtalproof.symhash(s) == ident.symhash


def test_same_equals_cli():
    base = os.path.join(STRUCTURES, "bench", "spg-cubic-225")
    pairs = [("orig.vasp", "strain.vasp"), ("orig.vasp", "swap.vasp"), ("orig.vasp", "super.vasp")]
    for a, b in pairs:
        a, b = os.path.join(base, a), os.path.join(base, b)
        c = json_lines(run_cli("same", "--json", a, b, check=False).stdout)[0]
        r = xtalproof.same(Structure.from_file(a), ase.io.read(b))
        assert (r.same, r.reason, r.formula_a, r.primitive_atoms_b) == \
            (c["same"], c["reason"], c["a"]["formula"], c["b"]["primitive_atoms"])
        if c["rms"] is not None:
            assert r.rms == pytest.approx(c["rms"], rel=1e-6, abs=1e-9)


def test_group_by_crystal_and_material():
    base = os.path.join(STRUCTURES, "bench", "spg-cubic-225")
    names = ["orig.vasp", "perm.vasp", "rot.vasp", "strain.vasp", "swap.vasp"]
    g = xtalproof.group([os.path.join(base, n) for n in names])
    # orig, perm, rot: one crystal; strain another crystal of the same material; swap another
    assert g.crystals == [[0, 1, 2], [3], [4]]
    assert g.materials == [[0, 1, 2, 3], [4]]


def test_predict_equals_cli(subset):
    files = subset[:12]
    cli = json_lines(run_cli("predict", "--json", "--model", "formation-energy-per-atom",
                             *files).stdout)
    m = xtalproof.Model("formation-energy-per-atom")
    assert m.model_hash == cli[0]["modelHash"]
    got = m.predict([Structure.from_file(f) for f in files], symhash=True)
    by_file = {c["file"]: c for c in cli}
    for f, p in zip(files, got):
        c = by_file[f]
        assert (p.value_q, p.trace_root, p.symhash) == (c["valueQ"], c["traceRoot"],
                                                          c["symhash"]), f
        assert p.value == pytest.approx(c["value"], abs=1e-9)
    # batches of any size give the same
    assert m.predict(files, batch_size=5, threads=2) == m.predict(files)
