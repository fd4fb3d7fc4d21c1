/* CIF 1.1 and 2.0: every data block that holds a cell and atom sites becomes a structure; the
 * block's symmetry operations (cif_symbols.c) are applied and the sites they map onto each
 * other merged. The text is parsed into tables of values by cif_parse.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <cif.h>

#include "xtalproof/limits.h"
#include "cif_internal.h"

#define MERGE_TOL 0.01      /* Å: symmetry images of one site closer than this are one */
#define DUPLICATE_TOL 0.001 /* Å: two listed sites of one element closer than this are one */
#define MAX_BAD_BLOCKS 16   /* blocks reported one by one; those beyond are skipped silently */

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
    double cellp[6];         /* a b c alpha beta gamma */
    double lat[3][3], inv[3][3];
    double lat_cz[3][3]; /* the structure's cell; lat only interprets cartesian sites */
    size_t max_sites;
    int dot_zero;        /* coordinates written '.' read as 0 (forgiving mode) */
} site_table;

static int number_of(xp_cif_ctx *b, const xp_cif_block *db, ssize_t tag, ssize_t row,
                     const char *what, double *out)
{
    const char *t = xp_cif_text(db, tag, row);
    int rc = t ? xp_parse_cif_number(t, out) : XP_EINVAL;
    if (rc == XP_ENOTFOUND)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s is missing (\"%s\")", b->file,
                            b->block, what, xp_cif_inapplicable(db, tag, row) ? "." : t);
    if (rc)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: \"%s\" is not a number", b->file,
                            b->block, what, t ? t : "(a list)");
    return 0;
}

/* The coordinate and element columns and the cell of the block: 1 when the block holds no
 * crystal structure (skipped), 0, or an error. */
static int find_site_table(xp_cif_ctx *b, const xp_cif_block *db, site_table *t)
{
    static const char *const cell_tags[6] = {"_cell_length_a", "_cell_length_b",
                                             "_cell_length_c", "_cell_angle_alpha",
                                             "_cell_angle_beta", "_cell_angle_gamma"};
    static const char *const frac_tags[3] = {"_atom_site_fract_x", "_atom_site_fract_y",
                                             "_atom_site_fract_z"};
    static const char *const cart_tags[3] = {"_atom_site_cartn_x", "_atom_site_cartn_y",
                                             "_atom_site_cartn_z"};
    t->max_sites = b->opts->max_sites ? b->opts->max_sites : XP_MAX_SITES;
    t->cartesian = 0;
    t->dot_zero = 0;
    for (int k = 0; k < 3; k++)
        t->tx[k] = xp_cif_find(db, frac_tags[k]);
    if (t->tx[0] < 0 && t->tx[1] < 0 && t->tx[2] < 0) {
        for (int k = 0; k < 3; k++)
            t->tx[k] = xp_cif_find(db, cart_tags[k]);
        t->cartesian = 1;
    }
    ssize_t tcell = xp_cif_find(db, cell_tags[0]);
    if (t->tx[0] < 0 && t->tx[1] < 0 && t->tx[2] < 0 && tcell < 0)
        return 1; /* not a crystal structure block: skipped */
    for (int k = 0; k < 3; k++)
        if (t->tx[k] < 0)
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: no atom site coordinates (%s)",
                                b->file, b->block, t->cartesian ? cart_tags[k] : frac_tags[k]);
    double *p = t->cellp;
    for (int k = 0; k < 6; k++) {
        ssize_t tc = xp_cif_find(db, cell_tags[k]);
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
    t->nrows = xp_cif_count(db, t->tx[0]);
    if (xp_cif_count(db, t->tx[1]) != t->nrows || xp_cif_count(db, t->tx[2]) != t->nrows)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: the atom site coordinates have "
                            "different numbers of values", b->file, b->block);
    if (t->nrows <= 0)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: no atom sites", b->file, b->block);
    t->ttype = xp_cif_find(db, "_atom_site_type_symbol");
    t->tlabel = xp_cif_find(db, "_atom_site_label");
    t->tocc = xp_cif_find(db, "_atom_site_occupancy");
    if (t->ttype < 0 && t->tlabel < 0)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: neither _atom_site_type_symbol nor "
                            "_atom_site_label names the elements", b->file, b->block);
    return 0;
}

/* The species of one atom site: one element at the site's occupancy, or several. */
typedef struct site_species {
    int n;
    int z[XP_KIND_MAX];
    double occ[XP_KIND_MAX];
} site_species;

