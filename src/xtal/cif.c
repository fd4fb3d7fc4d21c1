/* CIF 1.1 and 2.0 through the CIF API (libcif): every data block that holds a cell and atom
 * sites becomes a structure; the listed symmetry operations are applied and the sites they map
 * onto each other merged.
 *
 * The parse keeps nothing in the library's own store: the handlers copy each item's text into
 * a small table per block and tell the parser to skip it. The library's CIF object (an
 * in-memory database, costly to create) is made once per thread and emptied after each file. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <cif.h>
#include <cif_error.h>
#include <spglib.h>
#include <unicode/ustring.h>

#include "xtalproof/limits.h"
#include "xtal_internal.h"

#define MERGE_TOL 0.01      /* Å: symmetry images of one site closer than this are one */
#define DUPLICATE_TOL 0.001 /* Å: two listed sites of one element closer than this are one */
#define MAX_OPS 1024
#define MAX_VALUES 4000000 /* values per file */

/* ---- the items of a file, as text ------------------------------------------------------ */

typedef struct tag_col {
    char *name;   /* lower case, '.' as '_' */
    char **vals;  /* NULL: unknown or not applicable ('?', '.'); LIST_VALUE: a list or table */
    size_t n, cap;
} tag_col;

typedef struct block_tab {
    char *name;
    tag_col *cols;
    size_t ncols, cap;
} block_tab;

typedef struct parse_state {
    block_tab *blocks;
    size_t nblocks, cap;
    size_t nvalues;
    int failed; /* out of memory or over the limits */
    int err_code;
    size_t err_line, err_col;
} parse_state;

static char LIST_MARK[] = "(a list)";
#define LIST_VALUE LIST_MARK

static char *utf8_of(const UChar *u)
{
    int32_t need = 0;
    UErrorCode e = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &need, u, -1, &e);
    if (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))
        return NULL;
    char *out = malloc((size_t)need + 1);
    if (!out)
        return NULL;
    e = U_ZERO_ERROR;
    u_strToUTF8(out, need + 1, NULL, u, -1, &e);
    if (U_FAILURE(e)) {
        free(out);
        return NULL;
    }
    out[need] = '\0';
    return out;
}

static void normalize_tag(char *t)
{
    for (; *t; t++) {
        if (*t >= 'A' && *t <= 'Z')
            *t = (char)(*t - 'A' + 'a');
        else if (*t == '.')
            *t = '_';
    }
}

static void state_free(parse_state *st)
{
    for (size_t b = 0; b < st->nblocks; b++) {
        block_tab *bt = &st->blocks[b];
        for (size_t c = 0; c < bt->ncols; c++) {
            for (size_t i = 0; i < bt->cols[c].n; i++)
                if (bt->cols[c].vals[i] != LIST_VALUE)
                    free(bt->cols[c].vals[i]);
            free(bt->cols[c].vals);
            free(bt->cols[c].name);
        }
        free(bt->cols);
        free(bt->name);
    }
    free(st->blocks);
    memset(st, 0, sizeof *st);
}

static int on_block_start(cif_container_tp *block, void *ctx)
{
    parse_state *st = ctx;
    if (st->nblocks == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 4;
        block_tab *nb = realloc(st->blocks, ncap * sizeof *nb);
        if (!nb) {
            st->failed = 1;
            return CIF_TRAVERSE_END;
        }
        st->blocks = nb;
        st->cap = ncap;
    }
    block_tab *bt = &st->blocks[st->nblocks++];
    memset(bt, 0, sizeof *bt);
    UChar *code = NULL;
    if (block && cif_container_get_code(block, &code) == CIF_OK && code) {
        bt->name = utf8_of(code);
        free(code);
    }
    return CIF_TRAVERSE_CONTINUE;
}

static int on_frame_start(cif_container_tp *frame, void *ctx)
{
    (void)frame;
    (void)ctx;
    return CIF_TRAVERSE_SKIP_CURRENT; /* save frames hold no structure */
}

