/* The binding API's structures, identities, matcher and grouping (include/xtalproof/api.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/match.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"
#include "xtalproof/symhash.h"

int xtp_api_version(void)
{
    return XTP_API_VERSION;
}

const char *xtp_library_version(void)
{
    return XP_VERSION;
}

void xtp_free(void *p)
{
    free(p);
}

int xtp_error_from(xtp_error *err, const xp_error *e, int rc)
{
    if (err) {
        err->code = rc;
        snprintf(err->message, sizeof err->message, "%s",
                 e && e->msg[0] ? e->msg : (rc ? xp_strerror(rc) : ""));
    }
    return rc;
}

int xtp_error_msg(xtp_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

/* ---- structures -------------------------------------------------------------------------- */

int xtp_structure_new(const double *lattice, size_t n, const int *z, const double *occ,
                      const double *frac, const char *name, xtp_structure **out, xtp_error *err)
{
    *out = NULL;
    const char *what = name && *name ? name : "the structure";
    if (!lattice || (n && (!z || !frac)))
        return xtp_error_msg(err, XTP_EINVAL, "%s: no lattice, species or coordinates", what);
    if (n == 0 || n > 100000)
        return xtp_error_msg(err, XTP_EINVAL, "%s has %zu sites (1 to 100000 are taken)", what, n);
    for (int k = 0; k < 9; k++)
        if (!(lattice[k] > -1e6 && lattice[k] < 1e6))
            return xtp_error_msg(err, XTP_EINVAL,
                                 "%s: lattice component %d is not a finite number of Å", what, k);
    for (size_t i = 0; i < n; i++) {
        if (z[i] < 1 || z[i] > 118)
            return xtp_error_msg(err, XTP_EINVAL,
                                 "%s: site %zu has atomic number %d (1 to 118 are elements)", what,
                                 i, z[i]);
        if (occ && !(occ[i] > 0 && occ[i] <= 1))
            return xtp_error_msg(err, XTP_EINVAL, "%s: site %zu has occupancy %g (not in (0, 1])",
                                 what, i, occ[i]);
        for (int k = 0; k < 3; k++)
            if (!(frac[3 * i + k] > -1e6 && frac[3 * i + k] < 1e6))
                return xtp_error_msg(err, XTP_EINVAL,
                                     "%s: site %zu has a fractional coordinate that is not a "
                                     "finite number",
                                     what, i);
    }
    xp_structure *s = xp_structure_new(n);
    if (!s || (name && *name && !(s->source = strdup(name)))) {
        xp_structure_free(s);
        return xtp_error_msg(err, XTP_ENOMEM, "out of memory");
    }
    memcpy(s->lattice, lattice, sizeof s->lattice);
    for (size_t i = 0; i < n; i++) {
        s->sites[i].z = z[i];
        s->sites[i].occupancy = occ ? occ[i] : 1.0;
        memcpy(s->sites[i].frac, frac + 3 * i, sizeof s->sites[i].frac);
    }
    *out = (xtp_structure *)(void *)s;
    return XTP_OK;
}

void xtp_structure_free(xtp_structure *s)
{
    xp_structure_free((xp_structure *)(void *)s);
}

