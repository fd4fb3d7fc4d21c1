/* Step openings of a cgcnn-q16-v3 trace: one step's output leaf and every leaf it reads, each with
 * its Merkle path to its root (trace, structure or weights), and the check a contract makes of
 * them: every leaf at the index its own coordinates give, the step recomputed from the inputs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/infer.h"
#include "xtalproof/prover.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"

static const char *const KIND_NAMES[] = {"nbr",    "embed", "self", "pair", "edge",
                                         "update", "sum",   "mean", "head"};
static const char *const TREE_NAMES[] = {"trace", "structure", "weights"};

const char *xp_step_kind_name(xp_step_kind k)
{
    return k >= 0 && k <= XP_STEP_HEAD ? KIND_NAMES[k] : "?";
}

int xp_step_kind_parse(const char *s, xp_step_kind *k)
{
    for (int i = 0; i <= XP_STEP_HEAD; i++)
        if (!strcmp(s, KIND_NAMES[i])) {
            *k = (xp_step_kind)i;
            return 0;
        }
    return -1;
}

void xp_step_opening_free(xp_step_opening *o)
{
    free(o->output.bytes);
    for (size_t i = 0; i < o->ninputs; i++)
        free(o->inputs[i].bytes);
    memset(o, 0, sizeof *o);
}

/* ---- which step: its coordinates checked against the layout ---------------------------- */

static int step_valid(const xp_t3_layout *t, const xp_step_id *s, xp_error *err)
{
    int atom_step = s->kind <= XP_STEP_UPDATE;
    if (atom_step && s->atom >= t->n)
        return xp_error_set(err, XP_EINVAL, "atom %u is out of range: the structure has %llu",
                            s->atom, (unsigned long long)t->n);
    int layered = s->kind == XP_STEP_SELF || s->kind == XP_STEP_PAIR || s->kind == XP_STEP_EDGE ||
                  s->kind == XP_STEP_UPDATE;
    if (layered && (s->layer < 0 || s->layer >= XP_CG_NCONV))
        return xp_error_set(err, XP_EINVAL, "the %s step's layer must be 0 to %d",
                            xp_step_kind_name(s->kind), XP_CG_NCONV - 1);
    if (s->kind == XP_STEP_EDGE && (s->k < 0 || s->k >= XP_CG_NBR))
        return xp_error_set(err, XP_EINVAL, "the edge's neighbour must be 0 to 11");
    if (s->kind == XP_STEP_SUM &&
        (s->layer < 1 || s->layer > t->levels || s->atom >= t->count[s->layer]))
        return xp_error_set(err, XP_EINVAL,
                            "the pooling tree of %llu atoms has levels 1 to %d; node %u of level "
                            "%d does not exist",
                            (unsigned long long)t->n, t->levels, s->atom, s->layer);
    return XP_OK;
}

/* ---- leaf indices from a leaf's own bytes ------------------------------------------------ */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The index a leaf belongs at, from its tag and coordinates; -1 when the bytes are no leaf of
 * that tree (wrong length, unknown tag, coordinates out of range). */
static int64_t leaf_index(int tree, const xp_t3_layout *t, const uint8_t *b, size_t len)
{
    if (len == 0)
        return -1;
    if (tree == XP_TREE_STRUCTURE) {
        if (b[0] == XP_QC_CELL_TAG && len == XP_QC_CELL_LEAF && rd32(b + 1) == t->n)
            return 0;
        if (b[0] == XP_QC_ATOM_TAG && len == XP_QC_ATOM_LEAF && rd32(b + 1) < t->n)
            return 1 + (int64_t)rd32(b + 1);
        return -1;
    }
    if (tree == XP_TREE_WEIGHTS) {
        if (b[0] == XP_WL_EMB_TAG && len == XP_WL_EMB_LEAF && b[1] >= 1 && b[1] <= XP_CG_ELEMENTS)
            return xp_wl_emb_index(b[1]);
        if (b[0] == XP_WL_HEAD_TAG && len == XP_WL_HEAD_LEAF)
            return XP_WL_HEAD_INDEX;
        if (len < 2 || b[1] >= XP_CG_NCONV)
            return -1;
        if ((b[0] == XP_WL_SELF_TAG || b[0] == XP_WL_PAIR_TAG) && len == XP_WL_PROJ_LEAF)
            return xp_wl_layer_index(b[1], b[0] == XP_WL_SELF_TAG ? XP_WK_SELF : XP_WK_PAIR);
        if (b[0] == XP_WL_EDGE_TAG && len == XP_WL_EDGE_LEAF)
            return xp_wl_layer_index(b[1], XP_WK_EDGE);
        if (b[0] == XP_WL_NORM_TAG && len == XP_WL_NORM_LEAF)
            return xp_wl_layer_index(b[1], XP_WK_NORM);
        return -1;
    }
    switch (b[0]) {
    case XP_T3_NBR_TAG:
        return len == XP_T3_NBR_LEAF && rd32(b + 1) < t->n ? (int64_t)rd32(b + 1) : -1;
    case XP_T3_X_TAG:
        return len == XP_T3_X_LEAF && b[1] <= XP_CG_NCONV && rd32(b + 2) < t->n
                   ? (int64_t)xp_t3_x(t, b[1], rd32(b + 2))
                   : -1;
    case XP_T3_PS_TAG:
    case XP_T3_PN_TAG:
        return len == XP_T3_P_LEAF && b[1] < XP_CG_NCONV && rd32(b + 2) < t->n
                   ? (int64_t)xp_t3_p(t, b[0] == XP_T3_PN_TAG, b[1], rd32(b + 2))
                   : -1;
    case XP_T3_M_TAG:
        return len == XP_T3_M_LEAF && b[1] < XP_CG_NCONV && rd32(b + 2) < t->n &&
                       b[6] < XP_CG_NBR
                   ? (int64_t)xp_t3_m(t, b[1], rd32(b + 2), b[6])
                   : -1;
    case XP_T3_SUM_TAG:
        return len == XP_T3_SUM_LEAF && b[1] >= 1 && b[1] <= t->levels &&
                       rd32(b + 2) < t->count[b[1]]
                   ? (int64_t)xp_t3_sum(t, b[1], rd32(b + 2))
                   : -1;
    case XP_T3_POOL_TAG:
        return len == XP_T3_POOL_LEAF ? (int64_t)t->pool : -1;
    case XP_T3_OUT_TAG:
        return len == XP_T3_OUT_LEAF ? (int64_t)t->out : -1;
    default:
        return -1;
    }
}