static int on_item(UChar *uname, cif_value_tp *value, void *ctx)
{
    parse_state *st = ctx;
    if (st->nblocks == 0 || st->failed)
        return CIF_TRAVERSE_SKIP_CURRENT;
    if (++st->nvalues > MAX_VALUES) {
        st->failed = 2;
        return CIF_TRAVERSE_END;
    }
    block_tab *bt = &st->blocks[st->nblocks - 1];
    char *name = utf8_of(uname);
    if (!name) {
        st->failed = 1;
        return CIF_TRAVERSE_END;
    }
    normalize_tag(name);
    tag_col *col = NULL;
    for (size_t c = bt->ncols; c-- > 0;)
        if (!strcmp(bt->cols[c].name, name)) {
            col = &bt->cols[c];
            break;
        }
    if (!col) {
        if (bt->ncols == bt->cap) {
            size_t ncap = bt->cap ? bt->cap * 2 : 16;
            tag_col *nc = realloc(bt->cols, ncap * sizeof *nc);
            if (!nc) {
                free(name);
                st->failed = 1;
                return CIF_TRAVERSE_END;
            }
            bt->cols = nc;
            bt->cap = ncap;
        }
        col = &bt->cols[bt->ncols++];
        memset(col, 0, sizeof *col);
        col->name = name;
    } else {
        free(name);
    }
    if (col->n == col->cap) {
        size_t ncap = col->cap ? col->cap * 2 : 4;
        char **nv = realloc(col->vals, ncap * sizeof *nv);
        if (!nv) {
            st->failed = 1;
            return CIF_TRAVERSE_END;
        }
        col->vals = nv;
        col->cap = ncap;
    }
    char *text = NULL;
    cif_kind_tp kind = cif_value_kind(value);
    if (kind == CIF_LIST_KIND || kind == CIF_TABLE_KIND) {
        text = LIST_VALUE;
    } else if (kind == CIF_CHAR_KIND || kind == CIF_NUMB_KIND) {
        UChar *u = NULL;
        if (cif_value_get_text(value, &u) == CIF_OK && u) {
            text = utf8_of(u);
            free(u);
            if (!text) {
                st->failed = 1;
                return CIF_TRAVERSE_END;
            }
        }
    }
    col->vals[col->n++] = text;
    return CIF_TRAVERSE_SKIP_CURRENT; /* nothing kept in the library's store */
}

static int on_packet_end(cif_packet_tp *packet, void *ctx)
{
    (void)packet;
    (void)ctx;
    return CIF_TRAVERSE_SKIP_CURRENT;
}

static int on_error(int code, size_t line, size_t column, const UChar *text, size_t length,
                    void *data)
{
    (void)text;
    (void)length;
    parse_state *st = data;
    if (!st->err_code) {
        st->err_code = code;
        st->err_line = line;
        st->err_col = column;
    }
    /* Recorded and the parse goes on with the library's recovery: aborting from here leaks
     * inside libcif 0.4.2. The file is refused afterwards all the same. */
    return CIF_OK;
}

/* The per-thread CIF object the parser needs (its store stays empty between files). */
static pthread_key_t g_cif_key;
static pthread_once_t g_cif_once = PTHREAD_ONCE_INIT;

static void cif_key_destroy(void *p)
{
    if (p)
        (void)!cif_destroy((cif_tp *)p);
}

static void cif_key_make(void)
{
    (void)pthread_key_create(&g_cif_key, cif_key_destroy);
}

static cif_tp *thread_cif(void)
{
    pthread_once(&g_cif_once, cif_key_make);
    cif_tp *cif = pthread_getspecific(g_cif_key);
    if (!cif) {
        if (cif_create(&cif) != CIF_OK)
            return NULL;
        if (pthread_setspecific(g_cif_key, cif)) {
            (void)!cif_destroy(cif);
            return NULL;
        }
    }
    return cif;
}

