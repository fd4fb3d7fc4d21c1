"""The C library behind the package: libxtalproof.so's API (include/xtalproof/api.h) through
cffi in ABI mode (dlopen and the declarations below; no compiler at import time).

The library is found, in order, at:

1. ``$XTALPROOF_LIB``: the path of ``libxtalproof.so`` (or of the folder holding it);
2. the build tree this package was installed from (``_build_path.py``, written by setup.py when
   it found ``build/lib/libxtalproof.so`` beside ``python/``);
3. the system's library path (``libxtalproof.so.1``, as ``make install`` puts it).
"""
from __future__ import annotations

import os
from typing import Optional

import cffi

SONAME = "libxtalproof.so.1"

# The declarations of include/xtalproof/api.h, in the same order (cffi copies no header).
CDEF = r"""
#define XTP_HEX 67
#define XTP_ID_STRUCTURE_ROOT 1
#define XTP_PREDICT_SYMHASH 1
#define XTP_MAX_CHECKS 96

typedef struct xtp_error { int code; char message[512]; } xtp_error;
typedef struct xtp_structure xtp_structure;
typedef struct xtp_model xtp_model;

int xtp_api_version(void);
const char *xtp_library_version(void);
void xtp_free(void *p);

int xtp_structure_new(const double *lattice, size_t n, const int *z, const double *occ,
                      const double *frac, const char *name, xtp_structure **out, xtp_error *err);
void xtp_structure_free(xtp_structure *s);
int xtp_read(const char *path, const char *species, xtp_structure ***items, size_t *n,
             xtp_error *err);
int xtp_read_mem(const char *name, const char *data, size_t len, const char *species,
                 xtp_structure ***items, size_t *n, xtp_error *err);
size_t xtp_structure_sites(const xtp_structure *s);
void xtp_structure_get(const xtp_structure *s, double *lattice, int *z, double *occ,
                       double *frac);
const char *xtp_structure_source(const xtp_structure *s);
const char *xtp_structure_block(const xtp_structure *s);

typedef struct xtp_identity {
    char symhash[67]; char protohash[67]; int spacegroup; char international[16];
    char formula[128]; size_t natoms; size_t nprim; int disordered; int has_structure_root;
    char structure_root[67];
} xtp_identity;
int xtp_identify(const xtp_structure *s, double symprec, double angle_tolerance, int flags,
                 xtp_identity *id, xtp_error *err);
int xtp_symhash_many(xtp_structure *const *s, size_t n, uint8_t *out, int *rcs, xtp_error *err);

typedef struct xtp_match_options { double ltol, stol, angle_tol; int no_scale; }
    xtp_match_options;
typedef struct xtp_match_report {
    int same; char reason[32]; double rms, max_dist; double rms_angstrom; long lattices_tried;
    int supercell; char formula_a[128], formula_b[128]; size_t atoms_a, atoms_b;
    double ltol, stol, angle_tol;
} xtp_match_report;
int xtp_same(const xtp_structure *a, const xtp_structure *b, const xtp_match_options *opts,
             xtp_match_report *rep, xtp_error *err);
int xtp_group(xtp_structure *const *s, size_t n, const xtp_match_options *opts, size_t *crystal,
              size_t *material, xtp_error *err);

typedef struct xtp_model_info {
    char name[49], property[49], unit[17], architecture[17];
    char model_hash[67], weights_root[67]; char path[4096];
} xtp_model_info;
int xtp_model_open(const char *name, xtp_model **out, xtp_error *err);
void xtp_model_free(xtp_model *m);
void xtp_model_get_info(const xtp_model *m, xtp_model_info *info);
char *xtp_model_dirs(void);
typedef struct xtp_prediction {
    int rc; char error[512]; double value; int32_t value_q; char trace_root[67];
    char symhash[67]; uint32_t saturations; size_t atoms;
} xtp_prediction;
int xtp_predict(const xtp_model *m, xtp_structure *const *s, size_t n, int threads, int flags,
                xtp_prediction *out, xtp_error *err);

typedef struct xtp_check { char name[16]; int status; char reason[512]; } xtp_check;
typedef struct xtp_verify_options {
    const char *structure_name; const char *structure_data; size_t structure_len;
    const char *model; const char *rpc_url; const char *provenance; int64_t dataset_id;
    uint64_t from_block; long timeout_ms;
    const char *opening_name; const char *opening_data; size_t opening_len;
} xtp_verify_options;
int xtp_verify(const char *record, size_t len, const xtp_verify_options *opts,
               xtp_check *checks, size_t *n, size_t *failed, xtp_error *err);
typedef struct xtp_proof_info {
    char dataset[65]; uint32_t version, from_version, to_version;
    uint64_t size, index, from_size, to_size;
    char root[67], from_root[67], to_root[67];
    char symhash[67], protohash[67], content_sha256[67];
} xtp_proof_info;
int xtp_verify_inclusion(const char *json, size_t len, xtp_proof_info *info, xtp_error *err);
int xtp_verify_consistency(const char *json, size_t len, xtp_proof_info *info, xtp_error *err);
"""

API_VERSION = 1  # the XTP_API_VERSION these declarations are of

ffi = cffi.FFI()
ffi.cdef(CDEF)


def _candidates() -> list:
    out = []
    env = os.environ.get("XTALPROOF_LIB")
    if env:
        out.append(os.path.join(env, SONAME) if os.path.isdir(env) else env)
    try:
        from ._build_path import LIBRARY  # written by setup.py
        out.append(LIBRARY)
    except ImportError:
        pass
    out.append(SONAME)
    return out


def _open():
    tried = []
    for path in _candidates():
        try:
            lib = ffi.dlopen(path)
        except OSError as e:
            tried.append(f"{path} ({e})")
            continue
        if lib.xtp_api_version() < API_VERSION:
            tried.append(f"{path} (API version {lib.xtp_api_version()}, {API_VERSION} needed)")
            continue
        return lib, path
    raise ImportError("xtalproof: libxtalproof.so could not be loaded; set XTALPROOF_LIB to its "
                      "path or install the library (make install). Tried: "
                      + "; ".join(tried))


lib, LIBRARY_PATH = _open()


def text(c) -> str:
    """A C char array or pointer as a Python string."""
    return ffi.string(c).decode("utf-8", "replace")


def new_error():
    return ffi.new("xtp_error *")


def cstr(s: Optional[str]):
    return ffi.NULL if s is None else s.encode("utf-8")
