/* Structure readers: CIF (1.1 and 2.0) and VASP POSCAR/CONTCAR, into the shared model of
 * structure.h. A CIF file gives one structure per data block that holds a crystal. */
#ifndef XTALPROOF_READER_H
#define XTALPROOF_READER_H

#include <stddef.h>

#include "xtalproof/error.h"
#include "xtalproof/structure.h"

typedef enum { XP_FORMAT_AUTO = 0, XP_FORMAT_CIF, XP_FORMAT_POSCAR } xp_format;

typedef struct xp_read_opts {
    xp_format format;     /* AUTO: by extension, else by content */
    const char *species;  /* for VASP 4 files without a species line: "K Cl" (NULL: none) */
    size_t max_bytes;     /* refuse files larger than this (0: 64 MiB) */
    size_t max_sites;     /* refuse structures with more sites than this (0: XP_MAX_SITES) */
    /* CIF: 0 (forgiving) reads the slips other readers forgive (a short last loop packet, an
     * unterminated quote at the end of a line, a bare value that needed quotes, a stray value)
     * and skips a block that holds no readable structure while others do, each with a warning;
     * 1 refuses the file for any of them. */
    int strict;
    /* Each warning, one line naming the file (NULL: written to standard error). */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
} xp_read_opts;

typedef struct xp_structure_list {
    xp_structure **items;
    size_t n;
} xp_structure_list;

/* Reads every structure of a file. On error nothing is returned and err names the file and
 * line. opts may be NULL for the defaults. XP_ENOTSTRUCTURE: a file that neither its name
 * (.cif, .vasp, POSCAR...) nor a data_ block calls a structure and that does not read as one
 * ("not a CIF or POSCAR file": a README, a CSV), which a walk of a folder skips. */
int xp_read_structures(const char *path, const xp_read_opts *opts, xp_structure_list *out,
                       xp_error *err);
/* The same from bytes in memory; name is used in messages and for the format by extension. */
int xp_read_structures_mem(const char *name, const char *data, size_t len,
                           const xp_read_opts *opts, xp_structure_list *out, xp_error *err);
void xp_structure_list_free(xp_structure_list *list);

/* The format readers themselves (used by the two above and by the fuzz targets). */
int xp_read_cif_mem(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                    xp_structure_list *out, xp_error *err);
int xp_read_poscar_mem(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                       xp_structure_list *out, xp_error *err);

#endif
