/* The CIF reader's parts (not public): the parse into a table of text values per block
 * (cif_parse.c), the space group of a block (cif_symbols.c) and the blocks read into structures
 * (cif.c). */
#ifndef XTALPROOF_CIF_INTERNAL_H
#define XTALPROOF_CIF_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "xtal_internal.h"

/* ---- the items of a file, as text ---- */

typedef struct xp_cif_col {
    char *name;  /* lower case, '.' as '_' */
    char **vals; /* NULL: unknown ('?'); XP_CIF_LIST: a list or table; '.': inapplicable */
    size_t n, cap;
} xp_cif_col;

typedef struct xp_cif_block {
    char *name;
    xp_cif_col *cols;
    size_t ncols, cap;
} xp_cif_block;

#define XP_CIF_MAX_VALUES 4000000 /* values per file */
#define XP_CIF_MAX_OPS 1024       /* symmetry operations per block */
#define XP_CIF_MAX_WARNINGS 8 /* grammar warnings kept per file; the rest are counted */

typedef struct xp_cif_tables {
    xp_cif_block *blocks;
    size_t nblocks, cap;
    size_t nvalues;
    int failed; /* 1: out of memory; 2: over the limit of values; 3: a name or value not text */
    int err_code; /* the first error the forgiving mode does not forgive (or any, strict) */
    size_t err_line, err_col;
    char *err_text;
    int strict;
    size_t nwarn; /* grammar slips forgiven */
    char *warn[XP_CIF_MAX_WARNINGS];
} xp_cif_tables;

extern char xp_cif_list_mark[];
#define XP_CIF_LIST xp_cif_list_mark

/* Parses the CIF text into tables (nothing is refused here but out of memory: the caller looks
 * at failed and err_code). */
int xp_cif_parse(const char *data, size_t len, int strict, xp_cif_tables *out);
void xp_cif_tables_free(xp_cif_tables *t);
/* The text of a libcif error code. */
const char *xp_cif_error_text(int code);

ssize_t xp_cif_find(const xp_cif_block *db, const char *tag);
ssize_t xp_cif_find_any(const xp_cif_block *db, const char *const *tags);
ssize_t xp_cif_count(const xp_cif_block *db, ssize_t tag);
/* The text of value row of tag; "?" for an unknown or inapplicable value, NULL for a list or
 * table value. */
const char *xp_cif_text(const xp_cif_block *db, ssize_t tag, ssize_t row);
/* Whether that value is the inapplicable '.' (which ICSD exports write for a zero coordinate). */
int xp_cif_inapplicable(const xp_cif_block *db, ssize_t tag, ssize_t row);

/* The line (1-based) where tag is first written in block's part of the text; that of the
 * block's header when the tag is not found (tag NULL: the header's), 0 when neither is. */
size_t xp_cif_line_of(const char *data, size_t len, const char *block, const char *tag);

/* One block being read: for the messages ("file:line: data_block: ...") and the warnings. */
typedef struct xp_cif_ctx {
    const char *file;
    const char *block;
    const char *data;
    size_t len;
    const xp_read_opts *opts;
    xp_error *err;
} xp_cif_ctx;

/* The block's symmetry operations: those listed; else those of the setting its Hall symbol,
 * Hermann-Mauguin symbol or space-group number names (in that order; spglib's 530 settings);
 * else the identity when it names none or P 1. Where operations and a symbol are both given
 * and make different space-group types, a warning says so. cellp: a b c alpha beta gamma, to
 * tell the rhombohedral from the hexagonal setting of a bare R symbol. */
int xp_cif_block_ops(xp_cif_ctx *b, const xp_cif_block *db, const double cellp[6],
                     xp_symop **ops_out, size_t *nops_out);

/* The spglib Hall number (1..530) of a Hermann-Mauguin symbol as CIFs write it ("P 1 21/n 1",
 * "P21/c", "Fm-3m", "F m 3 m", "R -3 m H", "Fd-3m:2"); axes: 'R' or 'H' when the cell is in
 * rhombohedral or hexagonal axes, which then decide an R symbol's setting, else 0. 0 when
 * none matches. */
int xp_hall_of_hm(const char *symbol, char axes);
/* The same for a Hall symbol ("-P 2ybc"). */
int xp_hall_of_hall_symbol(const char *symbol);

#endif
