/* CIF 1.1 and 2.0 through COD's CIF parser (libcodcif): every data block that holds a cell
 * and atom sites becomes a structure; the listed symmetry operations are applied and the
 * sites they map onto each other merged. The parser keeps state in globals, so calls into it
 * are serialized. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cexceptions.h>
#include <cif.h>
#include <cif_compiler.h>
#include <cif_options.h>
#include <cifmessage.h>
#include <cifvalue.h>
#include <datablock.h>
#include <spglib.h>

#include "xtal_internal.h"

/* libcodcif names the running program in its messages through this symbol. */
char *progname = "xtalproof";

static pthread_mutex_t parser_lock = PTHREAD_MUTEX_INITIALIZER;

#define MERGE_TOL 0.01      /* Å: symmetry images of one site closer than this are one */
#define DUPLICATE_TOL 0.001 /* Å: two listed sites of one element closer than this are one */
#define MAX_OPS 1024

/* Tag comparison that treats DDLm's "_cell.length_a" like "_cell_length_a", case-blind. */
static int tag_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '.' ? '_' : *a, y = *b == '.' ? '_' : *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static ssize_t find_tag(DATABLOCK *db, const char *tag)
{
    char **tags = datablock_tags(db);
    size_t n = datablock_length(db);
    for (size_t i = 0; i < n; i++)
        if (tags[i] && tag_equal(tags[i], tag))
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
    return tag < 0 ? 0 : datablock_value_lengths(db)[tag];
}

