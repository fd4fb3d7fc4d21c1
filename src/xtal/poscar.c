/* VASP POSCAR/CONTCAR: VASP 5 (species line) and VASP 4 (species from the caller or from the
 * trailing "# K1" comments of the coordinate lines); negative scale = cell volume; Direct and
 * Cartesian; selective dynamics. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/limits.h"
#include "xtal_internal.h"

#define LINE_MAX_LEN 4096
#define MAX_SPECIES 1024

typedef struct cursor {
    const char *name, *p, *end;
    int lineno;
    char line[LINE_MAX_LEN];
} cursor;

/* Next line into c->line (without the end of line); -1 at the end of the input, -2 when the
 * line is too long. */
static int next_line(cursor *c)
{
    if (c->p >= c->end)
        return -1;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const char *stop = nl ? nl : c->end;
    size_t n = (size_t)(stop - c->p);
    if (n && c->p[n - 1] == '\r')
        n--;
    c->lineno++;
    if (n >= LINE_MAX_LEN)
        return -2;
    memcpy(c->line, c->p, n);
    c->line[n] = '\0';
    c->p = nl ? nl + 1 : c->end;
    return 0;
}

static int need_line(cursor *c, const char *what, xp_error *err)
{
    int r = next_line(c);
    if (r == -1)
        return xp_error_set(err, XP_EINVAL, "%s:%d: file ends where %s was expected", c->name,
                            c->lineno + 1, what);
    if (r == -2)
        return xp_error_set(err, XP_EINVAL, "%s:%d: line longer than %d characters", c->name,
                            c->lineno, LINE_MAX_LEN);
    return 0;
}

/* Splits c->line into at most max whitespace-separated tokens (in place). */
static int tokens(char *line, char **tok, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n == max)
            return max + 1;
        tok[n++] = t;
    }
    return n;
}

static int parse_double(const char *t, double *v)
{
    char *end = NULL;
    *v = strtod(t, &end);
    return (end != t && *end == '\0' && isfinite(*v)) ? 0 : -1;
}

static int parse_count(const char *t, long *v)
{
    char *end = NULL;
    if (!isdigit((unsigned char)t[0]))
        return -1;
    *v = strtol(t, &end, 10);
    return (*end == '\0' && *v >= 0 && *v <= 10000000) ? 0 : -1;
}

static int read_vec3(cursor *c, const char *what, double v[3], xp_error *err)
{
    int rc = need_line(c, what, err);
    if (rc)
        return rc;
    char *tok[8];
    int n = tokens(c->line, tok, 7);
    if (n < 3)
        return xp_error_set(err, XP_EINVAL, "%s:%d: %s needs three numbers, found %d", c->name,
                            c->lineno, what, n);
    for (int k = 0; k < 3; k++)
        if (parse_double(tok[k], &v[k]))
            return xp_error_set(err, XP_EINVAL, "%s:%d: %s: \"%s\" is not a number", c->name,
                                c->lineno, what, tok[k]);
    return 0;
}

/* The element named by a coordinate line's trailing text: "# K1", "K1", "Na+" ... */
static int trailing_element(const char *text)
{
    while (*text == ' ' || *text == '\t' || *text == '#' || *text == '!')
        text++;
    return xp_element_from_label(text);
}

/* What xp_read_poscar_mem has read so far. */
typedef struct poscar {
    cursor *c;
    const char *name;
    const xp_read_opts *opts;
    xp_error *err;
    size_t max_sites;
    double scale[3];
    int nscale;
    double lat[3][3], inv[3][3];
    int z_of[MAX_SPECIES];
    long count[MAX_SPECIES];
    int nspecies;
    int vasp5;       /* the species are known (a species line, or from the caller) */
    int counts_line; /* the line of the counts of atoms */
    size_t natoms;
    int selective, cartesian;
} poscar;

