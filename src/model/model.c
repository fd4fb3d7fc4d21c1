/* Reading and checking .xpm model files, and the activation tables they imply. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/fixed.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/model.h"
#include "xtalproof/steps.h"

/* Weights must stay below 256 in magnitude so that a Q32 accumulator of 169 products of an
 * int32 activation and a weight cannot overflow int64 (2^31 2^24 2^8 = 2^63). */
#define XP_WEIGHT_LIMIT (1 << 24)

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void xp_model_tables(int32_t *sig_tab, int32_t *spl_tab)
{
    for (int k = 0; k < XP_CG_TAB; k++) {
        sig_tab[k] = xp_sigmoid_exact(XP_SIG_LO + k * (1 << XP_TAB_SHIFT));
        spl_tab[k] = xp_softplus_tail_exact((int64_t)k << XP_TAB_SHIFT);
    }
}

static int text_field(const uint8_t *p, size_t cap, char *out, const char *what, xp_error *err)
{
    size_t n = 0;
    while (n < cap && p[n])
        n++;
    for (size_t i = n; i < cap; i++)
        if (p[i])
            return xp_error_set(err, XP_EINVAL, "model file: the %s field is not NUL-padded", what);
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return xp_error_set(err, XP_EINVAL, "model file: the %s field is not printable ASCII",
                                what);
    memcpy(out, p, n);
    out[n] = 0;
    return 0;
}

/* Reads count int32 into dst, checking the weight limit where asked. */
static int take(const uint8_t **p, int32_t *dst, size_t count, int limit, const char *what,
                xp_error *err)
{
    for (size_t i = 0; i < count; i++) {
        int32_t v = (int32_t)rd32(*p + 4 * i);
        if (limit && (v >= XP_WEIGHT_LIMIT || v <= -XP_WEIGHT_LIMIT))
            return xp_error_set(err, XP_EINVAL,
                                "model file: %s[%zu] is %.3f, outside the range (-256, 256)", what,
                                i, v / 65536.0);
        dst[i] = v;
    }
    *p += 4 * count;
    return 0;
}

static size_t payload_words(void)
{
    return (size_t)XP_CG_ELEMENTS * XP_CG_ATOM_FEA + XP_CG_F * XP_CG_ATOM_FEA + XP_CG_F +
           XP_CG_NCONV * ((size_t)XP_CG_F2 * XP_CG_IN + XP_CG_F2 + 2 * XP_CG_F) +
           XP_CG_H * XP_CG_F + XP_CG_H + XP_CG_H + 1;
}

static const uint32_t DIMS[] = {16, XP_CG_ATOM_FEA, XP_CG_BOND,    XP_CG_F, XP_CG_NCONV, XP_CG_H, 1,
                                1,  XP_CG_NBR,      XP_CG_ELEMENTS};
static const char *const DIM_NAMES[] = {
    "frac_bits", "atom_fea_len_in", "bond_fea_len", "atom_fea_len", "n_conv", "h_fea_len",
    "n_h",       "n_out",           "max_num_nbr",  "elements"};
/* radius 8, Gaussian step 0.2, padding distance 9, in Q16 */
static const int32_t GEOM[] = {8 * 65536, 13107, 9 * 65536};

static void derive(xp_model *m)
{
    xp_model_tables(m->sig_tab, m->spl_tab);
    memset(m->emb_z[0], 0, sizeof m->emb_z[0]);
    for (int z = 1; z <= XP_CG_ELEMENTS; z++)
        for (int c = 0; c < XP_CG_F; c++) {
            int64_t acc = (int64_t)m->emb_b[c] * 65536;
            for (int k = 0; k < XP_CG_ATOM_FEA; k++)
                acc += (int64_t)m->emb_w[c][k] * m->atom_init[z - 1][k];
            m->emb_z[z][c] = xp_q_round32(acc, NULL);
        }
    for (int l = 0; l < XP_CG_NCONV; l++)
        for (int c = 0; c < XP_CG_F2; c++) {
            for (int k = 0; k < XP_CG_F; k++) {
                m->wt_self[l][k][c] = m->conv[l].w[c][k];
                m->wt_nbr[l][k][c] = m->conv[l].w[c][XP_CG_F + k];
            }
            for (int k = 0; k < XP_CG_BOND; k++)
                m->wt_edge[l][k][c] = m->conv[l].w[c][2 * XP_CG_F + k];
        }
}

