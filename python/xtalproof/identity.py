"""Identity and matching: symhash and protohash (``xtalproof hash``), the loose matcher
(``xtalproof same``) and grouping many structures by crystal and by material."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Optional

from ._lib import ffi, lib, new_error, text
from .errors import check
from .structures import crystal, crystals, handles


@dataclass(frozen=True)
class Identity:
    """What ``xtalproof hash --json`` says of a structure."""
    symhash: str          #: the symmetry-invariant hash, "0x" + 64 hex digits
    protohash: str        #: the prototype hash (species left out)
    spacegroup: int       #: international number, 1..230
    international: str    #: short Hermann-Mauguin symbol
    formula: str          #: reduced formula, electropositive first (NaCl, BaTiO3)
    natoms: int           #: sites of the structure given
    nprim: int            #: positions of its primitive cell
    disordered: bool
    structure_root: Optional[str]  #: the committed crystal of cgcnn-q16-v3 (None: disordered)


def identify(s: Any, symprec: float = 0.0, angle_tolerance: float = 0.0) -> Identity:
    """The identity of a structure: symhash, protohash, space group, formula, primitive atom
    count and structure root. ``symprec`` (Å) and ``angle_tolerance`` (degrees; negative: none)
    as ``hash --symprec/--angle-tolerance``; 0 keeps the defaults, which every registry uses."""
    c = crystal(s)
    out = ffi.new("xtp_identity *")
    err = new_error()
    check(lib.xtp_identify(c._h, symprec, angle_tolerance, lib.XTP_ID_STRUCTURE_ROOT, out, err),
          err)
    return Identity(text(out.symhash), text(out.protohash), out.spacegroup,
                    text(out.international), text(out.formula), out.natoms, out.nprim,
                    bool(out.disordered),
                    text(out.structure_root) if out.has_structure_root else None)


def symhash(s: Any) -> str:
    """The symhash of a structure (the fast path of :func:`identify`)."""
    return symhashes([s])[0]


def symhashes(structures: Iterable[Any]) -> List[str]:
    """The symhashes of many structures in one call; raises on the first that fails."""
    cs = crystals(structures)
    if not cs:
        return []
    buf = ffi.new("uint8_t[]", 32 * len(cs))
    err = new_error()
    check(lib.xtp_symhash_many(handles(cs), len(cs), buf, ffi.NULL, err), err)
    raw = bytes(ffi.buffer(buf))
    return ["0x" + raw[32 * i:32 * i + 32].hex() for i in range(len(cs))]


@dataclass(frozen=True)
class MatchReport:
    """The matcher's answer (``xtalproof same --json``); true when the same material."""
    same: bool
    reason: str            #: "same", "composition", "cell size", "lattice" or "sites"
    rms: Optional[float]   #: RMS site displacement in (V/n)^(1/3); None when no lattice aligned
    max_dist: Optional[float]
    rms_angstrom: Optional[float]
    lattices_tried: int
    supercell: int
    formula_a: str
    formula_b: str
    primitive_atoms_a: int
    primitive_atoms_b: int
    tolerances: dict       #: ltol, stol, angle_tol in force

    def __bool__(self) -> bool:
        return self.same


def _options(ltol: float, stol: float, angle_tol: float, scale: bool):
    o = ffi.new("xtp_match_options *")
    o.ltol, o.stol, o.angle_tol, o.no_scale = ltol, stol, angle_tol, 0 if scale else 1
    return o


def _num(x: float) -> Optional[float]:
    return None if x < 0 else x


def same(a: Any, b: Any, ltol: float = 0.0, stol: float = 0.0, angle_tol: float = 0.0,
         scale: bool = True) -> MatchReport:
    """Are two structures the same material? The matcher of ``xtalproof same`` (StructureMatcher's
    tolerances: ltol 0.2, stol 0.3, angle_tol 5°; 0 keeps each default)."""
    ca, cb = crystal(a), crystal(b)
    rep = ffi.new("xtp_match_report *")
    err = new_error()
    check(lib.xtp_same(ca._h, cb._h, _options(ltol, stol, angle_tol, scale), rep, err), err)
    return MatchReport(bool(rep.same), text(rep.reason), _num(rep.rms), _num(rep.max_dist),
                       _num(rep.rms_angstrom), rep.lattices_tried, rep.supercell,
                       text(rep.formula_a), text(rep.formula_b), rep.atoms_a, rep.atoms_b,
                       {"ltol": rep.ltol, "stol": rep.stol, "angle_tol": rep.angle_tol})


@dataclass(frozen=True)
class Groups:
    """Structures grouped two ways, each group a list of indices into the input, in order."""
    crystals: List[List[int]]   #: the same crystal: equal symhash
    materials: List[List[int]]  #: the same material: the matcher (a crystal stays in one)
    crystal_of: List[int]       #: for each structure, the first index of its crystal group
    material_of: List[int]      #: for each structure, the first index of its material group


def _collect(first: List[int]) -> List[List[int]]:
    groups: dict = {}
    for i, f in enumerate(first):
        groups.setdefault(f, []).append(i)
    return list(groups.values())


def group(structures: Iterable[Any], ltol: float = 0.0, stol: float = 0.0,
          angle_tol: float = 0.0, materials: bool = True) -> Groups:
    """Groups structures by crystal (symhash) and, with ``materials``, by material (the matcher,
    through the index ``xtalproof bench dedup`` uses: symhash, then protohash, then composition
    buckets)."""
    cs = crystals(structures)
    n = len(cs)
    crys = ffi.new("size_t[]", max(n, 1))
    mat = ffi.new("size_t[]", max(n, 1)) if materials else ffi.NULL
    err = new_error()
    check(lib.xtp_group(handles(cs), n, _options(ltol, stol, angle_tol, True), crys, mat, err),
          err)
    first_c = [crys[i] for i in range(n)]
    first_m = [mat[i] for i in range(n)] if materials else first_c
    return Groups(_collect(first_c), _collect(first_m), first_c, first_m)
