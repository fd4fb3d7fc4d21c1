/* The stable C API of libxtalproof.so, for bindings (the Python package in python/) and other
 * programs: opaque handles, plain C types, and errors as a code and one sentence. It does what
 * the commands do, through the same library calls, so its results are the commands' results:
 * xtp_identify is `xtalproof hash --json`, xtp_same is `same`, xtp_group is `bench dedup`'s
 * index, xtp_predict is `predict`, xtp_verify is `verify` (optionally `--rpc`), and the proof
 * checks are `verify-proof` and `consistency --verify`.
 *
 * Versioning: XTP_API_VERSION grows by one when something is added; a change that breaks a
 * caller bumps the shared library's SONAME (libxtalproof.so.N) instead. xtp_api_version() is the
 * version of the library actually loaded. Every function is thread-safe on distinct handles; a
 * model handle may be shared by threads that predict with it. Text returned in structs is
 * NUL-terminated; hashes are "0x" and 64 lowercase hex digits, as the commands print them. */
#ifndef XTALPROOF_API_H
#define XTALPROOF_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define XTP_EXPORT __attribute__((visibility("default")))
#else
#define XTP_EXPORT
#endif

#define XTP_API_VERSION 1
#define XTP_HEX 67 /* "0x", 64 hex digits, NUL */

/* Error codes: the library's (include/xtalproof/error.h), stable. */
enum {
    XTP_OK = 0,
    XTP_EINVAL = -1,      /* bad input */
    XTP_ENOMEM = -2,      /* out of memory */
    XTP_EIO = -3,         /* a file could not be read */
    XTP_ECRYPTO = -4,     /* a check did not hold (a proof, a signature) */
    XTP_ENOTFOUND = -7,   /* a named thing (a model, a file) does not exist */
    XTP_EUNSUPPORTED = -8 /* not available here (no GPU) */
};

typedef struct xtp_error {
    int code;         /* 0 or a negative XTP_E* code */
    char message[512]; /* one sentence a person can read ("" when code is 0) */
} xtp_error;

typedef struct xtp_structure xtp_structure; /* a crystal: lattice and sites */
typedef struct xtp_model xtp_model;         /* a loaded .xpm model file */

XTP_EXPORT int xtp_api_version(void);
XTP_EXPORT const char *xtp_library_version(void); /* the project's version, "0.1.0" */
/* Frees memory the API handed out (the arrays of xtp_read). NULL is fine. */
XTP_EXPORT void xtp_free(void *p);

/* ---- structures ---------------------------------------------------------------------------- */

/* A structure from arrays: lattice[9] the rows a, b, c in cartesian Å; n sites, each an atomic
 * number z[i] (1..118), an occupancy occ[i] in (0, 1] (occ may be NULL: all 1) and fractional
 * coordinates frac[3i..3i+2]. A disordered site is several entries at one position (each its
 * species and occupancy), as the CIF reader gives it. name (may be NULL) is used in messages. */
XTP_EXPORT int xtp_structure_new(const double *lattice, size_t n, const int *z, const double *occ,
                                 const double *frac, const char *name, xtp_structure **out,
                                 xtp_error *err);
XTP_EXPORT void xtp_structure_free(xtp_structure *s);
/* Every structure of a CIF or POSCAR file (species: the names of a VASP 4 POSCAR without a
 * species line, "K Cl", else NULL). *items is an array of *n handles: free each, then the array
 * with xtp_free. */
XTP_EXPORT int xtp_read(const char *path, const char *species, xtp_structure ***items, size_t *n,
                        xtp_error *err);
/* The same from a file's text in memory; name gives the format by its extension (".cif",
 * "POSCAR", ".vasp") and is used in messages. */
XTP_EXPORT int xtp_read_mem(const char *name, const char *data, size_t len, const char *species,
                            xtp_structure ***items, size_t *n, xtp_error *err);
/* Its sites and where it came from. */
XTP_EXPORT size_t xtp_structure_sites(const xtp_structure *s);
/* Copies the lattice (9 doubles, may be NULL), and per site z, occupancy and fractional
 * coordinates (each may be NULL; frac gets 3 per site). */