/* ---- making an opening ------------------------------------------------------------------- */

typedef struct trees {
    xp_qcrystal q;
    xp_graph g;
    xp_t3_sink sk;
    int32_t *x; /* 5 n 64 */
    uint8_t (*slh)[32];
    uint8_t wlh[XP_WL_COUNT][32];
    xp_merkle_tree tt, st, wt;
    const xp_model *m;
} trees;

static int add_leaf(xp_opened_leaf *dst, int tree, uint64_t index, const uint8_t *bytes,
                    size_t len, const trees *T, xp_error *err)
{
    dst->tree = tree;
    dst->index = index;
    dst->len = len;
    if (!(dst->bytes = malloc(len)))
        return xp_error_set(err, XP_ENOMEM, "out of memory for an opening");
    memcpy(dst->bytes, bytes, len);
    const xp_merkle_tree *mt = tree == XP_TREE_TRACE ? &T->tt : tree == XP_TREE_STRUCTURE ? &T->st
                                                                                         : &T->wt;
    return xp_merkle_tree_path(mt, index, &dst->path, err);
}

static int add_input(xp_step_opening *o, int tree, uint64_t index, const uint8_t *bytes,
                     size_t len, const trees *T, xp_error *err)
{
    if (o->ninputs >= XP_STEP_MAX_INPUTS)
        return xp_error_set(err, XP_EINVAL, "too many inputs for one step");
    return add_leaf(&o->inputs[o->ninputs++], tree, index, bytes, len, T, err);
}

static int open_structure(xp_step_opening *o, size_t atom_leaf_or_cell, const trees *T,
                          xp_error *err)
{
    uint8_t b[XP_QC_CELL_LEAF];
    if (atom_leaf_or_cell == 0)
        xp_qcrystal_cell_leaf(&T->q, b);
    else
        xp_qcrystal_atom_leaf(&T->q, atom_leaf_or_cell - 1, b);
    return add_input(o, XP_TREE_STRUCTURE, atom_leaf_or_cell, b,
                     atom_leaf_or_cell ? XP_QC_ATOM_LEAF : XP_QC_CELL_LEAF, T, err);
}

static int open_weights(xp_step_opening *o, unsigned index, uint8_t *buf, const trees *T,
                        xp_error *err)
{
    size_t len = xp_weights_leaf(T->m, index, buf);
    return add_input(o, XP_TREE_WEIGHTS, index, buf, len, T, err);
}

static const int32_t *xrow(const trees *T, int l, size_t i)
{
    return T->x + ((size_t)l * T->g.n + i) * XP_CG_F;
}

static void proj_of(const trees *T, int pair, int l, size_t i, int64_t out[XP_CG_F2])
{
    xp_step_proj(&T->m->conv[l].w[0][pair ? XP_CG_F : 0], XP_CG_IN, xrow(T, l, i), out);
}

static void msg_of(const trees *T, int l, size_t i, int k, int64_t out[XP_CG_F])
{
    size_t e = i * XP_CG_NBR + (size_t)k;
    int64_t ps[XP_CG_F2], pn[XP_CG_F2];
    proj_of(T, 0, l, i, ps);
    proj_of(T, 1, l, (size_t)T->g.nbr[e], pn);
    const xp_cg_conv *cv = &T->m->conv[l];
    xp_step_edge(cv->b, &cv->w[0][2 * XP_CG_F], XP_CG_IN, ps, pn, T->g.dist[e], T->m->sig_tab,
                 T->m->spl_tab, out, NULL);
}

