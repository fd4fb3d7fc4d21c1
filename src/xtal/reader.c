/* Reading structure files: the format by extension, else by content; both readers fill the
 * same model. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xtalproof/bytes.h"
#include "xtalproof/limits.h"
#include "xtalproof/reader.h"
#include "xtal_internal.h"

#define DEFAULT_MAX_BYTES XP_MAX_STRUCTURE_FILE_BYTES

void xp_structure_list_free(xp_structure_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        xp_structure_free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

int xp_list_push(xp_structure_list *list, xp_structure *s, xp_error *err)
{
    xp_structure **items = realloc(list->items, (list->n + 1) * sizeof *items);
    if (!items) {
        xp_structure_free(s);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    list->items = items;
    list->items[list->n++] = s;
    return 0;
}

void xp_read_warn(const xp_read_opts *opts, const char *fmt, ...)
{
    char msg[XP_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (opts && opts->warn)
        opts->warn(opts->warn_ctx, msg);
    else
        fprintf(stderr, "xtalproof: warning: %s\n", msg);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* CIF by its extension; POSCAR by its usual names and extensions; otherwise by content: a CIF
 * has a data_ block header (or the CIF 2.0 magic) before anything else. *named: whether the name
 * said it. */
static xp_format guess_format(const char *name, const char *data, size_t len, int *named)
{
    const char *base = base_name(name);
    *named = 1;
    if (ends_with(base, ".cif") || ends_with(base, ".mcif"))
        return XP_FORMAT_CIF;
    if (ends_with(base, ".vasp") || ends_with(base, ".poscar") || !strncasecmp(base, "POSCAR", 6) ||
        !strncasecmp(base, "CONTCAR", 7))
        return XP_FORMAT_POSCAR;
    *named = 0;
    if (len >= 10 && !memcmp(data, "#\\#CIF_2.0", 10))
        return XP_FORMAT_CIF;
    size_t i = 0;
    while (i < len) {
        while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
            i++;
        if (i < len && data[i] == '#') { /* a comment line */
            while (i < len && data[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    if (len - i >= 5 && !strncasecmp(data + i, "data_", 5))
        return XP_FORMAT_CIF;
    return XP_FORMAT_POSCAR;
}

/* Every structure read within XP_MAX_CELL_LENGTH and XP_MAX_VOLUME_PER_ATOM, before anything
 * indexes its cell. */
static int check_cells(const char *name, const xp_structure_list *list, xp_error *err)
{
    for (size_t i = 0; i < list->n; i++) {
        const xp_structure *s = list->items[i];
        const char *blk = s->block ? s->block : "";
        const double(*L)[3] = (const double(*)[3])s->lattice;
        double vol = fabs(L[0][0] * (L[1][1] * L[2][2] - L[1][2] * L[2][1]) -
                          L[0][1] * (L[1][0] * L[2][2] - L[1][2] * L[2][0]) +
                          L[0][2] * (L[1][0] * L[2][1] - L[1][1] * L[2][0]));
        if (s->nsites && vol / (double)s->nsites > XP_MAX_VOLUME_PER_ATOM)
            return xp_error_set(err, XP_EINVAL,
                                "%s: %s: %.0f Å^3 per site is over the limit of %.0f (a cell of "
                                "%g Å^3 holding %zu sites)",
                                name, blk, vol / (double)s->nsites, XP_MAX_VOLUME_PER_ATOM, vol,
                                s->nsites);
    }
    return XP_OK;
}

static int read_any(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                    xp_structure_list *out, xp_error *err);

int xp_read_structures_mem(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                           xp_structure_list *out, xp_error *err)
{
    int rc = read_any(name, data, len, opts, out, err);
    if (!rc && (rc = check_cells(name, out, err)))
        xp_structure_list_free(out);
    return rc;
}

static int read_any(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                    xp_structure_list *out, xp_error *err)
{
    out->items = NULL;
    out->n = 0;
    xp_read_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    size_t max = opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
    if (len > max)
        return xp_error_set(err, XP_EINVAL, "%s: file of %zu bytes is over the limit of %zu", name,
                            len, max);
    if (len == 0)
        return xp_error_set(err, XP_EINVAL, "%s: empty file", name);
    int named = 1;
    xp_format f = opts->format ? opts->format : guess_format(name, data, len, &named);
    const char *nul = memchr(data, '\0', len);
    if (nul)
        return xp_error_set(err, named ? XP_EINVAL : XP_ENOTSTRUCTURE,
                            "%s: %sbinary data (a NUL byte at offset %zu)", name,
                            named ? "" : "not a CIF or POSCAR file: ", (size_t)(nul - data));
    if (f == XP_FORMAT_CIF)
        return xp_read_cif_mem(name, data, len, opts, out, err);
    int rc = xp_read_poscar_mem(name, data, len, opts, out, err);
    if (rc && rc != XP_ENOMEM && !named && err) {
        /* neither its name nor a data_ block said what it is: most often not a structure at all
           (a README, a CSV), so that is said first, with what the POSCAR reader found */
        char why[XP_ERROR_MAX];
        size_t nl = strlen(name);
        const char *m = err->msg;
        int line = !strncmp(m, name, nl) && m[nl] == ':' && m[nl + 1] >= '0' && m[nl + 1] <= '9';
        snprintf(why, sizeof why, "%s", line ? m + nl + 1 : m);
        xp_error_set(err, XP_ENOTSTRUCTURE,
                     "%s: not a CIF or POSCAR file (no .cif, .vasp or POSCAR name, no data_ "
                     "block; read as POSCAR%s%s)",
                     name, line ? ", line " : ": ", why);
    }
    if (rc && rc != XP_ENOMEM && !named)
        rc = XP_ENOTSTRUCTURE; /* not a structure file: a walk skips it */
    return rc;
}

int xp_read_structures(const char *path, const xp_read_opts *opts, xp_structure_list *out,
                       xp_error *err)
{
    out->items = NULL;
    out->n = 0;
    size_t max = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
    char *data = NULL;
    size_t len = 0;
    int rc = xp_file_read(path, max, &data, &len, err);
    if (rc)
        return rc;
    rc = xp_read_structures_mem(path, data, len, opts, out, err);
    free(data);
    return rc;
}

/* "5.4307(2)" -> 5.4307; "?" and "." are missing values (XP_ENOTFOUND). */
int xp_parse_cif_number(const char *text, double *out)
{
    while (*text == ' ' || *text == '\t')
        text++;
    if (!text[0] || ((text[0] == '?' || text[0] == '.') && text[1] == '\0'))
        return XP_ENOTFOUND;
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text)
        return XP_EINVAL;
    if (*end == '(') { /* standard uncertainty in the last digits */
        end++;
        if (*end < '0' || *end > '9')
            return XP_EINVAL;
        while (*end >= '0' && *end <= '9')
            end++;
        if (*end != ')')
            return XP_EINVAL;
        end++;
    }
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end || v != v || v > 1e300 || v < -1e300)
        return XP_EINVAL;
    *out = v;
    return 0;
}

/* The element of a type symbol or site label: "Na+", "O2-", "Fe3+", "Si1", "CL2", "D" (as H). */
int xp_element_from_label(const char *text)
{
    char sym[3] = {0};
    size_t n = 0;
    while (text[n] && n < 2 &&
           ((text[n] >= 'A' && text[n] <= 'Z') || (text[n] >= 'a' && text[n] <= 'z'))) {
        sym[n] = text[n];
        n++;
    }
    if (n == 0)
        return 0;
    if (n == 2) {
        int z = xp_element_z(sym);
        if (z)
            return z;
        sym[1] = 0;
    }
    if ((sym[0] == 'D' || sym[0] == 'T') && !sym[1])
        return 1; /* deuterium, tritium */
    return xp_element_z(sym);
}