static void empty_cif(cif_tp *cif)
{
    cif_block_tp **blocks = NULL;
    if (cif_get_all_blocks(cif, &blocks) == CIF_OK && blocks) {
        for (size_t i = 0; blocks[i]; i++)
            (void)!cif_container_destroy(blocks[i]);
        free(blocks);
    }
}

/* ---- lookups in a block's table ------------------------------------------------------- */

typedef block_tab DATABLOCK;

static ssize_t find_tag(DATABLOCK *db, const char *tag)
{
    char want[128];
    snprintf(want, sizeof want, "%s", tag);
    normalize_tag(want);
    for (size_t i = 0; i < db->ncols; i++)
        if (!strcmp(db->cols[i].name, want))
            return (ssize_t)i;
    return -1;
}

static ssize_t find_any(DATABLOCK *db, const char *const *tags)
{
    for (; *tags; tags++) {
        ssize_t i = find_tag(db, *tags);
        if (i >= 0)
            return i;
    }
    return -1;
}

static ssize_t value_count(DATABLOCK *db, ssize_t tag)
{
    return tag < 0 ? 0 : (ssize_t)db->cols[tag].n;
}

/* The text of value row of tag; "?" for an unknown or inapplicable value, NULL for a list or
 * table value. */
static const char *value_text(DATABLOCK *db, ssize_t tag, ssize_t row)
{
    if (tag < 0 || row < 0 || (size_t)row >= db->cols[tag].n)
        return "?";
    const char *v = db->cols[tag].vals[row];
    if (v == LIST_VALUE)
        return NULL;
    return v ? v : "?";
}

typedef struct block_ctx {
    const char *file;
    const char *block;
    xp_error *err;
} block_ctx;

static int number_of(block_ctx *b, DATABLOCK *db, ssize_t tag, ssize_t row, const char *what,
                     double *out)
{
    const char *t = value_text(db, tag, row);
    int rc = t ? xp_parse_cif_number(t, out) : XP_EINVAL;
    if (rc == XP_ENOTFOUND)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s is missing (\"%s\")", b->file,
                            b->block, what, t);
    if (rc)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: \"%s\" is not a number", b->file,
                            b->block, what, t ? t : "(a list)");
    return 0;
}

static const char *const TAG_OPS[] = {"_space_group_symop_operation_xyz",
                                      "_symmetry_equiv_pos_as_xyz",
                                      "_space_group_symop.operation_xyz", NULL};
static const char *const TAG_SG_NUMBER[] = {"_space_group_it_number",
                                            "_symmetry_int_tables_number", NULL};
static const char *const TAG_SG_HM[] = {"_space_group_name_h-m_alt",
                                        "_symmetry_space_group_name_h-m", NULL};

/* Symmetry operations of the block: listed ones, else those of the space-group number in its
 * standard setting, else the identity when the block says P 1 or nothing. */
