/* The leaves of a cgcnn-q16-v3 trace as a forward pass produces them, hashed in place, four at a
 * time: shared by the CPU pass (infer.c), the CUDA pass's host side (kernels/infer.cu) and the
 * step-by-step reference (steps.c). */
#include <stdlib.h>
#include <string.h>

#include "xtalproof/keccak.h"
#include "xtalproof/steps.h"

int xp_t3_sink_init(xp_t3_sink *s, uint64_t n, xp_error *err)
{
    memset(s, 0, sizeof *s);
    int rc = xp_t3_layout_make(n, &s->t, err);
    if (rc)
        return rc;
    s->lh = malloc((size_t)s->t.size * 32);
    if (!s->lh)
        return xp_error_set(err, XP_ENOMEM, "out of memory for the trace of %llu atoms",
                            (unsigned long long)n);
    return XP_OK;
}

void xp_t3_sink_free(xp_t3_sink *s)
{
    free(s->lh);
    s->lh = NULL;
}

/* The leaves in s->buf[0 .. cnt) (each len bytes) into lh[idx[k]]. */
static void flush(xp_t3_sink *s, size_t cnt, size_t len, const uint64_t idx[4])
{
    const uint8_t *msg[4] = {s->buf[0], s->buf[1], s->buf[2], s->buf[3]};
    uint8_t *out[4];
    for (size_t k = 0; k < cnt; k++)
        out[k] = s->lh[idx[k]];
    xp_keccak256_x4_prefixed(0x00, msg, len, cnt, out);
}

/* count leaves of one length, leaf k's bytes and index from fn, hashed four at a time */
typedef struct put_ctx {
    const xp_t3_layout *t;
    const xp_graph *g;
    int l;
    uint64_t i;
    const void *v;
} put_ctx;
typedef void (*leaf_fn)(const put_ctx *c, uint64_t k, uint8_t *out, uint64_t *index);

static void put_many(xp_t3_sink *s, uint64_t count, size_t len, leaf_fn fn, const put_ctx *c)
{
    uint64_t idx[4];
    size_t cnt = 0;
    for (uint64_t k = 0; k < count; k++) {
        fn(c, k, s->buf[cnt], &idx[cnt]);
        if (++cnt == 4 || k + 1 == count) {
            flush(s, cnt, len, idx);
            cnt = 0;
        }
    }
}

static void nbr_leaf(const put_ctx *c, uint64_t k, uint8_t *out, uint64_t *index)
{
    xp_t3_leaf_nbr(c->g, (uint32_t)k, out);
    *index = xp_t3_nbr(c->t, k);
}

static void x_leaf(const put_ctx *c, uint64_t k, uint8_t *out, uint64_t *index)
{
    xp_t3_leaf_x(c->l, (uint32_t)k, (const int32_t *)c->v + k * XP_CG_F, out);
    *index = xp_t3_x(c->t, c->l, k);
}

/* leaf k: atom k / 2, self (k even) or pair (odd) */
static void p_leaf(const put_ctx *c, uint64_t k, uint8_t *out, uint64_t *index)
{
    int pair = (int)(k & 1);
    xp_t3_leaf_p(pair, c->l, (uint32_t)(k / 2), (const int64_t *)c->v + k * XP_CG_F2, out);
    *index = xp_t3_p(c->t, pair, c->l, k / 2);
}

static void m_leaf(const put_ctx *c, uint64_t k, uint8_t *out, uint64_t *index)
{
    xp_t3_leaf_m(c->l, (uint32_t)c->i, (int)k, (const int64_t *)c->v + k * XP_CG_F, out);
    *index = xp_t3_m(c->t, c->l, c->i, (int)k);
}

void xp_t3_put_nbrs(xp_t3_sink *s, const xp_graph *g)
{
    put_ctx c = {.t = &s->t, .g = g};
    put_many(s, s->t.n, XP_T3_NBR_LEAF, nbr_leaf, &c);
}

void xp_t3_put_xs(xp_t3_sink *s, int l, const int32_t *x)
{
    put_ctx c = {.t = &s->t, .l = l, .v = x};
    put_many(s, s->t.n, XP_T3_X_LEAF, x_leaf, &c);
}

void xp_t3_put_ps(xp_t3_sink *s, int l, const int64_t *ab)
{
    put_ctx c = {.t = &s->t, .l = l, .v = ab};
    put_many(s, 2 * s->t.n, XP_T3_P_LEAF, p_leaf, &c);
}

void xp_t3_put_m(xp_t3_sink *s, int l, uint64_t i, const int64_t (*v)[XP_CG_F])
{
    put_ctx c = {.t = &s->t, .l = l, .i = i, .v = v};
    put_many(s, XP_CG_NBR, XP_T3_M_LEAF, m_leaf, &c);
}

int xp_t3_put_pool(xp_t3_sink *s, const int32_t *xlast, int32_t pooled[XP_CG_F], xp_error *err)
{
    const xp_t3_layout *t = &s->t;
    int64_t(*cur)[XP_CG_F] = malloc((size_t)t->count[1] * sizeof *cur);
    int64_t(*nxt)[XP_CG_F] = malloc((size_t)t->count[1] * sizeof *nxt);
    if (!cur || !nxt) {
        free(cur);
        free(nxt);
        return xp_error_set(err, XP_ENOMEM, "out of memory for the pooling tree");
    }
    uint64_t below = t->n;
    for (int h = 1; h <= t->levels; h++) {
        for (uint64_t u = 0; u < t->count[h]; u++) {
            uint64_t a = u * XP_T3_FANIN, b = a + XP_T3_FANIN < below ? a + XP_T3_FANIN : below;
            if (h == 1)
                xp_step_sum((const int32_t(*)[XP_CG_F])xlast + a, NULL, (size_t)(b - a), nxt[u]);
            else
                xp_step_sum(NULL, (const int64_t(*)[XP_CG_F])cur + a, (size_t)(b - a), nxt[u]);
            xp_merkle_leaf_hash(s->buf[0], xp_t3_leaf_sum(h, (uint32_t)u, nxt[u], s->buf[0]),
                                s->lh[xp_t3_sum(t, h, u)]);
        }
        int64_t(*tmp)[XP_CG_F] = cur;
        cur = nxt;
        nxt = tmp;
        below = t->count[h];
    }
    xp_step_mean(cur[0], t->n, pooled);
    xp_merkle_leaf_hash(s->buf[0], xp_t3_leaf_pool(pooled, s->buf[0]), s->lh[t->pool]);
    free(cur);
    free(nxt);
    return XP_OK;
}

int xp_t3_put_out(xp_t3_sink *s, int32_t out_q, int32_t value_q, uint8_t root[32], xp_error *err)
{
    xp_merkle_leaf_hash(s->buf[0], xp_t3_leaf_out(out_q, value_q, s->buf[0]), s->lh[s->t.out]);
    return xp_merkle_root((const uint8_t(*)[32])s->lh, (size_t)s->t.size, root, err);
}