/* The vectors of the pooling tree's nodes of level h (1..H) under node u: computed from X[4]. */
static void sum_of(const trees *T, int h, uint64_t u, int64_t out[XP_CG_F])
{
    uint64_t span = 1;
    for (int k = 0; k < h; k++)
        span *= XP_T3_FANIN;
    uint64_t a = u * span, b = a + span < T->g.n ? a + span : T->g.n;
    xp_step_sum((const int32_t(*)[XP_CG_F])xrow(T, XP_CG_NCONV, a), NULL, (size_t)(b - a), out);
}

static int fill_opening(const trees *T, const xp_step_id *s, xp_step_opening *o, xp_error *err)
{
    const xp_t3_layout *t = &T->sk.t;
    uint8_t *buf = malloc(XP_WL_MAX_LEAF), *ob = malloc(XP_T3_MAX_LEAF);
    if (!buf || !ob) {
        free(buf);
        free(ob);
        return xp_error_set(err, XP_ENOMEM, "out of memory for an opening");
    }
    uint64_t out_index = 0;
    size_t out_len = 0;
    uint32_t i = s->atom;
    int l = s->layer, rc = open_structure(o, 0, T, err); /* the cell: n, for every index */
    switch (s->kind) {
    case XP_STEP_NBR:
        out_len = xp_t3_leaf_nbr(&T->g, i, ob);
        out_index = xp_t3_nbr(t, i);
        if (!rc)
            rc = open_structure(o, 1 + (size_t)i, T, err);
        for (int k = 0; !rc && k < T->g.count[i]; k++) {
            int32_t j = T->g.nbr[(size_t)i * XP_CG_NBR + (size_t)k], seen = 0;
            for (int q = 0; q < k; q++)
                seen |= T->g.nbr[(size_t)i * XP_CG_NBR + (size_t)q] == j;
            if (!seen && (uint32_t)j != i)
                rc = open_structure(o, 1 + (size_t)j, T, err);
        }
        break;
    case XP_STEP_EMBED:
        out_len = xp_t3_leaf_x(0, i, xrow(T, 0, i), ob);
        out_index = xp_t3_x(t, 0, i);
        if (!rc)
            rc = open_structure(o, 1 + (size_t)i, T, err);
        if (!rc)
            rc = open_weights(o, xp_wl_emb_index(T->g.z[i]), buf, T, err);
        break;
    case XP_STEP_SELF:
    case XP_STEP_PAIR: {
        int pair = s->kind == XP_STEP_PAIR;
        int64_t v[XP_CG_F2];
        proj_of(T, pair, l, i, v);
        out_len = xp_t3_leaf_p(pair, l, i, v, ob);
        out_index = xp_t3_p(t, pair, l, i);
        if (!rc)
            rc = add_input(o, XP_TREE_TRACE, xp_t3_x(t, l, i), buf,
                           xp_t3_leaf_x(l, i, xrow(T, l, i), buf), T, err);
        if (!rc)
            rc = open_weights(o, xp_wl_layer_index(l, pair ? XP_WK_PAIR : XP_WK_SELF), buf, T,
                              err);
        break;
    }
    case XP_STEP_EDGE: {
        int64_t v[XP_CG_F2];
        size_t j = (size_t)T->g.nbr[(size_t)i * XP_CG_NBR + (size_t)s->k];
        msg_of(T, l, i, s->k, v);
        out_len = xp_t3_leaf_m(l, i, s->k, v, ob);
        out_index = xp_t3_m(t, l, i, s->k);
        if (!rc)
            rc = add_input(o, XP_TREE_TRACE, xp_t3_nbr(t, i), buf, xp_t3_leaf_nbr(&T->g, i, buf),
                           T, err);
        proj_of(T, 0, l, i, v);
        if (!rc)
            rc = add_input(o, XP_TREE_TRACE, xp_t3_p(t, 0, l, i), buf,
                           xp_t3_leaf_p(0, l, i, v, buf), T, err);
        proj_of(T, 1, l, j, v);
        if (!rc)
            rc = add_input(o, XP_TREE_TRACE, xp_t3_p(t, 1, l, j), buf,
                           xp_t3_leaf_p(1, l, (uint32_t)j, v, buf), T, err);
        if (!rc)
            rc = open_weights(o, xp_wl_layer_index(l, XP_WK_EDGE), buf, T, err);
        break;
    }
    case XP_STEP_UPDATE: {
        out_len = xp_t3_leaf_x(l + 1, i, xrow(T, l + 1, i), ob);
        out_index = xp_t3_x(t, l + 1, i);
        if (!rc)
            rc = add_input(o, XP_TREE_TRACE, xp_t3_x(t, l, i), buf,
                           xp_t3_leaf_x(l, i, xrow(T, l, i), buf), T, err);
        for (int k = 0; !rc && k < XP_CG_NBR; k++) {
            int64_t v[XP_CG_F];
            msg_of(T, l, i, k, v);
            rc = add_input(o, XP_TREE_TRACE, xp_t3_m(t, l, i, k), buf,
                           xp_t3_leaf_m(l, i, k, v, buf), T, err);
        }
        if (!rc)
            rc = open_weights(o, xp_wl_layer_index(l, XP_WK_NORM), buf, T, err);
        break;
    }
    case XP_STEP_SUM: {
        int64_t v[XP_CG_F];
        sum_of(T, l, i, v);
        out_len = xp_t3_leaf_sum(l, i, v, ob);
        out_index = xp_t3_sum(t, l, i);
        uint64_t below = l == 1 ? t->n : t->count[l - 1];
        for (uint64_t u = (uint64_t)i * XP_T3_FANIN; !rc && u < below && u < (i + 1ull) * XP_T3_FANIN;
             u++) {
            if (l == 1) {
                rc = add_input(o, XP_TREE_TRACE, xp_t3_x(t, XP_CG_NCONV, u), buf,
                               xp_t3_leaf_x(XP_CG_NCONV, (uint32_t)u, xrow(T, XP_CG_NCONV, u), buf),
                               T, err);
            } else {
                sum_of(T, l - 1, u, v);
                rc = add_input(o, XP_TREE_TRACE, xp_t3_sum(t, l - 1, u), buf,
                               xp_t3_leaf_sum(l - 1, (uint32_t)u, v, buf), T, err);
            }
        }
        break;
    }
    case XP_STEP_MEAN: {
        int64_t v[XP_CG_F];
        int32_t p[XP_CG_F];
        sum_of(T, t->levels, 0, v);
        xp_step_mean(v, t->n, p);
        out_len = xp_t3_leaf_pool(p, ob);
        out_index = t->pool;
        if (!rc)
            rc = add_input(o, XP_TREE_TRACE, xp_t3_sum(t, t->levels, 0), buf,
                           xp_t3_leaf_sum(t->levels, 0, v, buf), T, err);
        break;
    }
    case XP_STEP_HEAD: {
        int64_t v[XP_CG_F];
        int32_t p[XP_CG_F], out_q, value_q;
        sum_of(T, t->levels, 0, v);
        xp_step_mean(v, t->n, p);
        xp_step_head(T->m, p, &out_q, &value_q, NULL, NULL);
        out_len = xp_t3_leaf_out(out_q, value_q, ob);
        out_index = t->out;
        if (!rc)
            rc = add_input(o, XP_TREE_TRACE, t->pool, buf, xp_t3_leaf_pool(p, buf), T, err);
        if (!rc)
            rc = open_weights(o, XP_WL_HEAD_INDEX, buf, T, err);
        break;
    }
    }
    if (!rc)
        rc = add_leaf(&o->output, XP_TREE_TRACE, out_index, ob, out_len, T, err);
    free(buf);
    free(ob);
    return rc;
}

