/* xtalproof model import: an exported CGCNN checkpoint (index.json + raw float32 weights +
 * normalizer.json + atom_init.json) to a .xpm file. BatchNorm folding is done in double from
 * the float32 values, then each number is rounded to the nearest Q16.16 (half away from zero);
 * the result is a pure function of the input files. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/model.h"

#define BN_EPS 1e-5

static const struct {
    const char *name, *property, *unit;
} KNOWN[] = {
    {"formation-energy-per-atom", "formation energy per atom", "eV/atom"},
    {"final-energy-per-atom", "final energy per atom", "eV/atom"},
    {"band-gap", "band gap", "eV"},
    {"efermi", "Fermi energy", "eV"},
    {"bulk-moduli", "bulk modulus (log10)", "log10(GPa)"},
    {"shear-moduli", "shear modulus (log10)", "log10(GPa)"},
    {"poisson-ratio", "Poisson ratio", "1"},
};

int xp_model_known(const char *name, const char **property, const char **unit)
{
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (!strcmp(name, KNOWN[i].name)) {
            *property = KNOWN[i].property;
            *unit = KNOWN[i].unit;
            return 0;
        }
    return -1;
}

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
} wbuf;

static void put32(wbuf *w, uint32_t v)
{
    w->p[w->n++] = (uint8_t)v;
    w->p[w->n++] = (uint8_t)(v >> 8);
    w->p[w->n++] = (uint8_t)(v >> 16);
    w->p[w->n++] = (uint8_t)(v >> 24);
}

static int quant(double v, int32_t *q, const char *what, xp_error *err)
{
    double s = v * 65536.0;
    if (!(fabs(s) < 2147483647.0))
        return xp_error_set(err, XP_EINVAL, "%s: the value %g does not fit Q16.16", what, v);
    *q = (int32_t)(s < 0 ? -floor(-s + 0.5) : floor(s + 0.5));
    return 0;
}

static int putq(wbuf *w, double v, const char *what, xp_error *err)
{
    int32_t q = 0;
    int rc = quant(v, &q, what, err);
    if (!rc)
        put32(w, (uint32_t)q);
    return rc;
}

typedef struct ckpt {
    json_t *index;
    uint8_t *bin;
    size_t binlen;
} ckpt;

static char *slurp(const char *path, size_t *len, xp_error *err)
{
    FILE *f = xp_file_fopen_regular(path, err);
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *nb = realloc(b, 2 * cap + 1);
        if (!nb) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    fclose(f);
    if (!b) {
        xp_error_set(err, XP_ENOMEM, "out of memory reading %s", path);
        return NULL;
    }
    b[n] = 0;
    *len = n;
    return b;
}

/* The tensor called name with the given shape; its float32 values as doubles. */
static int tensor(const ckpt *c, const char *name, size_t d0, size_t d1, double *out, xp_error *err)
{
    json_t *ts = json_object_get(c->index, "tensors");
    size_t i;
    json_t *t;
    json_array_foreach(ts, i, t)
    {
        const char *n = json_string_value(json_object_get(t, "name"));
        if (!n || strcmp(n, name))
            continue;
        json_t *shape = json_object_get(t, "shape");
        size_t want_dims = d1 ? 2 : 1;
        if (json_array_size(shape) != want_dims ||
            (size_t)json_integer_value(json_array_get(shape, 0)) != d0 ||
            (d1 && (size_t)json_integer_value(json_array_get(shape, 1)) != d1))
            return xp_error_set(err, XP_EINVAL, "index.json: %s has not the shape of %s", name,
                                XP_CGCNN_ARCH);
        const char *dt = json_string_value(json_object_get(t, "dtype"));
        json_int_t off = json_integer_value(json_object_get(t, "offset"));
        size_t count = d0 * (d1 ? d1 : 1);
        if (!dt || strcmp(dt, "float32") || off < 0 || (size_t)off > c->binlen ||
            c->binlen - (size_t)off < 4 * count)
            return xp_error_set(err, XP_EINVAL, "index.json: %s is not float32 inside weights.bin",
                                name);
        const uint8_t *p = c->bin + off;
        for (size_t k = 0; k < count; k++) {
            uint32_t u = (uint32_t)p[4 * k] | (uint32_t)p[4 * k + 1] << 8 |
                         (uint32_t)p[4 * k + 2] << 16 | (uint32_t)p[4 * k + 3] << 24;
            float f;
            memcpy(&f, &u, 4);
            if (!isfinite(f))
                return xp_error_set(err, XP_EINVAL, "weights.bin: %s[%zu] is not finite", name, k);
            out[k] = f;
        }
        return 0;
    }
    return xp_error_set(err, XP_EINVAL, "index.json has no tensor %s", name);
}