int xp_model_parse(const uint8_t *data, size_t len, xp_model **out, xp_error *err)
{
    *out = NULL;
    size_t want = XP_XPM_HEADER + 4 * payload_words();
    if (len < XP_XPM_HEADER || memcmp(data, XP_XPM_MAGIC, 8))
        return xp_error_set(err, XP_EINVAL, "not a model file (no XPMODEL header)");
    if (rd32(data + 8) != XP_XPM_VERSION)
        return xp_error_set(err, XP_EUNSUPPORTED, "model file version %u is not supported (1 is)",
                            rd32(data + 8));
    xp_model *m = calloc(1, sizeof *m);
    if (!m)
        return xp_error_set(err, XP_ENOMEM, "out of memory for a model");
    char arch[17];
    int rc;
    if ((rc = text_field(data + 12, 16, arch, "architecture", err)) ||
        (rc = text_field(data + 28, 48, m->name, "name", err)) ||
        (rc = text_field(data + 76, 48, m->property, "property", err)) ||
        (rc = text_field(data + 124, 16, m->unit, "unit", err)))
        goto fail;
    rc = XP_EUNSUPPORTED;
    if (!strcmp(arch, "cgcnn-q16-v1")) {
        xp_error_set(err, rc,
                     "model file is cgcnn-q16-v1, whose neighbour order this version no longer "
                     "computes: convert the model again with `xtalproof model import` (%s)",
                     XP_CGCNN_ARCH);
        goto fail;
    }
    if (!strcmp(arch, XP_CGCNN_ARCH))
        m->arch = 3;
    else if (!strcmp(arch, XP_CGCNN_ARCH_V2))
        m->arch = 2;
    else {
        xp_error_set(err, rc, "model architecture \"%s\" is not supported (%s and %s are)", arch,
                     XP_CGCNN_ARCH, XP_CGCNN_ARCH_V2);
        goto fail;
    }
    for (size_t i = 0; i < sizeof DIMS / sizeof DIMS[0]; i++)
        if (rd32(data + 140 + 4 * i) != DIMS[i]) {
            xp_error_set(err, rc, "model file: %s is %u, %s has %u", DIM_NAMES[i],
                         rd32(data + 140 + 4 * i), XP_CGCNN_ARCH, DIMS[i]);
            goto fail;
        }
    rc = XP_EINVAL;
    for (size_t i = 0; i < 3; i++)
        if ((int32_t)rd32(data + 180 + 4 * i) != GEOM[i]) {
            xp_error_set(err, rc, "model file: the featurization constants are not those of %s",
                         XP_CGCNN_ARCH);
            goto fail;
        }
    m->norm_mean = (int32_t)rd32(data + 192);
    m->norm_std = (int32_t)rd32(data + 196);
    if (rd32(data + 200) != payload_words()) {
        xp_error_set(err, rc, "model file: %u weights announced, %s has %zu", rd32(data + 200),
                     XP_CGCNN_ARCH, payload_words());
        goto fail;
    }
    for (size_t i = 204; i < XP_XPM_HEADER; i++)
        if (data[i]) {
            xp_error_set(err, rc, "model file: reserved header byte %zu is not zero", i);
            goto fail;
        }
    if (len != want) {
        xp_error_set(err, rc, "model file is %zu bytes, a %s file is %zu", len, XP_CGCNN_ARCH,
                     want);
        goto fail;
    }
    const uint8_t *p = data + XP_XPM_HEADER;
    if ((rc = take(&p, &m->atom_init[0][0], (size_t)XP_CG_ELEMENTS * XP_CG_ATOM_FEA, 1, "atom_init",
                   err)) ||
        (rc = take(&p, &m->emb_w[0][0], (size_t)XP_CG_F * XP_CG_ATOM_FEA, 1, "embedding.w", err)) ||
        (rc = take(&p, m->emb_b, XP_CG_F, 0, "embedding.b", err)))
        goto fail;
    for (int l = 0; l < XP_CG_NCONV; l++)
        if ((rc = take(&p, &m->conv[l].w[0][0], (size_t)XP_CG_F2 * XP_CG_IN, 1, "conv.w", err)) ||
            (rc = take(&p, m->conv[l].b, XP_CG_F2, 0, "conv.b", err)) ||
            (rc = take(&p, m->conv[l].bn_scale, XP_CG_F, 1, "conv.bn_scale", err)) ||
            (rc = take(&p, m->conv[l].bn_shift, XP_CG_F, 0, "conv.bn_shift", err)))
            goto fail;
    if ((rc = take(&p, &m->fc_w[0][0], (size_t)XP_CG_H * XP_CG_F, 1, "conv_to_fc.w", err)) ||
        (rc = take(&p, m->fc_b, XP_CG_H, 0, "conv_to_fc.b", err)) ||
        (rc = take(&p, m->out_w, XP_CG_H, 1, "fc_out.w", err)) ||
        (rc = take(&p, &m->out_b, 1, 0, "fc_out.b", err)))
        goto fail;
    xp_keccak256(data, len, m->hash);
    m->file_size = len;
    derive(m);
    xp_weights_tree(m, NULL, m->weights_root);
    *out = m;
    return 0;
fail:
    free(m);
    return rc;
}