int xp_step_open(const xp_model *m, const char *name, const char *data, size_t len,
                 const xp_step_id *id, xp_step_opening *o, xp_error *err)
{
    memset(o, 0, sizeof *o);
    if (m->arch != 3)
        return xp_error_set(err, XP_EUNSUPPORTED, "steps are openable in a %s trace only",
                            XP_CGCNN_ARCH);
    xp_structure_list l;
    int rc = xp_read_structures_mem(name, data, len, NULL, &l, err);
    if (rc)
        return rc;
    trees T;
    memset(&T, 0, sizeof T);
    T.m = m;
    xp_infer_out out;
    if (l.n != 1) {
        rc = xp_error_set(err, XP_EINVAL, "%s holds %zu structures; a prediction takes one", name,
                          l.n);
        goto done;
    }
    if ((rc = xp_qcrystal_make(l.items[0], &T.q, err)) || (rc = xp_featurize_q(&T.q, &T.g, err)))
        goto done;
    if (T.g.n > XP_PRED_MAX_ATOMS) {
        rc = xp_error_set(err, XP_EINVAL, "%s has %zu atoms, more than %d", name, T.g.n,
                          XP_PRED_MAX_ATOMS);
        goto done;
    }
    if (!(T.x = malloc((size_t)XP_TRACE_LAYERS * T.g.n * XP_CG_F * sizeof *T.x))) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the trace of %s", name);
        goto done;
    }
    if ((rc = xp_infer_cpu_keep(m, &T.g, &out, T.x, &T.sk, err)))
        goto done;
    if ((rc = step_valid(&T.sk.t, id, err)) ||
        (rc = xp_qcrystal_leaf_hashes(&T.q, &T.slh, o->structure_root, err)))
        goto done;
    xp_weights_tree(m, T.wlh, o->weights_root);
    memcpy(o->trace_root, out.trace_root, 32);
    o->atoms = (uint32_t)T.g.n;
    o->step = *id;
    if ((rc = xp_merkle_tree_build((const uint8_t(*)[32])T.sk.lh, T.sk.t.size, &T.tt, err)) ||
        (rc = xp_merkle_tree_build((const uint8_t(*)[32])T.slh, T.q.n + 1, &T.st, err)) ||
        (rc = xp_merkle_tree_build((const uint8_t(*)[32])T.wlh, XP_WL_COUNT, &T.wt, err)))
        goto done;
    rc = fill_opening(&T, id, o, err);