static int block_ops(block_ctx *b, DATABLOCK *db, xp_symop **ops_out, size_t *nops_out)
{
    ssize_t t = find_any(db, TAG_OPS);
    size_t n = (size_t)value_count(db, t);
    xp_symop *ops = NULL;
    if (n > MAX_OPS)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %zu symmetry operations (at most %d)",
                            b->file, b->block, n, MAX_OPS);
    if (n > 0) {
        ops = calloc(n, sizeof *ops);
        if (!ops)
            return xp_error_set(b->err, XP_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const char *text = value_text(db, t, (ssize_t)i);
            if (!text || xp_symop_parse(text, &ops[i])) {
                free(ops);
                return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: symmetry operation %zu (\"%s\") "
                                    "is not a valid x,y,z operation", b->file, b->block, i + 1,
                                    text ? text : "(a list)");
            }
        }
        *ops_out = ops;
        *nops_out = n;
        return 0;
    }
    ssize_t tn = find_any(db, TAG_SG_NUMBER);
    double num = 0;
    const char *nt = tn >= 0 ? value_text(db, tn, 0) : NULL;
    if (nt && xp_parse_cif_number(nt, &num) == 0 && num >= 1 && num <= 230 && num == (int)num) {
        int hall = 0;
        for (int h = 1; h <= 530 && !hall; h++) {
            SpglibSpacegroupType st = spg_get_spacegroup_type(h);
            if (st.number == (int)num)
                hall = h;
        }
        int rot[192][3][3];
        double trans[192][3];
        int k = hall ? spg_get_symmetry_from_database(rot, trans, hall) : 0;
        if (k > 0) {
            ops = calloc((size_t)k, sizeof *ops);
            if (!ops)
                return xp_error_set(b->err, XP_ENOMEM, "out of memory");
            for (int i = 0; i < k; i++) {
                memcpy(ops[i].rot, rot[i], sizeof ops[i].rot);
                memcpy(ops[i].trans, trans[i], sizeof ops[i].trans);
            }
            *ops_out = ops;
            *nops_out = (size_t)k;
            return 0;
        }
    }
    ssize_t th = find_any(db, TAG_SG_HM);
    const char *hm = th >= 0 ? value_text(db, th, 0) : NULL;
    if (hm && strcmp(hm, "?") && strcmp(hm, ".")) {
        char compact[64] = {0};
        size_t k = 0;
        for (const char *p = hm; *p && k < sizeof compact - 1; p++)
            if (*p != ' ' && *p != '_')
                compact[k++] = *p;
        if (strcasecmp(compact, "P1"))
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: space group \"%s\" without its "
                                "symmetry operations or number", b->file, b->block, hm);
    }
    ops = calloc(1, sizeof *ops);
    if (!ops)
        return xp_error_set(b->err, XP_ENOMEM, "out of memory");
    for (int i = 0; i < 3; i++)
        ops[0].rot[i][i] = 1;
    *ops_out = ops;
    *nops_out = 1;
    return 0;
}

static double wrap01(double x)
{
    double w = x - floor(x);
    return w >= 1.0 ? 0.0 : w;
}

/* Distance in Å between two fractional positions, nearest image (exact enough for the small
 * distances the merge asks about). */
/* The spacing of the lattice planes normal to each reciprocal axis: two points whose wrapped
 * fractional difference along k is d are at least |d| h[k] apart, in every image. */
static void plane_spacings(const double lat[3][3], double h[3])
{
    for (int k = 0; k < 3; k++) {
        const double *u = lat[(k + 1) % 3], *v = lat[(k + 2) % 3];
        double c[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2],
                       u[0] * v[1] - u[1] * v[0]};
        double area = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        double vol = fabs(lat[k][0] * c[0] + lat[k][1] * c[1] + lat[k][2] * c[2]);
        h[k] = area > 0 ? vol / area : 0;
    }
}

/* Whether a and b are certainly MERGE_TOL or more apart (a cheap test before frac_distance,
 * which keeps the reader's overlap check from costing 27 distances per pair of sites). */
static int surely_apart(const double h[3], const double a[3], const double b[3])
{
    for (int k = 0; k < 3; k++) {
        double d = a[k] - b[k];
        d -= nearbyint(d);
        if (fabs(d) * h[k] >= MERGE_TOL * 1.001)
            return 1;
    }
    return 0;
}

static double frac_distance(const double lat[3][3], const double a[3], const double b[3])
{
    double d[3];
    for (int k = 0; k < 3; k++) {
        d[k] = a[k] - b[k];
        d[k] -= nearbyint(d[k]);
    }
    double best = INFINITY;
    for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++)
            for (int l = -1; l <= 1; l++) {
                double f[3] = {d[0] + i, d[1] + j, d[2] + l}, c[3];
                for (int k = 0; k < 3; k++)
                    c[k] = f[0] * lat[0][k] + f[1] * lat[1][k] + f[2] * lat[2][k];
                double r = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
                if (r < best)
                    best = r;
            }
    return best;
}

/* Where a block's atom sites are and what the cell is: read_block's first part. */
typedef struct site_table {
    ssize_t tx[3];           /* the coordinate columns */
    int cartesian;
    ssize_t nrows;
    ssize_t ttype, tlabel, tocc;
    double lat[3][3], inv[3][3];
    double lat_cz[3][3]; /* the structure's cell; lat only interprets cartesian sites */
    size_t max_sites;
} site_table;