/* A mixed-site symbol as the Pauling File writes it: "0.660Mg + 0.317Fe + 0.023Ca",
 * "0.56(4)Mg + 0.29(3)Ta + 0.15(5)Zr" (an amount, its uncertainty, an element, a charge). 0 when
 * it is one, 1 when the text is no such symbol, else an error. */
static int mixed_species(xp_cif_ctx *b, const char *text, const char *where, site_species *sp)
{
    const char *p = text;
    while (*p == ' ')
        p++;
    if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')))
        return 1;
    sp->n = 0;
    while (*p) {
        char *end = NULL;
        double occ = strtod(p, &end);
        if (end == p)
            goto bad;
        p = end;
        if (*p == '(') { /* the uncertainty */
            p++;
            while (*p >= '0' && *p <= '9')
                p++;
            if (*p++ != ')')
                goto bad;
        }
        int z = xp_element_from_label(p);
        if (!z || sp->n == XP_KIND_MAX || !(occ > 0 && occ <= 1))
            goto bad;
        sp->z[sp->n] = z;
        sp->occ[sp->n++] = occ;
        /* to the '+' that parts it from the next amount (a charge's '+' is not followed by one) */
        const char *next = NULL;
        for (const char *q = p; *q && !next; q++) {
            if (*q != '+')
                continue;
            const char *r = q + 1;
            while (*r == ' ')
                r++;
            if ((*r >= '0' && *r <= '9') || *r == '.')
                next = r;
        }
        if (!next)
            break;
        p = next;
    }
    return 0;
bad:
    return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: the mixed site \"%s\" is not "
                        "amounts and elements (\"0.66Mg + 0.34Fe\")", b->file, b->block, where,
                        text);
}

/* The element(s) of atom site r from its type symbol, else its label. */
static int site_elements(xp_cif_ctx *b, const char *type, const char *label, const char *where,
                         site_species *sp)
{
    const char *named = type && strcmp(type, "?") ? type : label;
    if (named && strchr(named, '+')) {
        int rc = mixed_species(b, named, where, sp);
        if (rc <= 0)
            return rc;
    }
    sp->n = 1;
    sp->occ[0] = 1.0;
    if (named && !strncasecmp(named, "wat", 3)) {
        sp->z[0] = 8; /* a water molecule's oxygen ("Wat", "WatOW", "WatX1"), as pymatgen reads it */
        return 0;
    }
    sp->z[0] = type && strcmp(type, "?") ? xp_element_from_label(type) : 0;
    if (!sp->z[0] && label)
        sp->z[0] = xp_element_from_label(label);
    if (!sp->z[0])
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: no element in \"%s\"", b->file,
                            b->block, where, type ? type : label ? label : "");
    return 0;
}

/* A coordinate of atom site r: ICSD exports write a zero as '.' (inapplicable), which the
 * forgiving mode reads as 0, as other readers do. */
static int coordinate(xp_cif_ctx *b, const xp_cif_block *db, site_table *t, ssize_t r, int k,
                      const char *where, double *v)
{
    if (!b->opts->strict && xp_cif_inapplicable(db, t->tx[k], r)) {
        t->dot_zero++;
        *v = 0;
        return 0;
    }
    char what[128];
    snprintf(what, sizeof what, "%s coordinate %c", where, 'x' + k);
    return number_of(b, db, t->tx[k], r, what, v);
}

/* Atom site r of the table: its label, species, fractional position and occupancy; where gets
 * its name for the messages ("atom site 3 (O1)"). */