done:
    if (rc)
        xp_step_opening_free(o);
    xp_merkle_tree_free(&T.tt);
    xp_merkle_tree_free(&T.st);
    xp_merkle_tree_free(&T.wt);
    if (T.sk.lh)
        xp_t3_sink_free(&T.sk);
    free(T.slh);
    free(T.x);
    xp_graph_free(&T.g);
    xp_qcrystal_free(&T.q);
    xp_structure_list_free(&l);
    return rc;
}

/* ---- checking an opening ------------------------------------------------------------------ */

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static int32_t sig_tab[XP_CG_TAB], spl_tab[XP_CG_TAB];

static void make_tables(void)
{
    xp_model_tables(sig_tab, spl_tab);
}

/* The input leaves of one tree and tag, in order. */
static const xp_opened_leaf *input(const xp_step_opening *o, int tree, int tag, size_t nth)
{
    for (size_t k = 0; k < o->ninputs; k++)
        if (o->inputs[k].tree == tree && o->inputs[k].bytes[0] == tag && nth-- == 0)
            return &o->inputs[k];
    return NULL;
}

static size_t count_inputs(const xp_step_opening *o, int tree, int tag)
{
    size_t c = 0;
    for (size_t k = 0; k < o->ninputs; k++)
        c += o->inputs[k].tree == tree && o->inputs[k].bytes[0] == tag;
    return c;
}

/* Each step's recomputation: the output leaf it must be into want (*want_len its length), or
 * XP_EINVAL when the inputs are not the ones the step reads. NEED jumps to the function's
 * cleanup with that error. */
#define NEED(cond, ...)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            rc = xp_error_set(err, XP_EINVAL, __VA_ARGS__);                                        \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

/* nbr: *nbr_ok gets the check's verdict (why its reason) instead of an output to compare. */
static int re_nbr(const xp_step_opening *o, const xp_t3_layout *t, int *nbr_ok, char *why,
                  size_t cap, xp_error *err)
{
    uint32_t i = o->step.atom;
    int rc = 0;
    xp_qcrystal q = {0};
    q.n = t->n;
    q.pos = calloc(t->n, sizeof *q.pos);
    q.z = calloc(t->n, 1);
    NEED(q.pos && q.z, "out of memory for the crystal");
    const xp_opened_leaf *cell = input(o, XP_TREE_STRUCTURE, XP_QC_CELL_TAG, 0);
    for (int k = 0; k < 9; k++)
        xp_be64_read(cell->bytes + 5 + 8 * k, &q.lat[k / 3][k % 3], 1);
    uint32_t ids[XP_CG_NBR + 1];
    size_t nopen = count_inputs(o, XP_TREE_STRUCTURE, XP_QC_ATOM_TAG);
    NEED(nopen <= XP_CG_NBR + 1 && nopen + 1 == o->ninputs,
         "the neighbour list reads the cell and at most 13 atoms");
    for (size_t k = 0; k < nopen; k++) {
        const xp_opened_leaf *a = input(o, XP_TREE_STRUCTURE, XP_QC_ATOM_TAG, k);
        ids[k] = rd32(a->bytes + 1);
        q.z[ids[k]] = a->bytes[5];
        xp_be64_read(a->bytes + 6, q.pos[ids[k]], 3);
    }
    /* every atom the list names, and atom i, must be opened */
    const xp_opened_leaf *b = &o->output;
    NEED(b->len == XP_T3_NBR_LEAF && rd32(b->bytes + 1) == i,
         "the output is not the neighbour list of atom %u", i);
    unsigned cnt = b->bytes[5] > XP_CG_NBR ? XP_CG_NBR : b->bytes[5];
    for (unsigned k = 0; k <= cnt; k++) {
        uint32_t j = k == cnt ? i : rd32(b->bytes + 6 + 20 * k);
        int found = 0;
        for (size_t u = 0; u < nopen; u++)
            found |= ids[u] == j;
        NEED(found || j >= t->n, "atom %u, which the list names, is not opened", j);
    }
    *nbr_ok = xp_step_nbr_check(&q, i, o->output.bytes, 0, 0, NULL, why, cap);
done:
    free(q.pos);
    free(q.z);
    return rc;
}