int xp_model_load(const char *path, xp_model **out, xp_error *err)
{
    *out = NULL;
    FILE *f = xp_file_fopen_regular(path, err);
    if (!f)
        return xp_error_prefix(err, err ? err->code : XP_EIO, "the model file");
    size_t cap = XP_XPM_HEADER + 4 * payload_words() + 1, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return xp_error_set(err, XP_ENOMEM, "out of memory reading %s", path);
    }
    n = fread(buf, 1, cap, f);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad)
        rc = xp_error_set(err, XP_EIO, "%s: read error", path);
    else if ((rc = xp_model_parse(buf, n, out, err)))
        xp_error_prefix(err, rc, "%s", path);
    free(buf);
    if (!rc) {
        xp_error cerr = {0};
        if (xp_model_card_load(*out, path, &cerr))
            snprintf((*out)->card_problem, sizeof(*out)->card_problem, "%s", cerr.msg);
    }
    return rc;
}

void xp_model_free(xp_model *m)
{
    if (m)
        free(m->card);
    free(m);
}

/* ---- finding model files, and a cache of them ------------------------------------------- */

/* PREFIX/share/xtalproof/models beside the running program (PREFIX/bin/xtalproof): an
 * installed tree moved elsewhere, or staged with DESTDIR, still finds its models */
static char exe_models[4200];
static pthread_once_t exe_models_once = PTHREAD_ONCE_INIT;

static void find_exe_models(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/../share/xtalproof/models", exe);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(exe_models, sizeof exe_models, "%s", path);
}

int xp_model_dirs(const char **dirs, int cap)
{
    int n = 0;
    const char *env = getenv("XTALPROOF_MODELS");
    if (env && *env && n < cap)
        dirs[n++] = env;
    if (n < cap)
        dirs[n++] = "models";
#ifdef XP_MODELS_DIR /* the source tree's (not in a packaged build) */
    if (n < cap)
        dirs[n++] = XP_MODELS_DIR;
#endif
#ifdef XP_MODELS_INSTALL_DIR
    if (n < cap)
        dirs[n++] = XP_MODELS_INSTALL_DIR;
#endif
    pthread_once(&exe_models_once, find_exe_models);
    if (n < cap && exe_models[0])
        dirs[n++] = exe_models;
    return n;
}