static int read_site_row(xp_cif_ctx *b, const xp_cif_block *db, site_table *t, ssize_t r,
                         xp_site *site, site_species *sp, char where[96])
{
    const char *label =
        t->tlabel >= 0 && r < xp_cif_count(db, t->tlabel) ? xp_cif_text(db, t->tlabel, r) : NULL;
    const char *type =
        t->ttype >= 0 && r < xp_cif_count(db, t->ttype) ? xp_cif_text(db, t->ttype, r) : NULL;
    snprintf(where, 96, "atom site %zd%s%s%s", r + 1, label ? " (" : "", label ? label : "",
             label ? ")" : "");
    if (label)
        snprintf(site->label, sizeof site->label, "%s", label);
    int rc = site_elements(b, type, label, where, sp);
    if (rc)
        return rc;
    double v[3];
    for (int k = 0; k < 3; k++)
        if ((rc = coordinate(b, db, t, r, k, where, &v[k])))
            return rc;
    if (t->cartesian)
        for (int k = 0; k < 3; k++)
            site->frac[k] = v[0] * t->inv[0][k] + v[1] * t->inv[1][k] + v[2] * t->inv[2][k];
    else
        memcpy(site->frac, v, sizeof v);
    for (int k = 0; k < 3; k++)
        if (!isfinite(site->frac[k]) || fabs(site->frac[k]) > 1e6)
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: coordinate out of range",
                                b->file, b->block, where);
    if (t->tocc >= 0 && r < xp_cif_count(db, t->tocc) && sp->n == 1) {
        const char *ot = xp_cif_text(db, t->tocc, r);
        double occ = 1.0;
        int orc = ot ? xp_parse_cif_number(ot, &occ) : XP_EINVAL;
        if (orc == XP_EINVAL || (orc == 0 && !(occ > 0 && occ <= 1.0 + 1e-6)))
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: occupancy \"%s\" is not a "
                                "number in (0, 1]", b->file, b->block, where, ot ? ot : "");
        sp->occ[0] = orc == 0 ? fmin(occ, 1.0) : 1.0;
    }
    double sum = 0;
    for (int i = 0; i < sp->n; i++)
        sum += sp->occ[i];
    if (sum > 1.0 + 1e-3)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: the occupancies of its species "
                            "add up to %.4g, more than 1", b->file, b->block, where, sum);
    return 0;
}

/* Adds every symmetry image of the site to s, merged with the sites already there (cap: the
 * room in s->sites). An image on a listed site of the same element (within DUPLICATE_TOL) is
 * that site listed again: their occupancies add up, as pymatgen adds them, and more than 1 is
 * refused; an image near one of another element is refused when their occupancies add up to
 * more than 1. */