static int re_embed(const xp_step_opening *o, uint8_t *want, size_t *want_len, xp_error *err)
{
    uint32_t i = o->step.atom;
    int rc = 0;
    int32_t x[XP_CG_F];
    const xp_opened_leaf *a = input(o, XP_TREE_STRUCTURE, XP_QC_ATOM_TAG, 0);
    const xp_opened_leaf *b = input(o, XP_TREE_WEIGHTS, XP_WL_EMB_TAG, 0);
    NEED(a && b && rd32(a->bytes + 1) == i && b->bytes[1] == a->bytes[5],
         "the embedding step reads atom %u and its element's embedding", i);
    xp_be32_read(b->bytes + 2, x, XP_CG_F);
    *want_len = xp_t3_leaf_x(0, i, x, want);
done:
    return rc;
}

/* self and pair */
static int re_projection(const xp_step_opening *o, uint8_t *want, size_t *want_len, xp_error *err)
{
    uint32_t i = o->step.atom;
    int l = o->step.layer, rc = 0, pair = o->step.kind == XP_STEP_PAIR;
    int32_t x[XP_CG_F], *W = NULL;
    int64_t v[XP_CG_F2];
    const xp_opened_leaf *a = input(o, XP_TREE_TRACE, XP_T3_X_TAG, 0);
    const xp_opened_leaf *b = input(o, XP_TREE_WEIGHTS, pair ? XP_WL_PAIR_TAG : XP_WL_SELF_TAG, 0);
    NEED(a && b && a->bytes[1] == l && rd32(a->bytes + 2) == i && b->bytes[1] == l,
         "the projection reads X[%d][%u] and layer %d's weights", l, i, l);
    NEED((W = malloc(XP_CG_F2 * XP_CG_F * sizeof *W)), "out of memory");
    xp_be32_read(b->bytes + 2, W, XP_CG_F2 * XP_CG_F);
    xp_be32_read(a->bytes + 6, x, XP_CG_F);
    xp_step_proj(W, XP_CG_F, x, v);
    *want_len = xp_t3_leaf_p(pair, l, i, v, want);
done:
    free(W);
    return rc;
}

static int re_edge(const xp_step_opening *o, uint8_t *want, size_t *want_len, xp_error *err)
{
    const xp_step_id *s = &o->step;
    uint32_t i = s->atom;
    int l = s->layer, rc = 0;
    int32_t *W = NULL;
    const xp_opened_leaf *a = input(o, XP_TREE_TRACE, XP_T3_NBR_TAG, 0);
    const xp_opened_leaf *b = input(o, XP_TREE_TRACE, XP_T3_PS_TAG, 0);
    const xp_opened_leaf *c = input(o, XP_TREE_TRACE, XP_T3_PN_TAG, 0);
    const xp_opened_leaf *w = input(o, XP_TREE_WEIGHTS, XP_WL_EDGE_TAG, 0);
    NEED(a && b && c && w && rd32(a->bytes + 1) == i,
         "the edge reads NBR[%u], PS, PN and the edge weights", i);
    const uint8_t *e = a->bytes + 6 + 20 * s->k;
    uint32_t j = rd32(e);
    NEED(b->bytes[1] == l && rd32(b->bytes + 2) == i && c->bytes[1] == l &&
             rd32(c->bytes + 2) == j && w->bytes[1] == l,
         "the edge (%d, %u, %d) reads PS[%d][%u] and PN[%d][%u]", l, i, s->k, l, i, l, j);
    int32_t bias[XP_CG_F2];
    int64_t ps[XP_CG_F2], pn[XP_CG_F2], msg[XP_CG_F];
    NEED((W = malloc(XP_CG_F2 * XP_CG_BOND * sizeof *W)), "out of memory");
    xp_be32_read(w->bytes + 2, bias, XP_CG_F2);
    xp_be32_read(w->bytes + 2 + 4 * XP_CG_F2, W, XP_CG_F2 * XP_CG_BOND);
    xp_be64_read(b->bytes + 6, ps, XP_CG_F2);
    xp_be64_read(c->bytes + 6, pn, XP_CG_F2);
    xp_step_edge(bias, W, XP_CG_BOND, ps, pn, (int32_t)rd32(e + 16), sig_tab, spl_tab, msg, NULL);
    *want_len = xp_t3_leaf_m(l, i, s->k, msg, want);
done:
    free(W);
    return rc;
}