/* The scale line: one number (negative: the cell volume) or three factors. */
static int read_scale(poscar *P)
{
    cursor *c = P->c;
    int rc;
    if ((rc = need_line(c, "the scale factor", P->err)))
        return rc;
    char *tok[5];
    double *scale = P->scale;
    int nscale = tokens(c->line, tok, 4);
    if (nscale >= 3 && parse_double(tok[0], &scale[0]) == 0 && parse_double(tok[1], &scale[1]) == 0 &&
        parse_double(tok[2], &scale[2]) == 0) {
        nscale = 3;
    } else if (nscale >= 1 && parse_double(tok[0], &scale[0]) == 0) {
        nscale = 1;
        scale[1] = scale[2] = scale[0];
    } else {
        return xp_error_set(P->err, XP_EINVAL, "%s:%d: expected the scale factor, found \"%s\"",
                            P->name, c->lineno, c->line);
    }
    P->nscale = nscale;
    if (scale[0] == 0 || (nscale == 3 && (scale[0] <= 0 || scale[1] <= 0 || scale[2] <= 0)))
        return xp_error_set(P->err, XP_EINVAL, "%s:%d: the scale factor must not be zero or "
                            "negative (a single negative number is the volume)", P->name,
                            c->lineno);
    return 0;
}

/* The species line (VASP 5) and the counts of atoms per species. */
static int read_species_counts(poscar *P)
{
    cursor *c = P->c;
    const char *name = P->name;
    xp_error *err = P->err;
    int rc;
    char *tok[MAX_SPECIES + 2];
    if ((rc = need_line(c, "the species or the counts", err)))
        return rc;
    int ntok = tokens(c->line, tok, MAX_SPECIES);
    if (ntok > MAX_SPECIES || ntok == 0)
        return xp_error_set(err, XP_EINVAL, "%s:%d: expected between 1 and %d species", name,
                            c->lineno, MAX_SPECIES);
    P->vasp5 = !isdigit((unsigned char)tok[0][0]);
    if (P->vasp5) {
        P->nspecies = ntok;
        for (int i = 0; i < P->nspecies; i++) {
            /* pymatgen writes "Fe_pv" or "Fe/..." potential names; the element leads */
            char sym[8] = {0};
            size_t k = 0;
            while (k < 2 && isalpha((unsigned char)tok[i][k])) {
                sym[k] = tok[i][k];
                k++;
            }
            P->z_of[i] = xp_element_z(sym);
            if (!P->z_of[i] || (tok[i][k] && tok[i][k] != '_' && tok[i][k] != '/'))
                return xp_error_set(err, XP_EINVAL, "%s:%d: \"%s\" is not an element symbol",
                                    name, c->lineno, tok[i]);
        }
        if ((rc = need_line(c, "the counts of atoms per species", err)))
            return rc;
        ntok = tokens(c->line, tok, MAX_SPECIES);
    }
    P->counts_line = c->lineno;
    if (P->vasp5 && ntok != P->nspecies)
        return xp_error_set(err, XP_EINVAL, "%s:%d: %d species but %d counts", name, c->lineno,
                            P->nspecies, ntok > MAX_SPECIES ? MAX_SPECIES + 1 : ntok);
    P->nspecies = ntok;
    P->natoms = 0;
    for (int i = 0; i < P->nspecies; i++) {
        if (parse_count(tok[i], &P->count[i]))
            return xp_error_set(err, XP_EINVAL, "%s:%d: \"%s\" is not a count of atoms", name,
                                c->lineno, tok[i]);
        P->natoms += (size_t)P->count[i];
    }
    if (P->natoms == 0 || P->natoms > P->max_sites)
        return xp_error_set(err, XP_EINVAL, "%s:%d: %zu atoms (must be between 1 and %zu, the limit of sites per structure)", name,
                            c->lineno, P->natoms, P->max_sites);
    return 0;
}

/* The species of a VASP 4 file given by the caller (--species). */
static int species_from_opts(poscar *P)
{
    xp_error *err = P->err;
    char *copy = strdup(P->opts->species);
    if (!copy)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    char *stok[MAX_SPECIES + 2];
    for (char *p = copy; *p; p++)
        if (*p == ',')
            *p = ' ';
    int ns = tokens(copy, stok, MAX_SPECIES);
    int bad = -1;
    for (int i = 0; i < ns && i < P->nspecies; i++)
        if (!(P->z_of[i] = xp_element_z(stok[i])))
            bad = i;
    if (ns != P->nspecies || bad >= 0) {
        int rc = bad >= 0 ? xp_error_set(err, XP_EINVAL, "--species: \"%s\" is not an element",
                                         stok[bad])
                          : xp_error_set(err, XP_EINVAL, "%s: --species names %d elements but "
                                         "the file has %d species", P->name, ns, P->nspecies);
        free(copy);
        return rc;
    }
    free(copy);
    P->vasp5 = 1; /* species known */
    return 0;
}