/* hands the list's structures to the caller as an array of handles */
static int take_list(xp_structure_list *list, xtp_structure ***items, size_t *n, xtp_error *err)
{
    *items = malloc((list->n ? list->n : 1) * sizeof **items);
    if (!*items) {
        xp_structure_list_free(list);
        return xtp_error_msg(err, XTP_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < list->n; i++)
        (*items)[i] = (xtp_structure *)(void *)list->items[i];
    *n = list->n;
    free(list->items);
    return XTP_OK;
}

int xtp_read(const char *path, const char *species, xtp_structure ***items, size_t *n,
             xtp_error *err)
{
    xp_read_opts ro = {.species = species};
    xp_structure_list list;
    xp_error e = {0};
    *items = NULL;
    *n = 0;
    if (!path)
        return xtp_error_msg(err, XTP_EINVAL, "no path given");
    int rc = xp_read_structures(path, &ro, &list, &e);
    return rc ? xtp_error_from(err, &e, rc) : take_list(&list, items, n, err);
}

int xtp_read_mem(const char *name, const char *data, size_t len, const char *species,
                 xtp_structure ***items, size_t *n, xtp_error *err)
{
    xp_read_opts ro = {.species = species};
    xp_structure_list list;
    xp_error e = {0};
    *items = NULL;
    *n = 0;
    if (!data && len)
        return xtp_error_msg(err, XTP_EINVAL, "no data given");
    int rc = xp_read_structures_mem(name ? name : "data", data, len, &ro, &list, &e);
    return rc ? xtp_error_from(err, &e, rc) : take_list(&list, items, n, err);
}

size_t xtp_structure_sites(const xtp_structure *s)
{
    return xtp_s(s)->nsites;
}

void xtp_structure_get(const xtp_structure *h, double *lattice, int *z, double *occ, double *frac)
{
    const xp_structure *s = xtp_s(h);
    if (lattice)
        memcpy(lattice, s->lattice, sizeof s->lattice);
    for (size_t i = 0; i < s->nsites; i++) {
        if (z)
            z[i] = s->sites[i].z;
        if (occ)
            occ[i] = s->sites[i].occupancy;
        if (frac)
            memcpy(frac + 3 * i, s->sites[i].frac, sizeof s->sites[i].frac);
    }
}

const char *xtp_structure_source(const xtp_structure *s)
{
    return xtp_s(s)->source ? xtp_s(s)->source : "";
}

const char *xtp_structure_block(const xtp_structure *s)
{
    return xtp_s(s)->block ? xtp_s(s)->block : "";
}

/* ---- identity ---------------------------------------------------------------------------- */

int xtp_identify(const xtp_structure *h, double symprec, double angle_tolerance, int flags,
                 xtp_identity *out, xtp_error *err)
{
    const xp_structure *s = xtp_s(h);
    xp_hash_opts ho = {.symprec = symprec, .angle_tolerance = angle_tolerance};
    if (!(symprec >= 0 && symprec <= 1))
        return xtp_error_msg(err, XTP_EINVAL,
                             "symprec must be a number of Å in (0, 1] (0: the default)");
    if (!(angle_tolerance <= 90))
        return xtp_error_msg(err, XTP_EINVAL, "angle_tolerance must be at most 90 degrees");
    xp_xtal_id id;
    xp_error e = {0};
    int rc = xp_xtal_identify(s, &ho, &id, &e);
    if (rc)
        return xtp_error_from(err, &e, rc);
    memset(out, 0, sizeof *out);
    xp_hex_encode(id.symhash, 32, out->symhash, 1);
    xp_hex_encode(id.protohash, 32, out->protohash, 1);
    out->spacegroup = id.spacegroup;
    snprintf(out->international, sizeof out->international, "%s", id.international);
    xp_formula_conventional(id.formula, out->formula, sizeof out->formula);
    out->natoms = id.natoms;
    out->nprim = id.nprim;
    out->disordered = id.disordered;
    xp_xtal_id_clear(&id);
    uint8_t root[32];
    if ((flags & XTP_ID_STRUCTURE_ROOT) && xp_structure_root(s, root, &e) == 0) {
        out->has_structure_root = 1;
        xp_hex_encode(root, 32, out->structure_root, 1);
    }
    return XTP_OK;
}

int xtp_symhash_many(xtp_structure *const *s, size_t n, uint8_t *out, int *rcs, xtp_error *err)
{
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        xp_xtal_id id;
        xp_error e = {0};
        int rc = xp_xtal_identify(xtp_s(s[i]), NULL, &id, &e);
        if (rcs)
            rcs[i] = rc;
        if (!rc) {
            memcpy(out + 32 * i, id.symhash, 32);
            xp_xtal_id_clear(&id);
        } else {
            memset(out + 32 * i, 0, 32);
            if (!first)
                first = xtp_error_from(err, &e, rc);
            if (!rcs)
                return rc;
        }
    }
    return rcs ? XTP_OK : first;
}

/* ---- the matcher ------------------------------------------------------------------------- */

static void match_opts(const xtp_match_options *in, int best, xp_match_opts *o)
{
    memset(o, 0, sizeof *o);
    o->best = best;
    if (in) {
        o->ltol = in->ltol;
        o->stol = in->stol;
        o->angle_tol = in->angle_tol;
        o->no_scale = in->no_scale;
    }
}

static int check_tolerances(const xtp_match_options *o, xtp_error *err)
{
    if (o && (!(o->ltol >= 0 && o->ltol <= 1) || !(o->stol >= 0 && o->stol <= 1) ||
              !(o->angle_tol >= 0 && o->angle_tol <= 30)))
        return xtp_error_msg(err, XTP_EINVAL,
                             "ltol and stol must be in [0, 1] and angle_tol in [0, 30] degrees "
                             "(0: the default)");
    return XTP_OK;
}