static int atom_init_table(const char *path, wbuf *w, xp_error *err)
{
    json_error_t je;
    json_t *a = xp_json_load_file(path, 0, &je);
    if (!a || !json_is_object(a)) {
        json_decref(a);
        return xp_error_set(err, XP_EINVAL, "%s: not a JSON object (%s, line %d)", path, je.text,
                            je.line);
    }
    int rc = 0;
    for (int z = 1; z <= XP_CG_ELEMENTS && !rc; z++) {
        char key[8];
        snprintf(key, sizeof key, "%d", z);
        json_t *v = json_object_get(a, key);
        if (json_array_size(v) != XP_CG_ATOM_FEA) {
            rc = xp_error_set(err, XP_EINVAL, "%s: element %d has not %d features", path, z,
                              XP_CG_ATOM_FEA);
            break;
        }
        for (int k = 0; k < XP_CG_ATOM_FEA && !rc; k++) {
            json_t *e = json_array_get(v, (size_t)k);
            if (!json_is_number(e))
                rc = xp_error_set(err, XP_EINVAL, "%s: element %d feature %d is not a number", path,
                                  z, k);
            else
                rc = putq(w, json_number_value(e), "atom_init", err);
        }
    }
    json_decref(a);
    return rc;
}

static void put_text(wbuf *w, const char *s, size_t cap)
{
    size_t n = strlen(s);
    memcpy(w->p + w->n, s, n);
    memset(w->p + w->n + n, 0, cap - n);
    w->n += cap;
}

/* One convolution: fc_full with bn1 folded, then bn2 as scale and shift. */
static int put_conv(const ckpt *c, int l, wbuf *w, double *W, xp_error *err)
{
    char nm[64];
    double b[XP_CG_F2], g[XP_CG_F2], be[XP_CG_F2], mu[XP_CG_F2], var[XP_CG_F2];
    int rc;
#define T(suffix, d0, d1, dst)                                                                     \
    do {                                                                                           \
        snprintf(nm, sizeof nm, "convs.%d.%s", l, suffix);                                         \
        if ((rc = tensor(c, nm, d0, d1, dst, err)))                                                \
            return rc;                                                                             \
    } while (0)
    T("fc_full.weight", XP_CG_F2, XP_CG_IN, W);
    T("fc_full.bias", XP_CG_F2, 0, b);
    T("bn1.weight", XP_CG_F2, 0, g);
    T("bn1.bias", XP_CG_F2, 0, be);
    T("bn1.running_mean", XP_CG_F2, 0, mu);
    T("bn1.running_var", XP_CG_F2, 0, var);
    double s[XP_CG_F2];
    for (int o = 0; o < XP_CG_F2; o++) {
        if (!(var[o] + BN_EPS > 0))
            return xp_error_set(err, XP_EINVAL, "convs.%d.bn1: negative running variance", l);
        s[o] = g[o] / sqrt(var[o] + BN_EPS);
    }
    for (int o = 0; o < XP_CG_F2; o++)
        for (int k = 0; k < XP_CG_IN; k++)
            if ((rc = putq(w, W[o * XP_CG_IN + k] * s[o], "fc_full.weight", err)))
                return rc;
    for (int o = 0; o < XP_CG_F2; o++)
        if ((rc = putq(w, (b[o] - mu[o]) * s[o] + be[o], "fc_full.bias", err)))
            return rc;
    T("bn2.weight", XP_CG_F, 0, g);
    T("bn2.bias", XP_CG_F, 0, be);
    T("bn2.running_mean", XP_CG_F, 0, mu);
    T("bn2.running_var", XP_CG_F, 0, var);
#undef T
    for (int o = 0; o < XP_CG_F; o++) {
        if (!(var[o] + BN_EPS > 0))
            return xp_error_set(err, XP_EINVAL, "convs.%d.bn2: negative running variance", l);
        s[o] = g[o] / sqrt(var[o] + BN_EPS);
    }
    for (int o = 0; o < XP_CG_F; o++)
        if ((rc = putq(w, s[o], "bn2 scale", err)))
            return rc;
    for (int o = 0; o < XP_CG_F; o++)
        if ((rc = putq(w, be[o] - mu[o] * s[o], "bn2 shift", err)))
            return rc;
    return 0;
}

static int put_linear(const ckpt *c, const char *name, size_t d0, size_t d1, wbuf *w, double *W,
                      xp_error *err)
{
    char nm[64];
    int rc;
    snprintf(nm, sizeof nm, "%s.weight", name);
    if ((rc = tensor(c, nm, d0, d1, W, err)))
        return rc;
    for (size_t i = 0; i < d0 * d1; i++)
        if ((rc = putq(w, W[i], nm, err)))
            return rc;
    snprintf(nm, sizeof nm, "%s.bias", name);
    if ((rc = tensor(c, nm, d0, 0, W, err)))
        return rc;
    for (size_t i = 0; i < d0; i++)
        if ((rc = putq(w, W[i], nm, err)))
            return rc;
    return 0;
}

