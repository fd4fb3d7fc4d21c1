"""Structures: what every function that takes a crystal accepts, turned into the C library's
handle (:class:`Crystal`).

Accepted wherever a structure is meant:

- a :class:`Crystal` (from :func:`read`, :func:`read_text` or :func:`crystal`);
- a pymatgen ``Structure`` (ordered or disordered: a site's species and occupancies);
- an ASE ``Atoms`` (periodic, ordered);
- a path (``str`` or ``os.PathLike``) of a CIF or POSCAR file holding one structure;
- plain arrays: a tuple ``(lattice, species, frac)`` or a dict with those keys: ``lattice``
  3x3 rows in Å, ``species`` one entry per site (an element symbol, an atomic number, or a dict
  ``{symbol: occupancy}`` for a disordered site), ``frac`` fractional coordinates (n x 3).
"""
from __future__ import annotations

import os
from typing import Any, Iterable, List, Optional, Sequence

import numpy as np

from ._lib import cstr, ffi, lib, new_error, text
from .errors import InvalidInputError, check

_Z = {}


def _z_of(symbol: Any) -> int:
    if isinstance(symbol, (int, np.integer)):
        return int(symbol)
    if not _Z:
        from ase.data import atomic_numbers
        _Z.update(atomic_numbers)
    s = str(symbol).strip()
    s = s[:1].upper() + s[1:].lower()
    if s not in _Z:
        raise InvalidInputError(f"{symbol!r} is not an element symbol")
    return _Z[s]


class Crystal:
    """A crystal held by the C library: a lattice and sites. Made by :func:`crystal`,
    :func:`read` or :func:`read_text`; accepted wherever a structure is."""

    __slots__ = ("_h", "__weakref__")

    def __init__(self, handle):
        self._h = ffi.gc(handle, lib.xtp_structure_free)

    def __len__(self) -> int:
        return int(lib.xtp_structure_sites(self._h))

    @property
    def source(self) -> str:
        """The file it was read from, or the name it was given ("" when none)."""
        return text(lib.xtp_structure_source(self._h))

    @property
    def block(self) -> str:
        """The CIF data block or POSCAR comment ("" when none)."""
        return text(lib.xtp_structure_block(self._h))

    def arrays(self):
        """``(lattice 3x3, z (n,), occupancy (n,), frac (n, 3))`` as numpy arrays."""
        n = len(self)
        lat = np.zeros((3, 3))
        z = np.zeros(n, dtype=np.intc)
        occ = np.zeros(n)
        frac = np.zeros((n, 3))
        lib.xtp_structure_get(self._h, ffi.from_buffer("double[]", lat),
                              ffi.from_buffer("int[]", z), ffi.from_buffer("double[]", occ),
                              ffi.from_buffer("double[]", frac))
        return lat, z, occ, frac

    def __repr__(self) -> str:
        where = f" from {self.source}" if self.source else ""
        return f"<xtalproof.Crystal of {len(self)} sites{where}>"


def from_arrays(lattice: Any, z: Any, frac: Any, occupancy: Any = None,
                name: Optional[str] = None) -> Crystal:
    """A :class:`Crystal` from numbers: lattice rows in Å (3x3), atomic numbers (n), fractional
    coordinates (n x 3), occupancies (n, optional: all 1). A disordered site is several entries
    at one position."""
    lat = np.ascontiguousarray(lattice, dtype=np.float64)
    zz = np.ascontiguousarray(z, dtype=np.intc)
    fr = np.ascontiguousarray(frac, dtype=np.float64)
    if lat.shape != (3, 3):
        raise InvalidInputError(f"the lattice must be 3x3, not {lat.shape}")
    if zz.ndim != 1 or fr.shape != (len(zz), 3):
        raise InvalidInputError(f"{len(zz)} species need {len(zz)} x 3 fractional coordinates, "
                                f"not {fr.shape}")
    occ = ffi.NULL
    if occupancy is not None:
        oc = np.ascontiguousarray(occupancy, dtype=np.float64)
        if oc.shape != zz.shape:
            raise InvalidInputError(f"{len(zz)} sites need {len(zz)} occupancies")
        occ = ffi.from_buffer("double[]", oc)
    out = ffi.new("xtp_structure **")
    err = new_error()
    rc = lib.xtp_structure_new(ffi.from_buffer("double[]", lat), len(zz),
                               ffi.from_buffer("int[]", zz), occ,
                               ffi.from_buffer("double[]", fr), cstr(name), out, err)
    check(rc, err)
    return Crystal(out[0])