static int re_update(const xp_step_opening *o, uint8_t *want, size_t *want_len, xp_error *err)
{
    uint32_t i = o->step.atom;
    int l = o->step.layer, rc = 0;
    const xp_opened_leaf *a = input(o, XP_TREE_TRACE, XP_T3_X_TAG, 0);
    const xp_opened_leaf *b = input(o, XP_TREE_WEIGHTS, XP_WL_NORM_TAG, 0);
    NEED(a && b && a->bytes[1] == l && rd32(a->bytes + 2) == i && b->bytes[1] == l,
         "the update reads X[%d][%u] and layer %d's norm", l, i, l);
    int64_t msg[XP_CG_NBR][XP_CG_F];
    for (int k = 0; k < XP_CG_NBR; k++) {
        const xp_opened_leaf *c = input(o, XP_TREE_TRACE, XP_T3_M_TAG, (size_t)k);
        NEED(c && c->bytes[1] == l && rd32(c->bytes + 2) == i && c->bytes[6] == k,
             "the update reads the 12 messages M[%d][%u][0..11] in order", l, i);
        xp_be64_read(c->bytes + 7, msg[k], XP_CG_F);
    }
    int32_t scale[XP_CG_F], shift[XP_CG_F], x[XP_CG_F], y[XP_CG_F];
    xp_be32_read(b->bytes + 2, scale, XP_CG_F);
    xp_be32_read(b->bytes + 2 + 4 * XP_CG_F, shift, XP_CG_F);
    xp_be32_read(a->bytes + 6, x, XP_CG_F);
    xp_step_update(scale, shift, x, (const int64_t(*)[XP_CG_F])msg, spl_tab, y, NULL);
    *want_len = xp_t3_leaf_x(l + 1, i, y, want);
done:
    return rc;
}

static int re_sum(const xp_step_opening *o, const xp_t3_layout *t, uint8_t *want,
                  size_t *want_len, xp_error *err)
{
    uint32_t i = o->step.atom;
    int l = o->step.layer, rc = 0;
    uint64_t below = l == 1 ? t->n : t->count[l - 1], u0 = (uint64_t)i * XP_T3_FANIN;
    size_t nchild = (size_t)((below - u0) < XP_T3_FANIN ? below - u0 : XP_T3_FANIN);
    int tag = l == 1 ? XP_T3_X_TAG : XP_T3_SUM_TAG;
    NEED(o->ninputs == nchild + 1, "the pooling node (%d, %u) reads the cell and %zu children", l,
         i, nchild);
    int64_t sum[XP_CG_F] = {0};
    for (size_t u = 0; u < nchild; u++) {
        const xp_opened_leaf *c = input(o, XP_TREE_TRACE, tag, u);
        NEED(c, "the pooling node (%d, %u) reads its %zu children", l, i, nchild);
        uint32_t id = rd32(c->bytes + 2);
        NEED(id == u0 + u && c->bytes[1] == (l == 1 ? XP_CG_NCONV : l - 1),
             "the pooling node (%d, %u) reads its children in order", l, i);
        int64_t cv[XP_CG_F];
        if (l == 1) {
            int32_t x[XP_CG_F];
            xp_be32_read(c->bytes + 6, x, XP_CG_F);
            for (int k = 0; k < XP_CG_F; k++)
                cv[k] = x[k];
        } else {
            xp_be64_read(c->bytes + 6, cv, XP_CG_F);
        }
        for (int k = 0; k < XP_CG_F; k++)
            sum[k] += cv[k];
    }
    *want_len = xp_t3_leaf_sum(l, i, sum, want);
done:
    return rc;
}

static int re_mean(const xp_step_opening *o, const xp_t3_layout *t, uint8_t *want,
                   size_t *want_len, xp_error *err)
{
    int rc = 0;
    const xp_opened_leaf *a = input(o, XP_TREE_TRACE, XP_T3_SUM_TAG, 0);
    NEED(a && a->bytes[1] == t->levels && rd32(a->bytes + 2) == 0,
         "the mean reads the top of the pooling tree");
    int64_t sum[XP_CG_F];
    int32_t x[XP_CG_F];
    xp_be64_read(a->bytes + 6, sum, XP_CG_F);
    xp_step_mean(sum, t->n, x);
    *want_len = xp_t3_leaf_pool(x, want);
done:
    return rc;
}

static int re_head(const xp_step_opening *o, uint8_t *want, size_t *want_len, xp_error *err)
{
    int rc = 0;
    xp_head_params *hp = NULL;
    const xp_opened_leaf *a = input(o, XP_TREE_TRACE, XP_T3_POOL_TAG, 0);
    const xp_opened_leaf *b = input(o, XP_TREE_WEIGHTS, XP_WL_HEAD_TAG, 0);
    NEED(a && b, "the head reads POOL and the head's weights");
    NEED((hp = malloc(sizeof *hp)), "out of memory");
    const uint8_t *p = b->bytes + 1;
    xp_be32_read(p, &hp->fc_w[0][0], XP_CG_H * XP_CG_F);
    p += 4 * XP_CG_H * XP_CG_F;
    xp_be32_read(p, hp->fc_b, XP_CG_H);
    xp_be32_read(p + 4 * XP_CG_H, hp->out_w, XP_CG_H);
    p += 8 * XP_CG_H;
    xp_be32_read(p, &hp->out_b, 1);
    xp_be32_read(p + 4, &hp->norm_mean, 1);
    xp_be32_read(p + 8, &hp->norm_std, 1);
    int32_t x[XP_CG_F], out_q, value_q;
    xp_be32_read(a->bytes + 1, x, XP_CG_F);
    xp_step_head_raw(hp, spl_tab, x, &out_q, &value_q, NULL, NULL);
    *want_len = xp_t3_leaf_out(out_q, value_q, want);
done:
    free(hp);
    return rc;
}