int xp_model_import(const xp_import_opts *o, uint8_t **bytes, size_t *len, xp_error *err)
{
    *bytes = NULL;
    *len = 0;
    char path[4096];
    const char *dir = o->dir;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (dl > 3000)
        return xp_error_set(err, XP_EINVAL, "model folder path too long");
    char name[49];
    if (o->name)
        snprintf(name, sizeof name, "%s", o->name);
    else {
        size_t b = dl;
        while (b > 0 && dir[b - 1] != '/')
            b--;
        snprintf(name, sizeof name, "%.*s", (int)(dl - b), dir + b);
    }
    const char *prop = o->property, *unit = o->unit, *kp = NULL, *ku = NULL;
    xp_model_known(name, &kp, &ku);
    if (!prop)
        prop = kp;
    if (!unit)
        unit = ku;
    if (!prop || !unit)
        return xp_error_set(err, XP_EINVAL,
                            "model \"%s\" is not a known CGCNN regression model: give --property "
                            "and --unit",
                            name);
    if (strlen(name) > 48 || strlen(prop) > 48 || strlen(unit) > 16 || !name[0])
        return xp_error_set(err, XP_EINVAL,
                            "name and property must have 1-48 characters, unit at most 16");

    ckpt c = {0};
    json_error_t je;
    int rc;
    snprintf(path, sizeof path, "%.*s/index.json", (int)dl, dir);
    c.index = xp_json_load_file(path, 0, &je);
    if (!c.index)
        return xp_error_set(err, XP_EINVAL, "%s: %s (line %d)", path, je.text, je.line);
    json_t *args = json_object_get(c.index, "args");
    json_t *task = json_object_get(args, "task");
    if (task && json_is_string(task) && strcmp(json_string_value(task), "regression")) {
        json_decref(c.index);
        return xp_error_set(err, XP_EUNSUPPORTED,
                            "%s: a %s model; %s supports regression models only", path,
                            json_string_value(task), XP_CGCNN_ARCH);
    }
    snprintf(path, sizeof path, "%.*s/weights.bin", (int)dl, dir);
    c.bin = (uint8_t *)slurp(path, &c.binlen, err);
    wbuf w = {0};
    double *W = malloc(sizeof(double) * XP_CG_F2 * XP_CG_IN);
    json_t *norm = NULL;
    if (!c.bin || !W) {
        rc = c.bin ? xp_error_set(err, XP_ENOMEM, "out of memory") : XP_EIO;
        goto done;
    }
    snprintf(path, sizeof path, "%.*s/normalizer.json", (int)dl, dir);
    norm = xp_json_load_file(path, 0, &je);
    json_t *jm = json_object_get(norm, "mean"), *js = json_object_get(norm, "std");
    if (!json_is_number(jm) || !json_is_number(js)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: needs numbers mean and std", path);
        goto done;
    }
    w.cap = XP_XPM_HEADER + 4 * 120000;
    if (!(w.p = calloc(1, w.cap))) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(w.p, XP_XPM_MAGIC, 8);
    w.n = 8;
    put32(&w, XP_XPM_VERSION);
    put_text(&w, XP_CGCNN_ARCH, 16);
    put_text(&w, name, 48);
    put_text(&w, prop, 48);
    put_text(&w, unit, 16);
    const uint32_t dims[] = {16, XP_CG_ATOM_FEA, XP_CG_BOND,    XP_CG_F, XP_CG_NCONV, XP_CG_H, 1,
                             1,  XP_CG_NBR,      XP_CG_ELEMENTS};
    for (size_t i = 0; i < 10; i++)
        put32(&w, dims[i]);
    put32(&w, 8 * 65536);
    put32(&w, 13107);
    put32(&w, 9 * 65536);
    if ((rc = putq(&w, json_number_value(jm), "normalizer mean", err)) ||
        (rc = putq(&w, json_number_value(js), "normalizer std", err)))
        goto done;
    size_t count_at = w.n;
    w.n = XP_XPM_HEADER;
    if (o->atom_init)
        snprintf(path, sizeof path, "%s", o->atom_init);
    else
        snprintf(path, sizeof path, "%.*s/../../atom_init.json", (int)dl, dir);
    if ((rc = atom_init_table(path, &w, err)) ||
        (rc = put_linear(&c, "embedding", XP_CG_F, XP_CG_ATOM_FEA, &w, W, err)))
        goto done;
    for (int l = 0; l < XP_CG_NCONV; l++)
        if ((rc = put_conv(&c, l, &w, W, err)))
            goto done;
    if ((rc = put_linear(&c, "conv_to_fc", XP_CG_H, XP_CG_F, &w, W, err)) ||
        (rc = put_linear(&c, "fc_out", 1, XP_CG_H, &w, W, err)))
        goto done;
    size_t end = w.n;
    w.n = count_at;
    put32(&w, (uint32_t)((end - XP_XPM_HEADER) / 4));
    w.n = end;
    /* what was written must read back: the weight limits are checked there */
    xp_model *m = NULL;
    if ((rc = xp_model_parse(w.p, w.n, &m, err)))
        goto done;
    xp_model_free(m);
    *bytes = w.p;
    *len = w.n;
    w.p = NULL;
done:
    free(w.p);
    free(W);
    free(c.bin);
    json_decref(c.index);
    json_decref(norm);
    return rc;
}
