"""xtalproof: crystal identity, matching, fixed-point CGCNN prediction and the checks of
prediction records and dataset proofs, from Python, through libxtalproof's C API.

Structures are accepted in every form a materials group holds them: a pymatgen ``Structure``,
an ASE ``Atoms``, a CIF or POSCAR path, or plain arrays ``(lattice, species, frac)``.

>>> import xtalproof
>>> xtalproof.identify("NaCl.cif").symhash
>>> xtalproof.same(structure_a, atoms_b).same
>>> xtalproof.group(structures).materials
>>> xtalproof.Model("formation-energy-per-atom").predict(structures)
>>> xtalproof.verify("record.json", structure="NaCl.cif").ok
>>> xtalproof.Node("http://127.0.0.1:8547", token).datasets()

Results equal the command line's (``xtalproof hash``, ``same``, ``predict``, ``verify``,
``verify-proof``): both are the same library. Failures raise :class:`XtalproofError`
subclasses carrying the library's sentence. docs/python.md has the whole guide.
"""
from ._lib import LIBRARY_PATH, lib as _lib, text as _text
from .errors import (InvalidInputError, NodeError, NotFoundError, ProofError, UnsupportedError,
                     XtalproofError)
from .identity import Groups, Identity, MatchReport, group, identify, same, symhash, symhashes
from .model import Model, Prediction, model_dirs
from .node import Node
from .structures import Crystal, crystal, from_arrays, read, read_text
from .verify import (Check, ConsistencyProof, InclusionProof, Verification, verify,
                     verify_consistency, verify_proof)

__version__ = "0.1.0"
#: the version of the loaded C library and of its binding API
library_version: str = _text(_lib.xtp_library_version())
api_version: int = _lib.xtp_api_version()

__all__ = [
    "identify", "symhash", "symhashes", "same", "group", "Identity", "MatchReport", "Groups",
    "Model", "Prediction", "model_dirs", "verify", "verify_proof", "verify_consistency",
    "Verification", "Check", "InclusionProof", "ConsistencyProof", "Node", "Crystal", "crystal",
    "from_arrays", "read", "read_text", "XtalproofError", "InvalidInputError", "NotFoundError",
    "ProofError", "UnsupportedError", "NodeError", "LIBRARY_PATH", "library_version",
    "api_version",
]
