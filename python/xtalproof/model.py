"""Models and prediction: ``xtalproof predict`` from Python."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Optional

from ._lib import cstr, ffi, lib, new_error, text
from .errors import check, from_code


@dataclass(frozen=True)
class Prediction:
    """One structure's output, as ``predict --json`` prints it."""
    value: float            #: value_q / 2^16, in the model's unit
    value_q: int            #: the value in Q16.16: what records commit to
    trace_root: str         #: Merkle root of the forward pass's trace
    symhash: Optional[str]  #: the structure's symhash (with symhash=True)
    atoms: int
    saturations: int        #: values clamped in the forward pass (0 normally)
    error: Optional[str] = None  #: with errors="keep": why this structure failed (else None)


class Model:
    """A CGCNN model file (``.xpm``) by name (``xtalproof models`` lists them; looked for in
    ``$XTALPROOF_MODELS``, ``./models`` and the shipped folder) or by path.

    >>> m = Model("formation-energy-per-atom")
    >>> m.predict([structure])[0].value
    """

    def __init__(self, name: str):
        out = ffi.new("xtp_model **")
        err = new_error()
        check(lib.xtp_model_open(cstr(name), out, err), err)
        self._h = ffi.gc(out[0], lib.xtp_model_free)
        info = ffi.new("xtp_model_info *")
        lib.xtp_model_get_info(self._h, info)
        self.name: str = text(info.name)
        self.property: str = text(info.property)
        self.unit: str = text(info.unit)
        self.architecture: str = text(info.architecture)
        self.model_hash: str = text(info.model_hash)      #: keccak-256 of the file
        self.weights_root: str = text(info.weights_root)  #: root of the weights tree
        self.path: str = text(info.path)

    def __repr__(self) -> str:
        return f"<xtalproof.Model {self.name} ({self.property}, {self.unit}) {self.path}>"

    def predict(self, structures: Iterable[Any], threads: int = 0, batch_size: int = 4096,
                symhash: bool = False, errors: str = "raise") -> List[Prediction]:
        """The model on every structure: the crystal graph and the fixed-point forward pass on
        ``threads`` threads (0: every processor), ``batch_size`` structures per call into the
        library, the GIL released during each. A single structure may be given alone.
        ``symhash`` adds each structure's symhash. ``errors="raise"`` raises the first failure
        with the library's sentence; ``"keep"`` returns it in that structure's ``error``."""
        from .structures import crystal, handles, is_one
        if is_one(structures):
            structures = [structures]
        if errors not in ("raise", "keep"):
            raise ValueError('errors is "raise" or "keep"')
        out: List[Prediction] = []
        batch: list = []
        for s in structures:
            batch.append(crystal(s))
            if len(batch) == batch_size:
                out += self._run(batch, threads, symhash, errors, handles)
                batch = []
        if batch:
            out += self._run(batch, threads, symhash, errors, handles)
        return out

    def _run(self, cs, threads, symhash, errors, handles) -> List[Prediction]:
        res = ffi.new("xtp_prediction[]", len(cs))
        err = new_error()
        flags = lib.XTP_PREDICT_SYMHASH if symhash else 0
        check(lib.xtp_predict(self._h, handles(cs), len(cs), threads, flags, res, err), err)
        out = []
        for i in range(len(cs)):
            r = res[i]
            if r.rc and errors == "raise":
                raise from_code(r.rc, text(r.error))
            out.append(Prediction(r.value, r.value_q, text(r.trace_root),
                                  text(r.symhash) or None, r.atoms, r.saturations,
                                  text(r.error) if r.rc else None))
        return out


def model_dirs() -> List[str]:
    """The folders searched for model names, in order."""
    p = lib.xtp_model_dirs()
    if p == ffi.NULL:
        return []
    try:
        return [d for d in text(p).split("\n") if d]
    finally:
        lib.xtp_free(p)
