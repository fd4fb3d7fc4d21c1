/* The binding API's models and prediction (include/xtalproof/api.h): `predict` on the CPU. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/featurize.h"
#include "xtalproof/infer.h"
#include "xtalproof/symhash.h"

int xtp_model_open(const char *name, xtp_model **out, xtp_error *err)
{
    *out = NULL;
    if (!name || !*name)
        return xtp_error_msg(err, XTP_EINVAL, "no model name");
    xtp_model *h = calloc(1, sizeof *h);
    if (!h)
        return xtp_error_msg(err, XTP_ENOMEM, "out of memory");
    xp_error e = {0};
    int rc = xp_model_open(name, &h->m, h->path, sizeof h->path, &e);
    if (rc) {
        free(h);
        return xtp_error_from(err, &e, rc);
    }
    *out = h;
    return XTP_OK;
}

void xtp_model_free(xtp_model *m)
{
    if (m) {
        xp_model_free(m->m);
        free(m);
    }
}

void xtp_model_get_info(const xtp_model *h, xtp_model_info *info)
{
    const xp_model *m = h->m;
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", m->name);
    snprintf(info->property, sizeof info->property, "%s", m->property);
    snprintf(info->unit, sizeof info->unit, "%s", m->unit);
    snprintf(info->architecture, sizeof info->architecture, "%s",
             m->arch == 2 ? XP_CGCNN_ARCH_V2 : XP_CGCNN_ARCH);
    xp_hex_encode(m->hash, 32, info->model_hash, 1);
    xp_hex_encode(m->weights_root, 32, info->weights_root, 1);
    snprintf(info->path, sizeof info->path, "%s", h->path);
}

char *xtp_model_dirs(void)
{
    const char *dirs[16];
    int n = xp_model_dirs(dirs, 16);
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(dirs[i]) + 1;
    char *out = malloc(len), *p = out;
    for (int i = 0; out && i < n; i++)
        p += sprintf(p, "%s\n", dirs[i]);
    if (out)
        *p = '\0';
    return out;
}

/* ---- prediction: every structure whole (graph, forward pass, symhash) on one thread ------- */

typedef struct batch {
    const xp_model *m;
    xtp_structure *const *s;
    xtp_prediction *out;
    size_t n;
    int flags;
    atomic_size_t taken;
} batch;

static void predict_one(const batch *b, size_t i)
{
    xtp_prediction *o = &b->out[i];
    const xp_structure *s = xtp_s(b->s[i]);
    xp_graph g;
    xp_infer_out r;
    xp_error e = {0};
    memset(o, 0, sizeof *o);
    o->atoms = s->nsites;
    int rc = xp_featurize(s, &g, &e);
    if (!rc) {
        rc = xp_infer_cpu(b->m, &g, &r, NULL, &e);
        xp_graph_free(&g);
    }
    xp_xtal_id id;
    if (!rc && (b->flags & XTP_PREDICT_SYMHASH) && !(rc = xp_xtal_identify(s, NULL, &id, &e))) {
        xp_hex_encode(id.symhash, 32, o->symhash, 1);
        xp_xtal_id_clear(&id);
    }
    if (rc) {
        o->rc = rc;
        snprintf(o->error, sizeof o->error, "%s", e.msg[0] ? e.msg : xp_strerror(rc));
        return;
    }
    o->value_q = r.value_q;
    o->value = r.value_q / 65536.0;
    o->saturations = r.saturations;
    xp_hex_encode(r.trace_root, 32, o->trace_root, 1);
}

static void *predict_worker(void *arg)
{
    batch *b = arg;
    for (size_t i = atomic_fetch_add(&b->taken, 1); i < b->n; i = atomic_fetch_add(&b->taken, 1))
        predict_one(b, i);
    return NULL;
}

int xtp_predict(const xtp_model *m, xtp_structure *const *s, size_t n, int threads, int flags,
                xtp_prediction *out, xtp_error *err)
{
    if (!m || (n && (!s || !out)))
        return xtp_error_msg(err, XTP_EINVAL, "no model, structures or room for the results");
    if (threads <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (int)(c > 256 ? 256 : c) : 1;
    }
    if (threads > 256)
        threads = 256;
    if ((size_t)threads > n)
        threads = n ? (int)n : 1;
    batch b = {.m = m->m, .s = s, .out = out, .n = n, .flags = flags};
    atomic_init(&b.taken, 0);
    pthread_t *tid = threads > 1 ? malloc((size_t)(threads - 1) * sizeof *tid) : NULL;
    int started = 0;
    for (int t = 0; tid && t < threads - 1; t++)
        started += pthread_create(&tid[started], NULL, predict_worker, &b) == 0;
    predict_worker(&b); /* this thread works too; alone when no thread could be started */
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    free(tid);
    return XTP_OK;
}