/* The name of the model file in the model folders closest to a mistyped name (into out), or
 * 0 when none is close. */
static int closest_model(const char *name, char *out, size_t cap)
{
    enum { MAX = 64 };
    char names[MAX][64];
    const char *list[MAX];
    size_t n = 0;
    const char *dirs[XP_MODEL_DIRS_MAX];
    int nd = xp_model_dirs(dirs, XP_MODEL_DIRS_MAX);
    for (int i = 0; i < nd; i++) {
        DIR *d = opendir(dirs[i]);
        struct dirent *e;
        while (d && (e = readdir(d)) && n < MAX) {
            size_t l = strlen(e->d_name);
            if (l > 4 && l < 64 && !strcmp(e->d_name + l - 4, ".xpm")) {
                snprintf(names[n], sizeof names[n], "%.*s", (int)(l - 4), e->d_name);
                list[n] = names[n];
                n++;
            }
        }
        if (d)
            closedir(d);
    }
    const char *best = xp_closest_word(name, list, n);
    if (best)
        snprintf(out, cap, "%s", best);
    return best != NULL;
}

int xp_model_open(const char *name, xp_model **m, char *path, size_t cap, xp_error *err)
{
    struct stat st;
    size_t len = strlen(name);
    int file = len > 4 && !strcmp(name + len - 4, ".xpm");
    if (strchr(name, '/') || (file && stat(name, &st) == 0)) {
        snprintf(path, cap, "%s", name);
        return xp_model_load(path, m, err);
    }
    /* a name, or a file name without a folder that is not here: the model folders */
    char base[256];
    snprintf(base, sizeof base, "%.*s", (int)(file ? len - 4 : len), name);
    const char *dirs[XP_MODEL_DIRS_MAX];
    int nd = xp_model_dirs(dirs, XP_MODEL_DIRS_MAX);
    for (int i = 0; i < nd; i++) {
        snprintf(path, cap, "%s/%s.xpm", dirs[i], base);
        if (stat(path, &st) == 0)
            return xp_model_load(path, m, err);
    }
    char near[64], where[1024] = "";
    int close = closest_model(base, near, sizeof near);
    for (int i = 0; i < nd; i++) {
        size_t w = strlen(where);
        snprintf(where + w, sizeof where - w, "%s%s", i ? ", " : "", dirs[i]);
    }
    return xp_error_set(err, XP_ENOTFOUND,
                        "no model \"%s\" (looked for %s.xpm in %s)%s%s%s `xtalproof models` "
                        "lists them",
                        name, base, where, close ? "; did you mean --model " : ";",
                        close ? near : "", close ? "?" : "");
}

int xp_model_cache_get(xp_model_cache *c, const char *name, xp_model **m, xp_error *err)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->entry[i].name, name)) {
            *m = c->entry[i].m;
            return XP_OK;
        }
    char path[4096];
    if (strlen(name) >= sizeof c->entry[0].name)
        return xp_error_set(err, XP_EINVAL, "a model name of %zu characters is too long",
                            strlen(name));
    int rc = xp_model_open(name, m, path, sizeof path, err);
    if (rc)
        return rc;
    if (c->n == XP_MODEL_CACHE_SIZE) { /* the oldest goes */
        xp_model_free(c->entry[0].m);
        memmove(&c->entry[0], &c->entry[1], sizeof c->entry[0] * (XP_MODEL_CACHE_SIZE - 1));
        c->n--;
    }
    snprintf(c->entry[c->n].name, sizeof c->entry[0].name, "%s", name);
    c->entry[c->n++].m = *m;
    return XP_OK;
}

void xp_model_cache_clear(xp_model_cache *c)
{
    for (int i = 0; i < c->n; i++)
        xp_model_free(c->entry[i].m);
    c->n = 0;
}