static int add_images(xp_cif_ctx *b, const site_table *t, const xp_symop *ops, size_t nops,
                      const xp_site *site, const char *where, xp_structure *s, size_t *cap)
{
    size_t first = s->nsites, nown = 0;
    double h[3], own[XP_CIF_MAX_OPS][3]; /* the site's images so far */
    plane_spacings(t->lat, h);
    for (size_t o = 0; o < nops && o < XP_CIF_MAX_OPS; o++) {
        xp_site img = *site;
        for (int k = 0; k < 3; k++)
            img.frac[k] = wrap01(ops[o].rot[k][0] * site->frac[0] +
                                 ops[o].rot[k][1] * site->frac[1] +
                                 ops[o].rot[k][2] * site->frac[2] + ops[o].trans[k]);
        int merged = 0;
        for (size_t i = 0; i < nown && !merged; i++) /* symmetry maps the site onto itself */
            merged = !surely_apart(h, own[i], img.frac) &&
                     frac_distance(t->lat, own[i], img.frac) < MERGE_TOL;
        if (merged)
            continue;
        memcpy(own[nown++], img.frac, sizeof img.frac);
        for (size_t j = 0; j < first && !merged; j++) {
            xp_site *q = &s->sites[j];
            if (surely_apart(h, q->frac, img.frac))
                continue;
            double d = frac_distance(t->lat, q->frac, img.frac);
            int again = q->z == img.z && d < DUPLICATE_TOL;
            if (d >= MERGE_TOL || (q->z == img.z && !again))
                continue;
            if (q->occupancy + img.occupancy > 1.0 + 1e-3)
                return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s %s site %s (%.4f Å "
                                    "apart), and their occupancies add up to more than 1",
                                    b->file, b->block, where,
                                    again ? "is a symmetry image of, or the same atom as," :
                                            "overlaps", q->label, d);
            if (again) {
                q->occupancy += img.occupancy;
                merged = 1;
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

static int read_block(xp_cif_ctx *b, const xp_cif_block *db, xp_structure_list *out)
{
    site_table t;
    int rc = find_site_table(b, db, &t);
    if (rc)
        return rc;
    xp_symop *ops = NULL;
    size_t nops = 0;
    rc = xp_cif_block_ops(b, db, t.cellp, &ops, &nops);
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
        site_species sp;
        char where[96];
        if ((rc = read_site_row(b, db, &t, r, &site, &sp, where)))
            goto fail;
        /* every symmetry image of each species, merged with the sites already there */
        for (int i = 0; i < sp.n; i++) {
            site.z = sp.z[i];
            site.occupancy = sp.occ[i];
            if ((rc = add_images(b, &t, ops, nops, &site, where, s, &cap)))
                goto fail;
        }
    }
    free(ops);
    if (t.dot_zero)
        xp_read_warn(b->opts, "%s:%zu: data_%s: %d atom site coordinates written '.' (not "
                     "applicable) are read as 0", b->file,
                     xp_cif_line_of(b->data, b->len, b->block, "_atom_site_fract_x"), b->block,
                     t.dot_zero);
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

/* The parse's outcome: 0, or the error that refuses the file. */
static int parse_verdict(const char *name, const xp_cif_tables *st, int prc, xp_error *err)
{
    if (prc == CIF_MEMORY_ERROR || st->failed == 1)
        return xp_error_set(err, XP_ENOMEM, "%s: out of memory", name);
    if (st->failed == 3 && !st->err_code)
        return xp_error_set(err, XP_EINVAL, "%s: not a valid CIF: a data name or value that is "
                            "not text", name);
    if (st->failed == 2)
        return xp_error_set(err, XP_EINVAL, "%s: more than %d values", name, XP_CIF_MAX_VALUES);
    if (st->err_code)
        return xp_error_set(err, XP_EINVAL, "%s:%zu:%zu: not a valid CIF: %s%s%s%s", name,
                            st->err_line, st->err_col, xp_cif_error_text(st->err_code),
                            st->err_text ? " (at \"" : "", st->err_text ? st->err_text : "",
                            st->err_text ? "\")" : "");
    if (prc != CIF_OK)
        return xp_error_set(err, XP_EINVAL, "%s: not a valid CIF: %s", name,
                            xp_cif_error_text(prc));
    return 0;
}

/* A block that could not be read, while others may be: a warning naming its line. */
static void warn_block(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                       const xp_error *berr)
{
    size_t nl = strlen(name);
    const char *why = berr->msg;
    if (!strncmp(why, name, nl) && why[nl] == ':')
        why += nl + 1;
    while (*why == ' ')
        why++;
    char block[128] = "";
    if (!strncmp(why, "data_", 5)) /* "data_NAME: ..." */
        snprintf(block, sizeof block, "%.*s", (int)strcspn(why + 5, ":"), why + 5);
    xp_read_warn(opts, "%s:%zu: %s; the block is skipped", name,
                 xp_cif_line_of(data, len, block, NULL), why);
}

/* Whether an earlier block has block i's code; *last: the last block that has it. */
static int same_code(const xp_cif_tables *st, size_t i, size_t *last)
{
    const char *code = st->blocks[i].name;
    for (size_t j = 0; j < st->nblocks && code; j++)
        if (j != i && st->blocks[j].name && !strcasecmp(code, st->blocks[j].name)) {
            if (j < i)
                return 1;
            *last = j;
        }
    return 0;
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
    xp_cif_tables st;
    int prc = xp_cif_parse(data, len, opts->strict, &st);
    int rc = parse_verdict(name, &st, prc, err);
    xp_error bad[MAX_BAD_BLOCKS];
    size_t nbad = 0;
    for (size_t i = 0; i < st.nblocks && !rc; i++) {
        const char *bname = st.blocks[i].name ? st.blocks[i].name : "";
        /* a block code used twice (forgiving mode): the last block of it, in the first's place */
        size_t use = i;
        if (same_code(&st, i, &use))
            continue;
        xp_error berr = {0};
        xp_cif_ctx bc = {name, bname, data, len, opts, &berr};
        int r = read_block(&bc, &st.blocks[use], out);
        if (r >= 0)
            continue;
        if (r == XP_ENOMEM || opts->strict)
            rc = xp_error_set(err, r, "%s", berr.msg);
        else if (nbad < MAX_BAD_BLOCKS)
            bad[nbad++] = berr; /* a warning if another block is read, else the error */
    }
    if (!rc && out->n == 0 && nbad)
        rc = xp_error_set(err, bad[0].code, "%s", bad[0].msg);
    else if (!rc && out->n == 0)
        rc = xp_error_set(err, XP_EINVAL, "%s: no data block holds a crystal structure (cell and "
                          "atom sites)", name);
    for (size_t i = 0; i < nbad && !rc; i++)
        warn_block(name, data, len, opts, &bad[i]);
    if (!rc) {
        for (size_t i = 0; i < st.nwarn && i < XP_CIF_MAX_WARNINGS; i++)
            xp_read_warn(opts, "%s:%s", name, st.warn[i]);
        if (st.nwarn > XP_CIF_MAX_WARNINGS)
            xp_read_warn(opts, "%s: %zu more slips of the CIF grammar read on", name,
                         st.nwarn - XP_CIF_MAX_WARNINGS);
    }
    xp_cif_tables_free(&st);
    if (rc)
        xp_structure_list_free(out);
    return rc;
}