int xtp_same(const xtp_structure *a, const xtp_structure *b, const xtp_match_options *opts,
             xtp_match_report *rep, xtp_error *err)
{
    xp_match_opts mo;
    match_opts(opts, 1, &mo); /* `same` searches every alignment for the least RMS */
    int rc = check_tolerances(opts, err);
    if (rc)
        return rc;
    xp_match_cell ca, cb;
    xp_match_result r;
    xp_error e = {0};
    if ((rc = xp_match_prepare(xtp_s(a), &mo, &ca, &e)))
        return xtp_error_from(err, &e, rc);
    if ((rc = xp_match_prepare(xtp_s(b), &mo, &cb, &e))) {
        xp_match_cell_clear(&ca);
        return xtp_error_from(err, &e, rc);
    }
    if (!(rc = xp_match_cells(&ca, &cb, &mo, &r, &e))) {
        memset(rep, 0, sizeof *rep);
        rep->same = r.same;
        snprintf(rep->reason, sizeof rep->reason, "%s", xp_match_reason_name(r.reason));
        rep->rms = r.rms;
        rep->max_dist = r.max_dist;
        rep->rms_angstrom = r.rms_angstrom;
        rep->lattices_tried = r.lattices_tried;
        rep->supercell = r.supercell;
        xp_formula_conventional(ca.formula, rep->formula_a, sizeof rep->formula_a);
        xp_formula_conventional(cb.formula, rep->formula_b, sizeof rep->formula_b);
        rep->atoms_a = ca.n;
        rep->atoms_b = cb.n;
        rep->ltol = mo.ltol > 0 ? mo.ltol : XP_MATCH_LTOL;
        rep->stol = mo.stol > 0 ? mo.stol : XP_MATCH_STOL;
        rep->angle_tol = mo.angle_tol > 0 ? mo.angle_tol : XP_MATCH_ANGLE_TOL;
    }
    xp_match_cell_clear(&ca);
    xp_match_cell_clear(&cb);
    return rc ? xtp_error_from(err, &e, rc) : XTP_OK;
}

/* ---- grouping ---------------------------------------------------------------------------- */

typedef struct keyed {
    uint8_t symhash[32], protohash[32];
    size_t i;
} keyed;

static int by_hash_then_index(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = memcmp(x->symhash, y->symhash, 32);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* one structure into the material index: its group is the first structure it matches */
static int group_one(xp_xtal_index *idx, const xtp_structure *s, size_t i, const keyed *key,
                     const xp_match_opts *mo, size_t *material, xp_error *e)
{
    xp_match_cell cell;
    int rc = xp_match_prepare(xtp_s(s), mo, &cell, e);
    if (rc)
        return rc;
    xp_index_hit hit;
    uint64_t found = 0;
    if ((rc = xp_xtal_index_find(idx, key->symhash, key->protohash, &cell, &hit, &found, NULL,
                                 NULL, e))) {
        xp_match_cell_clear(&cell);
        return rc;
    }
    if (hit != XP_INDEX_NONE) {
        material[i] = material[found];
        xp_match_cell_clear(&cell);
        return XP_OK;
    }
    material[i] = i;
    rc = xp_xtal_index_add(idx, key->symhash, key->protohash, &cell, i, e);
    if (rc)
        xp_match_cell_clear(&cell);
    return rc;
}

/* every structure's hashes (in input order) and the first structure of its crystal */
static int group_crystals(xtp_structure *const *s, size_t n, keyed *k, size_t *first,
                          xp_error *e)
{
    int rc = XP_OK;
    for (size_t i = 0; i < n; i++) {
        xp_xtal_id id;
        if ((rc = xp_xtal_identify(xtp_s(s[i]), NULL, &id, e)))
            return xp_error_prefix(e, rc, "structure %zu", i);
        memcpy(k[i].symhash, id.symhash, 32);
        memcpy(k[i].protohash, id.protohash, 32);
        k[i].i = i;
        xp_xtal_id_clear(&id);
    }
    keyed *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return xp_error_set(e, XP_ENOMEM, "out of memory");
    memcpy(sorted, k, n * sizeof *k);
    qsort(sorted, n, sizeof *sorted, by_hash_then_index);
    for (size_t j = 0; j < n; j++)
        first[sorted[j].i] = j && !memcmp(sorted[j].symhash, sorted[j - 1].symhash, 32)
                                 ? first[sorted[j - 1].i]
                                 : sorted[j].i;
    free(sorted);
    return XP_OK;
}

int xtp_group(xtp_structure *const *s, size_t n, const xtp_match_options *opts, size_t *crystal,
              size_t *material, xtp_error *err)
{
    int rc = check_tolerances(opts, err);
    if (rc)
        return rc;
    xp_match_opts mo;
    match_opts(opts, 0, &mo);
    keyed *k = malloc((n ? n : 1) * sizeof *k);
    size_t *first = malloc((n ? n : 1) * sizeof *first);
    xp_xtal_index *idx = material ? xp_xtal_index_new(&mo) : NULL;
    xp_error e = {0};
    if (!k || !first || (material && !idx))
        rc = xp_error_set(&e, XP_ENOMEM, "out of memory");
    if (!rc)
        rc = group_crystals(s, n, k, first, &e);
    /* the matcher prepares only the first structure of each crystal: the others are its
       material by their symhash */
    for (size_t i = 0; !rc && material && i < n; i++)
        if (first[i] != i)
            material[i] = material[first[i]];
        else if ((rc = group_one(idx, s[i], i, &k[i], &mo, material, &e)))
            xp_error_prefix(&e, rc, "structure %zu", i);
    if (!rc && crystal)
        memcpy(crystal, first, n * sizeof *first);
    free(k);
    free(first);
    xp_xtal_index_free(idx);
    return rc ? xtp_error_from(err, &e, rc) : XTP_OK;
}
