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

void xp_t3_put_nbrs(xp_t3_sink *s, const xp_graph *g)
{
    uint64_t idx[4];
    size_t cnt = 0;
    for (uint64_t i = 0; i < s->t.n; i++) {
        xp_t3_leaf_nbr(g, (uint32_t)i, s->buf[cnt]);
        idx[cnt++] = xp_t3_nbr(&s->t, i);
        if (cnt == 4 || i + 1 == s->t.n) {
            flush(s, cnt, XP_T3_NBR_LEAF, idx);
            cnt = 0;
        }
    }
}

void xp_t3_put_xs(xp_t3_sink *s, int l, const int32_t *x)
{
    uint64_t idx[4];
    size_t cnt = 0;
    for (uint64_t i = 0; i < s->t.n; i++) {
        xp_t3_leaf_x(l, (uint32_t)i, x + i * XP_CG_F, s->buf[cnt]);
        idx[cnt++] = xp_t3_x(&s->t, l, i);
        if (cnt == 4 || i + 1 == s->t.n) {
            flush(s, cnt, XP_T3_X_LEAF, idx);
            cnt = 0;
        }
    }
}

void xp_t3_put_ps(xp_t3_sink *s, int l, const int64_t *ab)
{
    uint64_t idx[4];
    size_t cnt = 0;
    for (uint64_t i = 0; i < s->t.n; i++)
        for (int pair = 0; pair < 2; pair++) {
            xp_t3_leaf_p(pair, l, (uint32_t)i, ab + (i * 2 + (uint64_t)pair) * XP_CG_F2,
                         s->buf[cnt]);
            idx[cnt++] = xp_t3_p(&s->t, pair, l, i);
            if (cnt == 4 || (i + 1 == s->t.n && pair == 1)) {
                flush(s, cnt, XP_T3_P_LEAF, idx);
                cnt = 0;
            }
        }
}

void xp_t3_put_m(xp_t3_sink *s, int l, uint64_t i, const int64_t (*v)[XP_CG_F])
{
    for (int k0 = 0; k0 < XP_CG_NBR; k0 += 4) {
        uint64_t idx[4];
        for (int k = 0; k < 4; k++) {
            xp_t3_leaf_m(l, (uint32_t)i, k0 + k, v[k0 + k], s->buf[k]);
            idx[k] = xp_t3_m(&s->t, l, i, k0 + k);
        }
        flush(s, 4, XP_T3_M_LEAF, idx);
    }
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