XTP_EXPORT void xtp_structure_get(const xtp_structure *s, double *lattice, int *z, double *occ,
                                  double *frac);
/* The file it was read from and its CIF block or POSCAR comment ("" when none). */
XTP_EXPORT const char *xtp_structure_source(const xtp_structure *s);
XTP_EXPORT const char *xtp_structure_block(const xtp_structure *s);

/* ---- identity: symhash and protohash --------------------------------------------------------- */

typedef struct xtp_identity {
    char symhash[XTP_HEX];
    char protohash[XTP_HEX];
    int spacegroup;          /* 1..230 */
    char international[16];  /* "Fm-3m" */
    char formula[128];       /* reduced, electropositive first ("NaCl", "BaTiO3") */
    size_t natoms;           /* sites of the structure */
    size_t nprim;            /* positions of its primitive cell */
    int disordered;
    int has_structure_root;  /* 0 where cgcnn-q16-v3 has no committed crystal (disorder) */
    char structure_root[XTP_HEX];
} xtp_identity;

/* Flags of xtp_identify. */
#define XTP_ID_STRUCTURE_ROOT 1 /* also the structure root (what `hash --json` prints) */

/* The identity of a structure with the hash's tolerances (symprec in Å, angle_tolerance in
 * degrees; 0 for the defaults, angle_tolerance < 0 for none). */
XTP_EXPORT int xtp_identify(const xtp_structure *s, double symprec, double angle_tolerance,
                            int flags, xtp_identity *id, xtp_error *err);
/* Only the symhash, of n structures (out: n x 32 bytes); rcs[i] is each one's code (may be NULL,
 * then the first failure is returned and err says which). */
XTP_EXPORT int xtp_symhash_many(xtp_structure *const *s, size_t n, uint8_t *out, int *rcs,
                                xtp_error *err);

/* ---- same material: the matcher ------------------------------------------------------------ */

typedef struct xtp_match_options {
    double ltol, stol, angle_tol; /* 0: the defaults (0.2, 0.3, 5°), as `same` */
    int no_scale;                 /* 1: compare volumes as given */
} xtp_match_options;

typedef struct xtp_match_report {
    int same;              /* 1 same material */
    char reason[32];       /* "same", "composition", "cell size", "lattice", "sites" */
    double rms, max_dist;  /* in (V/n)^(1/3); -1 when no lattice aligned */
    double rms_angstrom;   /* -1 likewise */
    long lattices_tried;
    int supercell;
    char formula_a[128], formula_b[128];
    size_t atoms_a, atoms_b; /* their primitive cells */
    double ltol, stol, angle_tol; /* the tolerances in force */
} xtp_match_report;

XTP_EXPORT int xtp_same(const xtp_structure *a, const xtp_structure *b,
                        const xtp_match_options *opts, xtp_match_report *rep, xtp_error *err);

/* Groups n structures: crystal[i] is the index of the first structure with i's symhash (the same
 * crystal), material[i] the index of the first structure the matcher finds to be the same
 * material (an index by symhash, protohash and composition, as `bench dedup`; the matcher
 * prepares the first structure of each crystal only, the others follow it). Either may be NULL.
 * A structure that cannot be hashed or prepared fails the whole call, naming its index. */
XTP_EXPORT int xtp_group(xtp_structure *const *s, size_t n, const xtp_match_options *opts,
                         size_t *crystal, size_t *material, xtp_error *err);

/* ---- models and prediction ----------------------------------------------------------------- */

typedef struct xtp_model_info {
    char name[49], property[49], unit[17], architecture[17];
    char model_hash[XTP_HEX], weights_root[XTP_HEX];
    char path[4096]; /* the file it was read from */
} xtp_model_info;

/* A model by name (NAME.xpm in $XTALPROOF_MODELS, ./models, the shipped models) or by path, as
 * `predict --model`. */
XTP_EXPORT int xtp_model_open(const char *name, xtp_model **out, xtp_error *err);
XTP_EXPORT void xtp_model_free(xtp_model *m);
XTP_EXPORT void xtp_model_get_info(const xtp_model *m, xtp_model_info *info);
/* The folders searched for names, one per line (malloc'd; free with xtp_free). */
XTP_EXPORT char *xtp_model_dirs(void);