/* "Selective dynamics" (optional), then Direct or Cartesian. */
static int read_mode(poscar *P)
{
    cursor *c = P->c;
    int rc;
    if ((rc = need_line(c, "Direct or Cartesian", P->err)))
        return rc;
    P->selective = 0;
    const char *mode = c->line;
    while (*mode == ' ' || *mode == '\t')
        mode++;
    if (*mode == 'S' || *mode == 's') {
        P->selective = 1;
        if ((rc = need_line(c, "Direct or Cartesian", P->err)))
            return rc;
        mode = c->line;
        while (*mode == ' ' || *mode == '\t')
            mode++;
    }
    if (*mode == 'C' || *mode == 'c' || *mode == 'K' || *mode == 'k')
        P->cartesian = 1;
    else if (*mode == 'D' || *mode == 'd')
        P->cartesian = 0;
    else
        return xp_error_set(P->err, XP_EINVAL, "%s:%d: expected Direct or Cartesian, found "
                            "\"%s\"", P->name, c->lineno, c->line);
    return 0;
}

/* The cell, scaled (a single negative number is the volume of the cell), and its inverse. */
static int scale_cell(poscar *P)
{
    double(*lat)[3] = P->lat;
    double *scale = P->scale;
    double raw_vol = lat[0][0] * (lat[1][1] * lat[2][2] - lat[1][2] * lat[2][1]) -
                     lat[0][1] * (lat[1][0] * lat[2][2] - lat[1][2] * lat[2][0]) +
                     lat[0][2] * (lat[1][0] * lat[2][1] - lat[1][1] * lat[2][0]);
    if (!isfinite(raw_vol) || fabs(raw_vol) < 1e-9)
        return xp_error_set(P->err, XP_EINVAL, "%s: the lattice vectors span no volume", P->name);
    if (P->nscale == 1 && scale[0] < 0)
        scale[0] = scale[1] = scale[2] = cbrt(-scale[0] / fabs(raw_vol));
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            lat[i][k] *= scale[k];
    if (xp_mat3_inverse(P->lat, P->inv))
        return xp_error_set(P->err, XP_EINVAL, "%s: the lattice vectors are linearly dependent",
                            P->name);
    return 0;
}