def _from_pymatgen(s: Any) -> Crystal:
    lat = s.lattice.matrix
    try:
        z = [sp.Z for sp in s.species]  # ordered structures only
        return from_arrays(lat, z, s.frac_coords)
    except AttributeError:
        pass
    z, occ, frac = [], [], []
    for site in s:
        for sp, o in site.species.items():
            z.append(sp.Z)
            occ.append(o)
            frac.append(site.frac_coords)
    return from_arrays(lat, z, frac, occ)


def _from_ase(a: Any) -> Crystal:
    if not all(a.pbc) or abs(a.cell.volume) == 0:
        raise InvalidInputError("the ASE Atoms is not a periodic crystal (pbc and a cell are "
                                "needed)")
    return from_arrays(a.cell.array, a.numbers, a.get_scaled_positions(wrap=False))


def _from_plain(lattice: Any, species: Sequence[Any], frac: Any) -> Crystal:
    coords = np.asarray(frac, dtype=np.float64).reshape(-1, 3)
    if len(species) != len(coords):
        raise InvalidInputError(f"{len(species)} species and {len(coords)} coordinates")
    z, occ, fr = [], [], []
    disordered = False
    for sp, f in zip(species, coords):
        if isinstance(sp, dict):
            disordered = True
            for el, o in sp.items():
                z.append(_z_of(el))
                occ.append(float(o))
                fr.append(f)
        else:
            z.append(_z_of(sp))
            occ.append(1.0)
            fr.append(f)
    return from_arrays(lattice, z, np.array(fr).reshape(-1, 3), occ if disordered else None)


def read(path: "str | os.PathLike", species: Optional[str] = None) -> List[Crystal]:
    """Every structure of a CIF or POSCAR file (species: the element names of a VASP 4 POSCAR
    without a species line, ``"K Cl"``)."""
    items = ffi.new("xtp_structure ***")
    n = ffi.new("size_t *")
    err = new_error()
    check(lib.xtp_read(os.fsencode(path), cstr(species), items, n, err), err)
    out = [Crystal(items[0][i]) for i in range(n[0])]
    lib.xtp_free(items[0])
    return out


def read_text(content: "str | bytes", name: str = "structure.cif",
              species: Optional[str] = None) -> List[Crystal]:
    """Every structure of a file's text; ``name`` gives the format by its extension (``.cif``,
    ``.vasp``, ``POSCAR``) and names it in messages."""
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    items = ffi.new("xtp_structure ***")
    n = ffi.new("size_t *")
    err = new_error()
    check(lib.xtp_read_mem(cstr(name), data, len(data), cstr(species), items, n, err), err)
    out = [Crystal(items[0][i]) for i in range(n[0])]
    lib.xtp_free(items[0])
    return out


def crystal(s: Any) -> Crystal:
    """Any accepted structure (see the module's help) as a :class:`Crystal`."""
    if isinstance(s, Crystal):
        return s
    mod = type(s).__module__
    if mod.startswith("pymatgen") and hasattr(s, "lattice") and hasattr(s, "frac_coords"):
        return _from_pymatgen(s)
    if mod.startswith("ase") and hasattr(s, "get_scaled_positions"):
        return _from_ase(s)
    if isinstance(s, (str, os.PathLike)):
        items = read(s)
        if len(items) != 1:
            raise InvalidInputError(f"{os.fspath(s)}: holds {len(items)} structures; give one "
                                    "(xtalproof.read gives them all)")
        return items[0]
    if isinstance(s, dict) and {"lattice", "species", "frac"} <= set(s):
        return _from_plain(s["lattice"], s["species"], s["frac"])
    if isinstance(s, (tuple, list)) and len(s) == 3:
        return _from_plain(*s)
    raise InvalidInputError(f"a {type(s).__name__} is not a structure: give a pymatgen "
                            "Structure, an ASE Atoms, a path, or (lattice, species, frac)")


def is_one(x: Any) -> bool:
    """Whether x is one structure (rather than a collection of them)."""
    if isinstance(x, (Crystal, str, bytes, os.PathLike, dict)):
        return True
    if type(x).__module__.startswith(("pymatgen", "ase")):
        return True
    if isinstance(x, (tuple, list)) and len(x) == 3:
        try:  # (lattice, species, frac): the first is 3 rows of 3 numbers
            return np.asarray(x[0], dtype=np.float64).shape == (3, 3)
        except (TypeError, ValueError):
            return False
    return False


def crystals(items: Iterable[Any]) -> List[Crystal]:
    """Each item of an iterable as a :class:`Crystal`."""
    return [crystal(x) for x in items]


def handles(cs: List[Crystal]):
    """A C array of the crystals' handles (the list must outlive it)."""
    return ffi.new("xtp_structure *[]", [c._h for c in cs]) if cs else ffi.NULL
