/* Identity of a crystal: the symmetry-invariant hash (symhash) and the prototype hash
 * (protohash) of its idealized primitive cell in a canonical setting, for ordered and
 * disordered crystals alike (a disordered site is hashed by its species and occupancies).
 * docs/formats.md ("Structures: symhash and protohash") defines the bytes that are hashed. */
#ifndef XTALPROOF_SYMHASH_H
#define XTALPROOF_SYMHASH_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/reader.h"
#include "xtalproof/structure.h"

#define XP_SYMHASH_VERSION 4
#define XP_DEFAULT_SYMPREC 1e-3       /* Å */
#define XP_DEFAULT_ANGLE_TOLERANCE 2.0 /* degrees: lattice angles within it are idealized */

typedef struct xp_hash_opts {
    double symprec;         /* distance tolerance of the symmetry search, Å (0: default) */
    double angle_tolerance; /* degrees (0: the default, 2°); negative: none, lattice vectors'
                               end points within symprec decide alone */
    int spglib_dataset;     /* 1: symmetry from spglib's full dataset instead of our own search
                               (slower; kept as the cross-check) */
    int canonical_search;   /* 0: chosen by size; 1: every candidate in full; 2: the pruned
                               search (both give the same form; for tests) */
} xp_hash_opts;

typedef struct xp_xtal_id {
    uint8_t symhash[32];
    uint8_t protohash[32];
    int spacegroup;          /* international number, 1..230 */
    char international[16];  /* short Hermann-Mauguin symbol, e.g. "Fm-3m" */
    char formula[128];       /* reduced formula in Hill order ("ClNa", "O2Si", "CH4") */
    size_t natoms;           /* sites of the input cell */
    size_t nprim;            /* positions of the primitive cell */
    int disordered;          /* some position holds a mixed site, a vacancy or a partial atom */
    double prim_lattice[3][3];    /* the canonical primitive cell (rows, Å) */
    double (*prim_frac)[3];       /* its positions (owned; freed by xp_xtal_id_clear) */
    int *prim_z;                  /* the first (lightest) species at each */
} xp_xtal_id;

/* Computes the hashes of a structure, ordered or not: sites within symprec of each other are one
 * position, hashed by its species and occupancies (docs/formats.md). Refused: atoms on top of
 * each other (occupancies adding up to more than 1 at one position), cells denser than any
 * solid, degenerate cells. opts may be NULL for the defaults. */
int xp_xtal_identify(const xp_structure *s, const xp_hash_opts *opts, xp_xtal_id *id,
                     xp_error *err);
void xp_xtal_id_clear(xp_xtal_id *id);

/* The symhash of the one structure in the file at path (read with opts; NULL: the defaults). A
 * file that holds another number of structures is refused. */
int xp_symhash_of_file(const char *path, const xp_read_opts *opts, uint8_t symhash[32],
                       xp_error *err);

/* ---- a file's records -------------------------------------------------------------------- */

/* Every structure of a file hashed, with the SHA-256 of the file's bytes: what a dataset record
 * holds (register, the node's API). */
typedef struct xp_file_ids {
    uint8_t sha256[32]; /* of the file's bytes */
    size_t n;           /* structures in the file */
    uint8_t (*symhash)[32];
    uint8_t (*protohash)[32];
} xp_file_ids;
/* Reads (at most max bytes) and hashes every structure of a file; on any failure nothing is
 * returned. */
int xp_file_ids_of_file(const char *path, size_t max, xp_file_ids *ids, xp_error *err);
/* The same on bytes in memory; name is for messages and the format by extension. */
struct xp_read_opts;
int xp_file_ids_of_mem(const char *name, const char *data, size_t len,
                       const struct xp_read_opts *opts, xp_file_ids *ids, xp_error *err);
void xp_file_ids_free(xp_file_ids *ids);

#endif