/* The coordinate line of atom at, the j-th of species sp, into s->sites[at]. */
static int read_atom(poscar *P, xp_structure *s, int sp, long j, size_t at)
{
    cursor *c = P->c;
    const char *name = P->name;
    xp_error *err = P->err;
    int rc;
    if ((rc = need_line(c, "a coordinate line", err))) {
        xp_error_prefix(err, rc, "%zu atoms announced on line %d, %zu found", P->natoms,
                        P->counts_line, at);
        return rc;
    }
    char *hash = strchr(c->line, '#');
    char *excl = strchr(c->line, '!');
    char *cmt = hash && (!excl || hash < excl) ? hash : excl;
    char trailing[64] = {0};
    if (cmt) {
        snprintf(trailing, sizeof trailing, "%s", cmt + 1);
        *cmt = '\0';
    }
    char *ctok[9];
    int nt = tokens(c->line, ctok, 8);
    if (nt < 3)
        return xp_error_set(err, XP_EINVAL, "%s:%d: a coordinate line needs three numbers, "
                            "found %d", name, c->lineno, nt > 8 ? 8 : nt);
    double v[3];
    for (int k = 0; k < 3; k++)
        if (parse_double(ctok[k], &v[k]))
            return xp_error_set(err, XP_EINVAL, "%s:%d: \"%s\" is not a number", name,
                                c->lineno, ctok[k]);
    int next = 3;
    if (P->selective) {
        if (nt < 6)
            return xp_error_set(err, XP_EINVAL, "%s:%d: selective dynamics needs three T/F "
                                "flags after the coordinates", name, c->lineno);
        for (int k = 3; k < 6; k++)
            if (strcmp(ctok[k], "T") && strcmp(ctok[k], "F"))
                return xp_error_set(err, XP_EINVAL, "%s:%d: selective dynamics flag \"%s\" "
                                    "is not T or F", name, c->lineno, ctok[k]);
        next = 6;
    }
    if (!cmt && nt > next) /* a label after the numbers, as pymatgen writes */
        snprintf(trailing, sizeof trailing, "%s", ctok[next]);
    xp_site *site = &s->sites[at];
    if (P->cartesian) {
        const double *scale = P->scale;
        double(*inv)[3] = P->inv;
        double cart[3] = {v[0] * scale[0], v[1] * scale[1], v[2] * scale[2]};
        for (int k = 0; k < 3; k++)
            site->frac[k] = cart[0] * inv[0][k] + cart[1] * inv[1][k] + cart[2] * inv[2][k];
    } else {
        memcpy(site->frac, v, sizeof v);
    }
    for (int k = 0; k < 3; k++)
        if (!isfinite(site->frac[k]) || fabs(site->frac[k]) > 1e6)
            return xp_error_set(err, XP_EINVAL, "%s:%d: coordinate out of range", name,
                                c->lineno);
    while (trailing[0] == ' ')
        memmove(trailing, trailing + 1, strlen(trailing));
    char *sp_end = trailing + strcspn(trailing, " \t");
    *sp_end = '\0';
    snprintf(site->label, sizeof site->label, "%.*s", (int)sizeof site->label - 1, trailing);
    if (P->vasp5) {
        site->z = P->z_of[sp];
        return 0;
    }
    int z = trailing_element(trailing);
    if (!z)
        return xp_error_set(err, XP_EINVAL, "%s:%d: a VASP 4 file (no species line) needs "
                            "--species or the element in a trailing comment such as \"# K1\"",
                            name, c->lineno);
    if (j > 0 && z != s->sites[at - 1].z)
        return xp_error_set(err, XP_EINVAL, "%s:%d: the trailing comment names %s, but this "
                            "species block began with %s", name, c->lineno, xp_element_symbol(z),
                            xp_element_symbol(s->sites[at - 1].z));
    site->z = z;
    return 0;
}

int xp_read_poscar_mem(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                       xp_structure_list *out, xp_error *err)
{
    out->items = NULL;
    out->n = 0;
    xp_read_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    poscar P = {.name = name, .opts = opts, .err = err};
    P.max_sites = opts->max_sites ? opts->max_sites : XP_MAX_SITES;
    cursor *c = calloc(1, sizeof *c);
    xp_structure *s = NULL;
    char *comment = NULL;
    if (!c)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    P.c = c;
    c->name = name;
    c->p = data;
    c->end = data + len;
    int rc;

    if ((rc = need_line(c, "the comment line", err)))
        goto fail;
    comment = strdup(c->line);
    if (!comment) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = read_scale(&P)))
        goto fail;
    static const char *const vec_name[3] = {"lattice vector a", "lattice vector b",
                                            "lattice vector c"};
    for (int i = 0; i < 3; i++)
        if ((rc = read_vec3(c, vec_name[i], P.lat[i], err)))
            goto fail;
    if ((rc = read_species_counts(&P)))
        goto fail;
    if (!P.vasp5 && opts->species && (rc = species_from_opts(&P)))
        goto fail;
    if ((rc = read_mode(&P)) || (rc = scale_cell(&P)))
        goto fail;

    s = xp_structure_new(P.natoms);
    if (!s) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(s->lattice, P.lat, sizeof P.lat);
    size_t at = 0;
    for (int sp = 0; sp < P.nspecies; sp++)
        for (long j = 0; j < P.count[sp]; j++, at++)
            if ((rc = read_atom(&P, s, sp, j, at)))
                goto fail;
    s->source = strdup(name);
    s->block = comment;
    comment = NULL;
    s->line = 1;
    if (!s->source) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto fail;
    }
    free(c);
    return xp_list_push(out, s, err);

fail:
    xp_structure_free(s);
    free(comment);
    free(c);
    return rc ? rc : XP_EINVAL;
}