/* The coordinate and element columns and the cell of the block: 1 when the block holds no
 * crystal structure (skipped), 0, or an error. */
static int find_site_table(block_ctx *b, DATABLOCK *db, const xp_read_opts *opts, site_table *t)
{
    static const char *const cell_tags[6] = {"_cell_length_a", "_cell_length_b",
                                             "_cell_length_c", "_cell_angle_alpha",
                                             "_cell_angle_beta", "_cell_angle_gamma"};
    static const char *const frac_tags[3] = {"_atom_site_fract_x", "_atom_site_fract_y",
                                             "_atom_site_fract_z"};
    static const char *const cart_tags[3] = {"_atom_site_cartn_x", "_atom_site_cartn_y",
                                             "_atom_site_cartn_z"};
    t->max_sites = opts->max_sites ? opts->max_sites : XP_MAX_SITES;
    t->cartesian = 0;
    for (int k = 0; k < 3; k++)
        t->tx[k] = find_tag(db, frac_tags[k]);
    if (t->tx[0] < 0 && t->tx[1] < 0 && t->tx[2] < 0) {
        for (int k = 0; k < 3; k++)
            t->tx[k] = find_tag(db, cart_tags[k]);
        t->cartesian = 1;
    }
    ssize_t tcell = find_tag(db, cell_tags[0]);
    if (t->tx[0] < 0 && t->tx[1] < 0 && t->tx[2] < 0 && tcell < 0)
        return 1; /* not a crystal structure block: skipped */
    for (int k = 0; k < 3; k++)
        if (t->tx[k] < 0)
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: no atom site coordinates (%s)",
                                b->file, b->block, t->cartesian ? cart_tags[k] : frac_tags[k]);
    double p[6];
    for (int k = 0; k < 6; k++) {
        ssize_t tc = find_tag(db, cell_tags[k]);
        if (tc < 0)
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s is missing", b->file,
                                b->block, cell_tags[k]);
        int rc = number_of(b, db, tc, 0, cell_tags[k], &p[k]);
        if (rc)
            return rc;
    }
    if (xp_lattice_from_params(p, t->lat) || xp_mat3_inverse(t->lat, t->inv))
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: the cell (%g %g %g %g %g %g) is not "
                            "a valid lattice", b->file, b->block, p[0], p[1], p[2], p[3], p[4],
                            p[5]);
    xp_lattice_from_params_cz(p, t->lat_cz);
    t->nrows = value_count(db, t->tx[0]);
    if (value_count(db, t->tx[1]) != t->nrows || value_count(db, t->tx[2]) != t->nrows)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: the atom site coordinates have "
                            "different numbers of values", b->file, b->block);
    if (t->nrows <= 0)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: no atom sites", b->file, b->block);
    t->ttype = find_tag(db, "_atom_site_type_symbol");
    t->tlabel = find_tag(db, "_atom_site_label");
    t->tocc = find_tag(db, "_atom_site_occupancy");
    if (t->ttype < 0 && t->tlabel < 0)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: neither _atom_site_type_symbol nor "
                            "_atom_site_label names the elements", b->file, b->block);
    return 0;
}

/* Atom site r of the table: its label, element, fractional position and occupancy; where gets
 * its name for the messages ("atom site 3 (O1)"). */