/* The text of value row of tag, or NULL for a list or table value. */
static const char *value_text(DATABLOCK *db, ssize_t tag, ssize_t row)
{
    CIFVALUE *v = datablock_cifvalue(db, (int)tag, (int)row);
    if (!v)
        return NULL;
    cif_value_type_t t = value_type(v);
    if (t == CIF_LIST || t == CIF_TABLE)
        return NULL;
    return value_scalar(v);
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

static int read_block(block_ctx *b, DATABLOCK *db, const xp_read_opts *opts,
                      xp_structure_list *out)
{
    static const char *const cell_tags[6] = {"_cell_length_a", "_cell_length_b",
                                             "_cell_length_c", "_cell_angle_alpha",
                                             "_cell_angle_beta", "_cell_angle_gamma"};
    static const char *const frac_tags[3] = {"_atom_site_fract_x", "_atom_site_fract_y",
                                             "_atom_site_fract_z"};
    static const char *const cart_tags[3] = {"_atom_site_cartn_x", "_atom_site_cartn_y",
                                             "_atom_site_cartn_z"};
    size_t max_sites = opts->max_sites ? opts->max_sites : 100000;
    ssize_t tx[3];
    int cartesian = 0;
    for (int k = 0; k < 3; k++)
        tx[k] = find_tag(db, frac_tags[k]);
    if (tx[0] < 0 && tx[1] < 0 && tx[2] < 0) {
        for (int k = 0; k < 3; k++)
            tx[k] = find_tag(db, cart_tags[k]);
        cartesian = 1;
    }
    ssize_t tcell = find_tag(db, cell_tags[0]);
    if (tx[0] < 0 && tx[1] < 0 && tx[2] < 0 && tcell < 0)
        return 1; /* not a crystal structure block: skipped */
    for (int k = 0; k < 3; k++)
        if (tx[k] < 0)
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: no atom site coordinates (%s)",
                                b->file, b->block, cartesian ? cart_tags[k] : frac_tags[k]);
    double p[6];
    for (int k = 0; k < 6; k++) {
        ssize_t t = find_tag(db, cell_tags[k]);
        if (t < 0)
            return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s is missing", b->file,
                                b->block, cell_tags[k]);
        int rc = number_of(b, db, t, 0, cell_tags[k], &p[k]);
        if (rc)
            return rc;
    }
    double lat[3][3], inv[3][3];
    if (xp_lattice_from_params(p, lat) || xp_mat3_inverse(lat, inv))
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: the cell (%g %g %g %g %g %g) is not "
                            "a valid lattice", b->file, b->block, p[0], p[1], p[2], p[3], p[4],
                            p[5]);
    ssize_t nrows = value_count(db, tx[0]);
    if (value_count(db, tx[1]) != nrows || value_count(db, tx[2]) != nrows)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: the atom site coordinates have "
                            "different numbers of values", b->file, b->block);
    if (nrows <= 0)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: no atom sites", b->file, b->block);
    ssize_t ttype = find_tag(db, "_atom_site_type_symbol");
    ssize_t tlabel = find_tag(db, "_atom_site_label");
    ssize_t tocc = find_tag(db, "_atom_site_occupancy");
    if (ttype < 0 && tlabel < 0)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: neither _atom_site_type_symbol nor "
                            "_atom_site_label names the elements", b->file, b->block);

    xp_symop *ops = NULL;
    size_t nops = 0;
    int rc = block_ops(b, db, &ops, &nops);
    if (rc)
        return rc;
    xp_structure *s = xp_structure_new(0);
    size_t cap = 0;
    if (!s) {
        free(ops);
        return xp_error_set(b->err, XP_ENOMEM, "out of memory");
    }
    memcpy(s->lattice, lat, sizeof lat);
    for (ssize_t r = 0; r < nrows; r++) {
        xp_site site = {.occupancy = 1.0};
        const char *label = tlabel >= 0 && r < value_count(db, tlabel) ? value_text(db, tlabel, r)
                                                                        : NULL;
        const char *type = ttype >= 0 && r < value_count(db, ttype) ? value_text(db, ttype, r)
                                                                     : NULL;
        char where[96];
        snprintf(where, sizeof where, "atom site %zd%s%s%s", r + 1, label ? " (" : "",
                 label ? label : "", label ? ")" : "");
        if (label)
            snprintf(site.label, sizeof site.label, "%s", label);
        site.z = type && strcmp(type, "?") && strcmp(type, ".") ? xp_element_from_label(type) : 0;
        if (!site.z && label)
            site.z = xp_element_from_label(label);
        if (!site.z) {
            rc = xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: no element in \"%s\"", b->file,
                              b->block, where, type ? type : label ? label : "");
            goto fail;
        }
        double v[3];
        for (int k = 0; k < 3; k++) {
            char what[128];
            snprintf(what, sizeof what, "%s coordinate %c", where, 'x' + k);
            if ((rc = number_of(b, db, tx[k], r, what, &v[k])))
                goto fail;
        }
        if (cartesian)
            for (int k = 0; k < 3; k++)
                site.frac[k] = v[0] * inv[0][k] + v[1] * inv[1][k] + v[2] * inv[2][k];
        else
            memcpy(site.frac, v, sizeof v);
        for (int k = 0; k < 3; k++)
            if (!isfinite(site.frac[k]) || fabs(site.frac[k]) > 1e6) {
                rc = xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: coordinate out of range",
                                  b->file, b->block, where);
                goto fail;
            }
        if (tocc >= 0 && r < value_count(db, tocc)) {
            const char *ot = value_text(db, tocc, r);
            double occ = 1.0;
            int orc = ot ? xp_parse_cif_number(ot, &occ) : XP_EINVAL;
            if (orc == XP_EINVAL || (orc == 0 && !(occ > 0 && occ <= 1.0 + 1e-6))) {
                rc = xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s: occupancy \"%s\" is not a "
                                  "number in (0, 1]", b->file, b->block, where, ot ? ot : "");
                goto fail;
            }
            site.occupancy = orc == 0 ? fmin(occ, 1.0) : 1.0;
        }
        /* every symmetry image, merged with the sites already there */
        size_t first = s->nsites;
        for (size_t o = 0; o < nops; o++) {
            xp_site img = site;
            for (int k = 0; k < 3; k++)
                img.frac[k] = wrap01(ops[o].rot[k][0] * site.frac[0] + ops[o].rot[k][1] * site.frac[1] +
                                     ops[o].rot[k][2] * site.frac[2] + ops[o].trans[k]);
            int merged = 0;
            for (size_t j = 0; j < s->nsites && !merged; j++) {
                xp_site *q = &s->sites[j];
                double d = frac_distance(lat, q->frac, img.frac);
                if (j >= first) { /* an image of this same site: symmetry maps it onto itself */
                    merged = d < MERGE_TOL;
                    continue;
                }
                if (d >= MERGE_TOL)
                    continue;
                if (q->z == img.z && d < DUPLICATE_TOL) {
                    merged = 1; /* the same atom listed twice */
                } else if (q->z != img.z && q->occupancy + img.occupancy > 1.0 + 1e-3) {
                    rc = xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %s overlaps site %s "
                                      "(%.4f Å apart), and their occupancies add up to more "
                                      "than 1", b->file, b->block, where, q->label, d);
                    goto fail;
                }
            }
            if (merged)
                continue;
            if (s->nsites == max_sites) {
                rc = xp_error_set(b->err, XP_EINVAL, "%s: data_%s: more than %zu sites", b->file,
                                  b->block, max_sites);
                goto fail;
            }
            if (s->nsites == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                xp_site *ns = realloc(s->sites, ncap * sizeof *ns);
                if (!ns) {
                    rc = xp_error_set(b->err, XP_ENOMEM, "out of memory");
                    goto fail;
                }
                s->sites = ns;
                cap = ncap;
            }
            s->sites[s->nsites++] = img;
        }
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