#undef NEED

/* Recomputes the step into want (the output leaf it must be); XP_EINVAL when the inputs are not
 * the ones the step reads. For nbr, *nbr_ok gets the check's verdict instead. */
static int recompute(const xp_step_opening *o, const xp_t3_layout *t, uint8_t *want,
                     size_t *want_len, int *nbr_ok, char *why, size_t cap, xp_error *err)
{
    pthread_once(&tables_once, make_tables);
    const xp_step_id *s = &o->step;
    static const size_t fixed_inputs[] = {0, 3, 3, 3, 5, 15, 0, 2, 3};
    if (fixed_inputs[s->kind] && o->ninputs != fixed_inputs[s->kind])
        return xp_error_set(err, XP_EINVAL, "the %s step reads %zu leaves, not %zu",
                            xp_step_kind_name(s->kind), fixed_inputs[s->kind], o->ninputs);
    switch (s->kind) {
    case XP_STEP_NBR:
        return re_nbr(o, t, nbr_ok, why, cap, err);
    case XP_STEP_EMBED:
        return re_embed(o, want, want_len, err);
    case XP_STEP_SELF:
    case XP_STEP_PAIR:
        return re_projection(o, want, want_len, err);
    case XP_STEP_EDGE:
        return re_edge(o, want, want_len, err);
    case XP_STEP_UPDATE:
        return re_update(o, want, want_len, err);
    case XP_STEP_SUM:
        return re_sum(o, t, want, want_len, err);
    case XP_STEP_MEAN:
        return re_mean(o, t, want, want_len, err);
    case XP_STEP_HEAD:
        return re_head(o, want, want_len, err);
    }
    return xp_error_set(err, XP_EINVAL, "unknown step kind %d", (int)s->kind);
}

int xp_step_opening_check(const xp_step_opening *o, const uint8_t trace_root[32],
                          const uint8_t structure_root[32], const uint8_t weights_root[32],
                          char *why, size_t cap, xp_error *err)
{
    const xp_opened_leaf *cell = NULL;
    for (size_t k = 0; k < o->ninputs && !cell; k++)
        if (o->inputs[k].tree == XP_TREE_STRUCTURE && o->inputs[k].len == XP_QC_CELL_LEAF &&
            o->inputs[k].bytes[0] == XP_QC_CELL_TAG)
            cell = &o->inputs[k];
    if (!cell)
        return xp_error_set(err, XP_EINVAL, "the opening has no cell leaf (the atom count)");
    xp_t3_layout t;
    int rc = xp_t3_layout_make(rd32(cell->bytes + 1), &t, err);
    if (rc)
        return rc;
    if ((rc = step_valid(&t, &o->step, err)))
        return rc;
    const uint8_t *roots[3] = {trace_root, structure_root, weights_root};
    uint64_t sizes[3] = {t.size, t.n + 1, XP_WL_COUNT};
    for (size_t k = 0; k <= o->ninputs; k++) {
        const xp_opened_leaf *lf = k < o->ninputs ? &o->inputs[k] : &o->output;
        int64_t idx = leaf_index(lf->tree, &t, lf->bytes, lf->len);
        if (idx < 0 || (uint64_t)idx != lf->index)
            return xp_error_set(err, XP_EINVAL, "%s leaf %zu is not a leaf at index %llu of the %s tree",
                                k < o->ninputs ? "input" : "output", k,
                                (unsigned long long)lf->index, TREE_NAMES[lf->tree]);
        uint8_t h[32];
        xp_merkle_leaf_hash(lf->bytes, lf->len, h);
        if (xp_merkle_verify_inclusion(h, lf->index, sizes[lf->tree], &lf->path, roots[lf->tree],
                                       err))
            return xp_error_prefix(err, XP_ECRYPTO, "the path of %s leaf %zu does not lead to the %s root",
                                   k < o->ninputs ? "input" : "output", k, TREE_NAMES[lf->tree]);
    }
    uint8_t *want = malloc(XP_T3_MAX_LEAF);
    if (!want)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    size_t want_len = 0;
    int nbr_ok = 1;
    char reason[256] = "";
    rc = recompute(o, &t, want, &want_len, &nbr_ok, reason, sizeof reason, err);
    int holds = o->step.kind == XP_STEP_NBR
                    ? nbr_ok
                    : want_len == o->output.len && !memcmp(want, o->output.bytes, want_len);
    free(want);
    if (rc)
        return rc;
    if (why && cap)
        snprintf(why, cap, "%s", holds ? "" : o->step.kind == XP_STEP_NBR ? reason
                                                  : "the output leaf is not the step's result");
    return holds ? XP_OK : XP_ECRYPTO;
}