static int read_site_row(block_ctx *b, DATABLOCK *db, const site_table *t, ssize_t r,
                         xp_site *site, char where[96])
{
    const char *label = t->tlabel >= 0 && r < value_count(db, t->tlabel)
                            ? value_text(db, t->tlabel, r)
                            : NULL;
    const char *type = t->ttype >= 0 && r < value_count(db, t->ttype) ? value_text(db, t->ttype, r)
                                                                       : NULL;
    snprintf(where, 96, "atom site %zd%s%s%s", r + 1, label ? " (" : "", label ? label : "",
             label ? ")" : "");
    if (label)
        snprintf(site->label, sizeof site->label, "%s", label);
    site->z = type && strcmp(type, "?") && strcmp(type, ".") ? xp_element_from_label(type) : 0;
    if (!site->z && label)
        site->z = xp_element_from_label(label);
    if (!site->z)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: no element in \"%s\"", b->file,
                            b->block, where, type ? type : label ? label : "");
    double v[3];
    for (int k = 0; k < 3; k++) {
        char what[128];
        snprintf(what, sizeof what, "%s coordinate %c", where, 'x' + k);
        int rc = number_of(b, db, t->tx[k], r, what, &v[k]);
        if (rc)
            return rc;
    }
    if (t->cartesian)
        for (int k = 0; k < 3; k++)
            site->frac[k] = v[0] * t->inv[0][k] + v[1] * t->inv[1][k] + v[2] * t->inv[2][k];
    else
        memcpy(site->frac, v, sizeof v);
    for (int k = 0; k < 3; k++)
        if (!isfinite(site->frac[k]) || fabs(site->frac[k]) > 1e6)
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: coordinate out of range",
                                b->file, b->block, where);
    if (t->tocc >= 0 && r < value_count(db, t->tocc)) {
        const char *ot = value_text(db, t->tocc, r);
        double occ = 1.0;
        int orc = ot ? xp_parse_cif_number(ot, &occ) : XP_EINVAL;
        if (orc == XP_EINVAL || (orc == 0 && !(occ > 0 && occ <= 1.0 + 1e-6)))
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: occupancy \"%s\" is not a "
                                "number in (0, 1]", b->file, b->block, where, ot ? ot : "");
        site->occupancy = orc == 0 ? fmin(occ, 1.0) : 1.0;
    }
    return 0;
}

/* Adds every symmetry image of the site to s, merged with the sites already there (cap: the
 * room in s->sites). */
static int add_images(block_ctx *b, const site_table *t, const xp_symop *ops, size_t nops,
                      const xp_site *site, const char *where, xp_structure *s, size_t *cap)
{
    size_t first = s->nsites;
    double h[3];
    plane_spacings(t->lat, h);
    for (size_t o = 0; o < nops; o++) {
        xp_site img = *site;
        for (int k = 0; k < 3; k++)
            img.frac[k] = wrap01(ops[o].rot[k][0] * site->frac[0] +
                                 ops[o].rot[k][1] * site->frac[1] +
                                 ops[o].rot[k][2] * site->frac[2] + ops[o].trans[k]);
        int merged = 0;
        for (size_t j = 0; j < s->nsites && !merged; j++) {
            xp_site *q = &s->sites[j];
            if (surely_apart(h, q->frac, img.frac))
                continue;
            double d = frac_distance(t->lat, q->frac, img.frac);
            if (j >= first) { /* an image of this same site: symmetry maps it onto itself */
                merged = d < MERGE_TOL;
                continue;
            }
            if (d >= MERGE_TOL)
                continue;
            if (q->z == img.z && d < DUPLICATE_TOL) {
                merged = 1; /* the same atom listed twice */
            } else if (q->z != img.z && q->occupancy + img.occupancy > 1.0 + 1e-3) {
                return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s overlaps site %s "
                                    "(%.4f Å apart), and their occupancies add up to more "
                                    "than 1", b->file, b->block, where, q->label, d);
            }
        }
        if (merged)
            continue;
        if (s->nsites == t->max_sites)
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: more than %zu sites, over the "
                                "limit of sites per structure", b->file, b->block, t->max_sites);
        if (s->nsites == *cap) {
            size_t ncap = *cap ? *cap * 2 : 64;
            xp_site *ns = realloc(s->sites, ncap * sizeof *ns);
            if (!ns)
                return xp_error_set(b->err, XP_ENOMEM, "out of memory");
            s->sites = ns;
            *cap = ncap;
        }
        s->sites[s->nsites++] = img;
    }
    return 0;
}

