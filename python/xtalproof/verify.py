"""Checking: a prediction record (``xtalproof verify``) and Merkle proofs of datasets
(``xtalproof verify-proof``, ``xtalproof consistency --verify``)."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, List, Optional

from ._lib import cstr, ffi, lib, new_error, text
from .errors import ProofError, check

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
_STATUS = {0: PASS, 1: FAIL, 2: SKIP}


@dataclass(frozen=True)
class Check:
    """One line of ``xtalproof verify``."""
    name: str    #: record, signature, value, structure, file, inclusion, model, inference, ...
    status: str  #: "PASS", "FAIL" or "SKIP"
    reason: str

    def __str__(self) -> str:
        return f"{self.status} {self.name:<10} {self.reason}"


@dataclass(frozen=True)
class Verification:
    """Every check of a record; true when none failed."""
    checks: List[Check]
    failed: int

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def __bool__(self) -> bool:
        return self.ok

    def __getitem__(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def __str__(self) -> str:
        return "\n".join(str(c) for c in self.checks)


def _bytes_of(doc: Any) -> bytes:
    """A JSON document given as a path, text, bytes or a parsed object."""
    if isinstance(doc, (dict, list)):
        return json.dumps(doc).encode("utf-8")
    if isinstance(doc, bytes):
        return doc
    if isinstance(doc, os.PathLike) or (isinstance(doc, str) and not doc.lstrip().startswith("{")):
        with open(doc, "rb") as f:
            return f.read()
    return str(doc).encode("utf-8")


def verify(record: Any, structure: "str | os.PathLike | None" = None,
           model: Optional[str] = None, rpc: Optional[str] = None,
           provenance: Optional[str] = None, dataset_id: Optional[int] = None,
           from_block: int = 0, timeout_ms: int = 0,
           opening: "str | os.PathLike | None" = None) -> Verification:
    """Every check ``xtalproof verify`` makes on a prediction record (a path, its JSON text or
    the parsed dict): with ``structure`` (the structure file) its hashes and inclusion, with the
    model (``model``, else the record's modelName when its hash matches) the re-run of the
    network, with ``rpc`` (a JSON-RPC URL) the chain's checks as ``verify --rpc`` (with
    ``provenance``, ``dataset_id``, ``from_block``), with ``opening`` (a file of what
    ``xtalproof trace open`` prints, or that text) each opening recomputed against the record's
    roots. Checks whose input is missing are SKIP."""
    rec = _bytes_of(record)
    keep = []  # the C strings the options point at, alive until the call returns

    def c(b: bytes):
        keep.append(ffi.new("char[]", b))
        return keep[-1]

    o = ffi.new("xtp_verify_options *")
    o.dataset_id = -1 if dataset_id is None else int(dataset_id)
    o.from_block = from_block
    o.timeout_ms = timeout_ms
    if structure is not None:
        with open(structure, "rb") as f:
            data = f.read()
        o.structure_name = c(os.fsencode(structure))
        o.structure_data, o.structure_len = c(data), len(data)
    if opening is not None:
        if isinstance(opening, os.PathLike) or not str(opening).lstrip().startswith("{"):
            with open(opening, "rb") as f:
                lines = f.read()
            o.opening_name = c(os.fsencode(opening))
        else:
            lines = str(opening).encode("utf-8")
        o.opening_data, o.opening_len = c(lines), len(lines)
    for field, value in (("model", model), ("rpc_url", rpc), ("provenance", provenance)):
        if value is not None:
            setattr(o, field, c(cstr(value)))
    checks = ffi.new("xtp_check[]", lib.XTP_MAX_CHECKS)
    n, failed = ffi.new("size_t *"), ffi.new("size_t *")
    err = new_error()
    check(lib.xtp_verify(rec, len(rec), o, checks, n, failed, err), err)
    out = [Check(text(checks[i].name), _STATUS[checks[i].status], text(checks[i].reason))
           for i in range(n[0])]
    return Verification(out, failed[0])


@dataclass(frozen=True)
class InclusionProof:
    """A checked inclusion proof: the record at ``index`` of version ``version`` (``size``
    records, root ``root``) of ``dataset``. Compare ``root`` with the anchored root."""
    dataset: str
    version: int
    size: int
    index: int
    root: str
    symhash: str
    protohash: str
    content_sha256: str
    structure: Optional[str] = None  #: with a structure file: "same bytes" or "same crystal"


@dataclass(frozen=True)
class ConsistencyProof:
    """A checked consistency proof: version ``from_version`` is a prefix of ``to_version``."""
    dataset: str
    from_version: int
    to_version: int
    from_size: int
    to_size: int
    from_root: str
    to_root: str


def verify_proof(proof: Any, structure: "str | os.PathLike | None" = None) -> InclusionProof:
    """Checks an inclusion proof's JSON (a path, its text or the parsed dict; what ``xtalproof
    proof`` prints and the node serves) through the library: the leaf is a record and its path
    leads to the root. With ``structure``, the file must be the record's crystal (its symhash,
    or the registered bytes). Raises :class:`ProofError` or ``InvalidInputError`` when not."""
    doc = _bytes_of(proof)
    info = ffi.new("xtp_proof_info *")
    err = new_error()
    check(lib.xtp_verify_inclusion(doc, len(doc), info, err), err)
    sym = text(info.symhash)
    how = None
    if structure is not None:
        from .identity import symhashes
        from .structures import read
        with open(structure, "rb") as f:
            same_bytes = "0x" + hashlib.sha256(f.read()).hexdigest() == text(info.content_sha256)
        found = sym in symhashes(read(structure))
        if not found and not same_bytes:
            raise ProofError(f"{os.fspath(structure)} is not the structure of the leaf (its "
                             "symhash differs)", -4)
        how = "same bytes" if same_bytes else "same crystal"
    return InclusionProof(text(info.dataset), info.version, info.size, info.index,
                          text(info.root), sym, text(info.protohash),
                          text(info.content_sha256), how)


def verify_consistency(proof: Any) -> ConsistencyProof:
    """Checks a consistency proof's JSON (``xtalproof consistency`` prints it): the earlier
    version's root is a prefix of the later's. Raises :class:`ProofError` when not."""
    doc = _bytes_of(proof)
    info = ffi.new("xtp_proof_info *")
    err = new_error()
    check(lib.xtp_verify_consistency(doc, len(doc), info, err), err)
    return ConsistencyProof(text(info.dataset), info.from_version, info.to_version,
                            info.from_size, info.to_size, text(info.from_root),
                            text(info.to_root))