typedef struct xtp_prediction {
    int rc;                    /* 0, or this structure's failure (message in error) */
    char error[512];
    double value;              /* value_q / 2^16, in the model's unit */
    int32_t value_q;           /* Q16.16 */
    char trace_root[XTP_HEX];
    char symhash[XTP_HEX];     /* of the structure (with XTP_PREDICT_SYMHASH, else "") */
    uint32_t saturations;      /* values clamped in the forward pass (0 normally) */
    size_t atoms;
} xtp_prediction;

/* Flags of xtp_predict. */
#define XTP_PREDICT_SYMHASH 1 /* also each structure's symhash (as `predict` prints it) */

/* The model on n structures on `threads` threads (0: the processors online), as `predict`
 * (--device cpu): the graph, the forward pass, and with XTP_PREDICT_SYMHASH the symhash.
 * Returns 0 when the batch ran (each out[i].rc says whether its structure did) or a failure of
 * the whole call. */
XTP_EXPORT int xtp_predict(const xtp_model *m, xtp_structure *const *s, size_t n, int threads,
                           int flags, xtp_prediction *out, xtp_error *err);

/* ---- checking a prediction record and proofs ----------------------------------------------- */

#define XTP_CHECK_PASS 0
#define XTP_CHECK_FAIL 1
#define XTP_CHECK_SKIP 2
#define XTP_MAX_CHECKS 96

typedef struct xtp_check {
    char name[16]; /* record, signature, value, structure, file, inclusion, model, inference,
                      commitment, opening; with an RPC: chain, committed, timing, revealed,
                      registered, anchored */
    int status;    /* XTP_CHECK_* */
    char reason[512];
} xtp_check;

typedef struct xtp_verify_options {
    const char *structure_name; /* the structure file's name, or NULL */
    const char *structure_data; /* its bytes (structure_len of them), or NULL */
    size_t structure_len;
    const char *model;          /* a model name or path; NULL: the record's modelName */
    const char *rpc_url;        /* NULL: no chain checks */
    const char *provenance;     /* "0x" address of ProvenanceRegistry, or NULL */
    int64_t dataset_id;         /* -1: none */
    uint64_t from_block;
    long timeout_ms;            /* per RPC request; 0: 5000 */
    const char *opening_name;   /* the openings file's name (messages), or NULL */
    const char *opening_data;   /* its text (opening_len bytes): what `trace open` prints, one
                                   opening or one per line (verify --opening), or NULL */
    size_t opening_len;
} xtp_verify_options;

/* Every check `verify` makes on the record's JSON text: *n checks are written to checks (room for
 * XTP_MAX_CHECKS), *failed counts the FAILs. A record that does not parse is one FAIL check
 * named "record"; an opening line that does not read is a FAIL named "opening". Returns nonzero only when the checks could not run (a model given and not
 * found, out of memory). */
XTP_EXPORT int xtp_verify(const char *record, size_t len, const xtp_verify_options *opts,
                          xtp_check *checks, size_t *n, size_t *failed, xtp_error *err);

typedef struct xtp_proof_info {
    char dataset[65];
    uint32_t version, from_version, to_version;
    uint64_t size, index, from_size, to_size;
    char root[XTP_HEX], from_root[XTP_HEX], to_root[XTP_HEX];
    char symhash[XTP_HEX], protohash[XTP_HEX], content_sha256[XTP_HEX];
} xtp_proof_info;

/* An inclusion proof's JSON (docs/formats.md, "Proof JSON"): 0 when its leaf is a record and its
 * path leads to its root (info gets the record's dataset, version, size, root, index, symhash,
 * protohash, content hash); XTP_ECRYPTO or XTP_EINVAL with the reason. The root is to be
 * compared with the dataset's anchored root by the caller. */
XTP_EXPORT int xtp_verify_inclusion(const char *json, size_t len, xtp_proof_info *info,
                                    xtp_error *err);
/* A consistency proof's JSON: 0 when the earlier root is a prefix of the later (info gets the
 * dataset, versions, sizes and roots). */
XTP_EXPORT int xtp_verify_consistency(const char *json, size_t len, xtp_proof_info *info,
                                      xtp_error *err);

#ifdef __cplusplus
}
#endif

#endif