static int read_block(block_ctx *b, DATABLOCK *db, const xp_read_opts *opts,
                      xp_structure_list *out)
{
    site_table t;
    int rc = find_site_table(b, db, opts, &t);
    if (rc)
        return rc;
    xp_symop *ops = NULL;
    size_t nops = 0;
    rc = block_ops(b, db, &ops, &nops);
    if (rc)
        return rc;
    xp_structure *s = xp_structure_new(0);
    size_t cap = 0;
    if (!s) {
        free(ops);
        return xp_error_set(b->err, XP_ENOMEM, "out of memory");
    }
    memcpy(s->lattice, t.lat_cz, sizeof t.lat_cz);
    for (ssize_t r = 0; r < t.nrows; r++) {
        xp_site site = {.occupancy = 1.0};
        char where[96];
        if ((rc = read_site_row(b, db, &t, r, &site, where)))
            goto fail;
        /* every symmetry image, merged with the sites already there */
        if ((rc = add_images(b, &t, ops, nops, &site, where, s, &cap)))
            goto fail;
    }
    free(ops);
    s->source = strdup(b->file);
    s->block = strdup(b->block);
    if (!s->source || !s->block) {
        xp_structure_free(s);
        return xp_error_set(b->err, XP_ENOMEM, "out of memory");
    }
    return xp_list_push(out, s, b->err);
fail:
    free(ops);
    xp_structure_free(s);
    return rc;
}

static const char *cif_error_text(int code)
{
    return (code >= 0 && code < cif_nerr) ? cif_errlist[code] : "parse error";
}

int xp_read_cif_mem(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                    xp_structure_list *out, xp_error *err)
{
    out->items = NULL;
    out->n = 0;
    xp_read_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    if (len == 0)
        return xp_error_set(err, XP_EINVAL, "%s: empty file", name);
    if (memchr(data, '\0', len))
        return xp_error_set(err, XP_EINVAL, "%s: binary data (a NUL byte)", name);
    cif_tp *cif = thread_cif();
    if (!cif)
        return xp_error_set(err, XP_ENOMEM, "%s: the CIF parser could not start", name);
    FILE *f = fmemopen((void *)data, len, "rb");
    if (!f)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    struct cif_parse_opts_s *po = NULL;
    if (cif_parse_options_create(&po) != CIF_OK) {
        fclose(f);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    struct cif_handler_s handler = {0};
    handler.handle_block_start = on_block_start;
    handler.handle_frame_start = on_frame_start;
    handler.handle_item = on_item;
    handler.handle_packet_end = on_packet_end;
    parse_state st = {0};
    po->handler = &handler;
    po->user_data = &st;
    po->error_callback = on_error;
    po->default_encoding_name = "UTF-8";
    int prc = cif_parse(f, po, &cif);
    free(po);
    fclose(f);
    empty_cif(cif);

    int rc = 0;
    if (st.failed == 1)
        rc = xp_error_set(err, XP_ENOMEM, "%s: out of memory", name);
    else if (st.failed == 2)
        rc = xp_error_set(err, XP_EINVAL, "%s: more than %d values", name, MAX_VALUES);
    else if (st.err_code)
        rc = xp_error_set(err, XP_EINVAL, "%s:%zu:%zu: not a valid CIF: %s", name, st.err_line,
                          st.err_col, cif_error_text(st.err_code));
    else if (prc != CIF_OK)
        rc = xp_error_set(err, XP_EINVAL, "%s: not a valid CIF: %s", name, cif_error_text(prc));
    for (size_t b = 0; b < st.nblocks && !rc; b++) {
        block_ctx bc = {name, st.blocks[b].name ? st.blocks[b].name : "", err};
        int r = read_block(&bc, &st.blocks[b], opts, out);
        if (r < 0)
            rc = r;
    }
    if (!rc && out->n == 0)
        rc = xp_error_set(err, XP_EINVAL, "%s: no data block holds a crystal structure (cell and "
                          "atom sites)", name);
    state_free(&st);
    if (rc)
        xp_structure_list_free(out);
    return rc;
}