/* The parser reports failures by longjmp; kept in a function of its own so that no local of
 * the caller lives across the jump. */
static CIF *parse_string(char *buf, char *msg, size_t msglen)
{
    cexception_t ex;
    CIF *volatile cif = NULL;
    cexception_guard(ex)
    {
        cif = new_cif_from_cif_string(buf, cif_option_set(cif_option_default(), CO_SUPPRESS_MESSAGES),
                                      &ex);
    }
    cexception_catch
    {
        const char *m = cexception_message(&ex);
        snprintf(msg, msglen, "%s", m ? m : "parse error");
        if (cif)
            delete_cif(cif);
        return NULL;
    }
    return cif;
}

int xp_read_cif_mem(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                    xp_structure_list *out, xp_error *err)
{
    out->items = NULL;
    out->n = 0;
    xp_read_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    if (memchr(data, '\0', len))
        return xp_error_set(err, XP_EINVAL, "%s: binary data (a NUL byte)", name);
    /* libcodcif 3.7 dereferences NULL on input without any data block header: such input is
     * refused here, before the parser sees it */
    int has_block = 0;
    for (size_t i = 0; i + 5 <= len && !has_block; i++)
        if ((i == 0 || data[i - 1] == '\n' || data[i - 1] == '\r' || data[i - 1] == ' ' ||
             data[i - 1] == '\t') &&
            !strncasecmp(data + i, "data_", 5))
            has_block = 1;
    if (!has_block)
        return xp_error_set(err, XP_EINVAL, "%s: not a CIF: no data block (data_...)", name);
    char *buf = malloc(len + 1);
    if (!buf)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    memcpy(buf, data, len);
    buf[len] = '\0';

    int rc = 0;
    pthread_mutex_lock(&parser_lock);
    char msg[256] = "";
    CIF *cif = parse_string(buf, msg, sizeof msg);
    if (!cif && msg[0])
        rc = xp_error_set(err, XP_EINVAL, "%s: not a valid CIF: %s", name, msg);
    if (!rc && !cif)
        rc = xp_error_set(err, XP_EINVAL, "%s: not a valid CIF", name);
    if (!rc && cif_nerrors(cif) > 0) {
        CIFMESSAGE *m = cif_messages(cif);
        CIFMESSAGE *first = m;
        for (; m; m = cifmessage_next(m)) /* the list is newest first */
            if (cifmessage_status(m) && !strcasecmp(cifmessage_status(m), "ERROR"))
                first = m;
        if (first)
            rc = xp_error_set(err, XP_EINVAL, "%s:%d: not a valid CIF: %s", name,
                              cifmessage_lineno(first),
                              cifmessage_message(first) ? cifmessage_message(first) : "syntax error");
        else
            rc = xp_error_set(err, XP_EINVAL, "%s: not a valid CIF (%d errors)", name,
                              cif_nerrors(cif));
    }
    if (!rc) {
        for (DATABLOCK *db = cif_datablock_list(cif); db && !rc; db = datablock_next(db)) {
            block_ctx b = {name, datablock_name(db) ? datablock_name(db) : "", err};
            int r = read_block(&b, db, opts, out);
            if (r < 0)
                rc = r;
        }
        if (!rc && out->n == 0)
            rc = xp_error_set(err, XP_EINVAL, "%s: no data block holds a crystal structure (cell "
                              "and atom sites)", name);
    }
    if (cif)
        delete_cif(cif);
    pthread_mutex_unlock(&parser_lock);
    free(buf);
    if (rc)
        xp_structure_list_free(out);
    return rc;
}
