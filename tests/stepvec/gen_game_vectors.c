/* Vectors for the dispute game's forge tests (contracts/test/inference/DisputeGame.t.sol): whole
 * games over real traces, honest and lying, each step opened and encoded as the StepVerifier call
 * the node sends (xp_step_call), with the node's continuation rule (xp_step_continuation).
 *
 * A lie is made the way a cheating predictor would make it, then every later step is computed
 * from it, so that the trace is consistent everywhere but at the lie:
 *   flip    one bit of one value of one trace leaf (X, PS, PN, M, SUM, POOL or OUT);
 *   model   the trace of another model (band gap) under the registered model's weights root;
 *   crystal the trace of another crystal (one atom moved by 0.05 Å) under the target's root;
 *   dq      a neighbour's distance one unit (2^-16 Å) off;
 *   drop    the nearest neighbour of an atom left out of its list (count 11: the list passes
 *           the rules 1-3, only a witness shows it wrong).
 * Each scenario file holds the roots, the revealed value (the lying trace's OUT), the leaf hashes
 * of the scenario's trace and of the honest one, and, for every trace index the game can visit,
 * the call, the candidates its step adds and where the claim moves on. The generator plays the
 * game itself with the C check of each opening (xp_step_opening_check) and the honest
 * challenger's strategy (the first candidate whose leaf differs from the honest trace), and writes
 * only the calls of that game; `all` scenarios (honest traces of small crystals) hold every
 * index, for the tests that play every choice of the challenger.
 *
 * gen_game_vectors DIR: writes DIR/game-*.bin (ABI-encoded; see DisputeGame.t.sol) and prints
 * one line per scenario with its game as the generator played it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xtalproof/featurize.h"
#include "xtalproof/keccak.h"
#include "xtalproof/merkle.h"
#include "xtalproof/model.h"
#include "xtalproof/prover.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"
#include "xtalproof/structure.h"

#define DIE(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "gen_game_vectors: " __VA_ARGS__);                                         \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

enum { L_NONE, L_FLIP, L_MODEL, L_CRYSTAL, L_DQ, L_DROP };

typedef struct lie {
    int kind;
    uint64_t index; /* flip: the leaf */
    int comp, bit;  /* flip: which value, which bit */
    uint32_t atom;  /* dq, drop: whose list */
} lie;

/* One trace: every leaf's bytes and hash, and its tree. */
typedef struct trace {
    xp_t3_layout t;
    uint8_t *leaf; /* size x XP_T3_MAX_LEAF */
    uint16_t *len;
    uint8_t (*lh)[32];
    xp_merkle_tree tree;
    uint8_t root[32];
    int32_t value_q;
} trace;

/* The crystal and the model a game is about (the roots on chain). */
typedef struct world {
    xp_qcrystal q;
    xp_merkle_tree st, wt;
    uint8_t (*slh)[32], wlh[XP_WL_COUNT][32]; /* the trees' leaves, which they point into */
    uint8_t sroot[32], wroot[32];
    const xp_model *m;
} world;

static const lie *LIE;
static trace *CUR;

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        DIE("out of memory");
    return p;
}

/* ---- a forward pass that writes every leaf, with a lie where the scenario puts it ---------- */

static int flip_here(uint64_t index)
{
    return LIE && LIE->kind == L_FLIP && LIE->index == index;
}

static void put(uint64_t index, const uint8_t *b, size_t len)
{
    memcpy(CUR->leaf + index * XP_T3_MAX_LEAF, b, len);
    CUR->len[index] = (uint16_t)len;
    xp_merkle_leaf_hash(b, len, CUR->lh[index]);
}

static void flip32(uint64_t index, int32_t *v)
{
    if (flip_here(index))
        v[LIE->comp] ^= (int32_t)(1u << LIE->bit);
}

static void flip64(uint64_t index, int64_t *v)
{
    if (flip_here(index))
        v[LIE->comp] ^= (int64_t)1 << LIE->bit;
}

static void pool_and_head(const xp_model *m, const int32_t *x4)
{
    const xp_t3_layout *t = &CUR->t;
    uint8_t b[XP_T3_MAX_LEAF];
    uint64_t below = t->n;
    int64_t(*prev)[XP_CG_F] = NULL;
    for (int h = 1; h <= t->levels; h++) {
        int64_t(*lev)[XP_CG_F] = xmalloc(t->count[h] * sizeof *lev);
        for (uint64_t u = 0; u < t->count[h]; u++) {
            uint64_t a = u * XP_T3_FANIN, e = a + XP_T3_FANIN < below ? a + XP_T3_FANIN : below;
            if (h == 1)
                xp_step_sum((const int32_t(*)[XP_CG_F])(x4 + a * XP_CG_F), NULL, e - a, lev[u]);
            else
                xp_step_sum(NULL, (const int64_t(*)[XP_CG_F])prev[a], e - a, lev[u]);
            flip64(xp_t3_sum(t, h, u), lev[u]);
            put(xp_t3_sum(t, h, u), b, xp_t3_leaf_sum(h, (uint32_t)u, lev[u], b));
        }
        free(prev);
        prev = lev;
        below = t->count[h];
    }
    int32_t pooled[XP_CG_F], out_q, value_q;
    xp_step_mean(prev[0], t->n, pooled);
    free(prev);
    flip32(t->pool, pooled);
    put(t->pool, b, xp_t3_leaf_pool(pooled, b));
    xp_step_head(m, pooled, &out_q, &value_q, NULL, NULL);
    if (flip_here(t->out))
        value_q ^= (int32_t)(1u << LIE->bit);
    put(t->out, b, xp_t3_leaf_out(out_q, value_q, b));
    CUR->value_q = value_q;
}

static void run(trace *T, const xp_model *m, const xp_graph *g, const lie *L)
{
    xp_error err = {0};
    size_t n = g->n;
    if (xp_t3_layout_make(n, &T->t, &err))
        DIE("layout: %s", err.msg);
    const xp_t3_layout *t = &T->t;
    T->leaf = xmalloc(t->size * XP_T3_MAX_LEAF);
    T->len = xmalloc(t->size * sizeof *T->len);
    T->lh = xmalloc(t->size * 32);
    LIE = L;
    CUR = T;
    uint8_t b[XP_T3_MAX_LEAF];
    for (uint32_t i = 0; i < n; i++)
        put(xp_t3_nbr(t, i), b, xp_t3_leaf_nbr(g, i, b));
    int32_t *x = xmalloc((size_t)5 * n * XP_CG_F * sizeof *x);
    int64_t(*ab)[2][XP_CG_F2] = xmalloc(n * sizeof *ab);
    for (uint32_t i = 0; i < n; i++) {
        memcpy(x + i * XP_CG_F, m->emb_z[g->z[i]], XP_CG_F * sizeof *x);
        flip32(xp_t3_x(t, 0, i), x + i * XP_CG_F);
        put(xp_t3_x(t, 0, i), b, xp_t3_leaf_x(0, i, x + i * XP_CG_F, b));
    }
    for (int l = 0; l < XP_CG_NCONV; l++) {
        const xp_cg_conv *cv = &m->conv[l];
        int32_t *xl = x + (size_t)l * n * XP_CG_F, *xn = xl + n * XP_CG_F;
        for (uint32_t i = 0; i < n; i++)
            for (int pair = 0; pair < 2; pair++) {
                xp_step_proj(&cv->w[0][pair ? XP_CG_F : 0], XP_CG_IN, xl + i * XP_CG_F,
                             ab[i][pair]);
                flip64(xp_t3_p(t, pair, l, i), ab[i][pair]);
                put(xp_t3_p(t, pair, l, i), b, xp_t3_leaf_p(pair, l, i, ab[i][pair], b));
            }
        for (uint32_t i = 0; i < n; i++) {
            int64_t msg[XP_CG_NBR][XP_CG_F];
            for (int k = 0; k < XP_CG_NBR; k++) {
                size_t e = (size_t)i * XP_CG_NBR + (size_t)k;
                xp_step_edge(cv->b, &cv->w[0][2 * XP_CG_F], XP_CG_IN, ab[i][0], ab[g->nbr[e]][1],
                             g->dist[e], m->sig_tab, m->spl_tab, msg[k], NULL);
                flip64(xp_t3_m(t, l, i, k), msg[k]);
                put(xp_t3_m(t, l, i, k), b, xp_t3_leaf_m(l, i, k, msg[k], b));
            }
            xp_step_update(cv->bn_scale, cv->bn_shift, xl + i * XP_CG_F,
                           (const int64_t(*)[XP_CG_F])msg, m->spl_tab, xn + i * XP_CG_F, NULL);
            flip32(xp_t3_x(t, l + 1, i), xn + i * XP_CG_F);
            put(xp_t3_x(t, l + 1, i), b, xp_t3_leaf_x(l + 1, i, xn + i * XP_CG_F, b));
        }
    }
    pool_and_head(m, x + (size_t)XP_CG_NCONV * n * XP_CG_F);
    free(x);
    free(ab);
    if (xp_merkle_tree_build((const uint8_t(*)[32])T->lh, t->size, &T->tree, &err) ||
        xp_merkle_tree_root(&T->tree, T->root, &err))
        DIE("trace tree: %s", err.msg);
    LIE = NULL;
    CUR = NULL;
}

static void trace_free(trace *T)
{
    free(T->leaf);
    free(T->len);
    free(T->lh);
    xp_merkle_tree_free(&T->tree);
    memset(T, 0, sizeof *T);
}

/* ---- graphs with a lie in a list ----------------------------------------------------------- */

static void graph_copy(const xp_graph *g, xp_graph *c)
{
    size_t n = g->n, e = n * XP_CG_NBR;
    *c = *g;
    c->z = xmalloc(n);
    c->nbr = xmalloc(e * sizeof *c->nbr);
    c->dist = xmalloc(e * sizeof *c->dist);
    c->img = xmalloc(3 * e * sizeof *c->img);
    c->count = xmalloc(n);
    memcpy(c->z, g->z, n);
    memcpy(c->nbr, g->nbr, e * sizeof *c->nbr);
    memcpy(c->dist, g->dist, e * sizeof *c->dist);
    memcpy(c->img, g->img, 3 * e * sizeof *c->img);
    memcpy(c->count, g->count, n);
}

/* Atom i's nearest neighbour left out: the entries move up, the last becomes padding. */
static void graph_drop(xp_graph *g, uint32_t i)
{
    size_t b = (size_t)i * XP_CG_NBR;
    for (int k = 0; k + 1 < XP_CG_NBR; k++) {
        g->nbr[b + k] = g->nbr[b + k + 1];
        g->dist[b + k] = g->dist[b + k + 1];
        memcpy(&g->img[3 * (b + k)], &g->img[3 * (b + k + 1)], 3 * sizeof *g->img);
    }
    size_t last = b + XP_CG_NBR - 1;
    if (g->count[i] == XP_CG_NBR) {
        g->nbr[last] = 0;
        g->dist[last] = 9 * 65536;
        memset(&g->img[3 * last], 0, 3 * sizeof *g->img);
    }
    g->count[i]--;
}

/* ---- openings from the stores -------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void add(xp_opened_leaf *dst, int tree, uint64_t index, const uint8_t *b, size_t len,
                const xp_merkle_tree *mt)
{
    xp_error err = {0};
    dst->tree = tree;
    dst->index = index;
    dst->len = len;
    dst->bytes = xmalloc(len);
    memcpy(dst->bytes, b, len);
    if (xp_merkle_tree_path(mt, index, &dst->path, &err))
        DIE("path: %s", err.msg);
}

static void in_trace(xp_step_opening *o, const trace *T, uint64_t index)
{
    add(&o->inputs[o->ninputs++], XP_TREE_TRACE, index, T->leaf + index * XP_T3_MAX_LEAF,
        T->len[index], &T->tree);
}

static void in_atom(xp_step_opening *o, const world *W, uint32_t i)
{
    uint8_t b[XP_QC_CELL_LEAF];
    if (i == UINT32_MAX)
        xp_qcrystal_cell_leaf(&W->q, b);
    else
        xp_qcrystal_atom_leaf(&W->q, i, b);
    size_t idx = i == UINT32_MAX ? 0 : 1 + (size_t)i;
    add(&o->inputs[o->ninputs++], XP_TREE_STRUCTURE, idx, b,
        i == UINT32_MAX ? XP_QC_CELL_LEAF : XP_QC_ATOM_LEAF, &W->st);
}

static void in_weights(xp_step_opening *o, const world *W, unsigned index)
{
    static uint8_t b[XP_WL_MAX_LEAF];
    size_t len = xp_weights_leaf(W->m, index, b);
    add(&o->inputs[o->ninputs++], XP_TREE_WEIGHTS, index, b, len, &W->wt);
}

/* The atom leaves an NBR leaf's entries name, each once, in order of first mention, i left out
 * (the opening's convention: xp_step_call expands them by the entries). */
static void nbr_atoms(xp_step_opening *o, const world *W, const uint8_t *leaf, uint32_t i)
{
    int count = leaf[5];
    uint32_t seen[XP_CG_NBR + 1];
    int ns = 0;
    seen[ns++] = i;
    for (int k = 0; k < count && k < XP_CG_NBR; k++) {
        uint32_t j = rd32(leaf + 6 + 20 * k);
        int dup = 0;
        for (int s = 0; s < ns; s++)
            dup |= seen[s] == j;
        if (!dup && j < W->q.n) {
            seen[ns++] = j;
            in_atom(o, W, j);
        }
    }
}

static void open_at(const world *W, const trace *T, uint64_t index, xp_step_opening *o)
{
    xp_error err = {0};
    memset(o, 0, sizeof *o);
    xp_step_id s;
    if (xp_step_at_index((uint32_t)W->q.n, index, &s, &err))
        DIE("index %llu: %s", (unsigned long long)index, err.msg);
    memcpy(o->structure_root, W->sroot, 32);
    memcpy(o->weights_root, W->wroot, 32);
    memcpy(o->trace_root, T->root, 32);
    o->atoms = (uint32_t)W->q.n;
    o->step = s;
    const xp_t3_layout *t = &T->t;
    uint32_t i = s.atom;
    int l = s.layer;
    in_atom(o, W, UINT32_MAX);
    switch (s.kind) {
    case XP_STEP_NBR:
        in_atom(o, W, i);
        nbr_atoms(o, W, T->leaf + index * XP_T3_MAX_LEAF, i);
        break;
    case XP_STEP_EMBED:
        in_atom(o, W, i);
        in_weights(o, W, xp_wl_emb_index(W->q.z[i]));
        break;
    case XP_STEP_SELF:
    case XP_STEP_PAIR:
        in_trace(o, T, xp_t3_x(t, l, i));
        in_weights(o, W, xp_wl_layer_index(l, s.kind == XP_STEP_PAIR ? XP_WK_PAIR : XP_WK_SELF));
        break;
    case XP_STEP_EDGE: {
        uint32_t j = rd32(T->leaf + xp_t3_nbr(t, i) * XP_T3_MAX_LEAF + 6 + 20 * s.k);
        in_trace(o, T, xp_t3_nbr(t, i));
        in_trace(o, T, xp_t3_p(t, 0, l, i));
        in_trace(o, T, xp_t3_p(t, 1, l, j < t->n ? j : 0));
        in_weights(o, W, xp_wl_layer_index(l, XP_WK_EDGE));
        break;
    }
    case XP_STEP_UPDATE:
        in_trace(o, T, xp_t3_x(t, l, i));
        for (int k = 0; k < XP_CG_NBR; k++)
            in_trace(o, T, xp_t3_m(t, l, i, k));
        in_weights(o, W, xp_wl_layer_index(l, XP_WK_NORM));
        break;
    case XP_STEP_SUM: {
        uint64_t below = l == 1 ? t->n : t->count[l - 1];
        for (uint64_t u = (uint64_t)i * XP_T3_FANIN; u < below && u < (i + 1ull) * XP_T3_FANIN; u++)
            in_trace(o, T, l == 1 ? xp_t3_x(t, XP_CG_NCONV, u) : xp_t3_sum(t, l - 1, u));
        break;
    }
    case XP_STEP_MEAN:
        in_trace(o, T, xp_t3_sum(t, t->levels, 0));
        break;
    case XP_STEP_HEAD:
        in_trace(o, T, t->pool);
        in_weights(o, W, XP_WL_HEAD_INDEX);
        break;
    }
    add(&o->output, XP_TREE_TRACE, index, T->leaf + index * XP_T3_MAX_LEAF, T->len[index],
        &T->tree);
}

/* ---- ABI output ------------------------------------------------------------------------------ */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void grow(buf *b, size_t more)
{
    if (b->n + more <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->n + more)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        DIE("out of memory");
    b->p = p;
    b->cap = cap;
}

static void word_u(buf *b, uint64_t v)
{
    grow(b, 32);
    memset(b->p + b->n, 0, 24);
    for (int k = 0; k < 8; k++)
        b->p[b->n + 31 - k] = (uint8_t)(v >> (8 * k));
    b->n += 32;
}

static void word_i(buf *b, int64_t v)
{
    grow(b, 32);
    memset(b->p + b->n, v < 0 ? 0xff : 0, 24);
    for (int k = 0; k < 8; k++)
        b->p[b->n + 31 - k] = (uint8_t)((uint64_t)v >> (8 * k));
    b->n += 32;
}

static void word_h(buf *b, const uint8_t h[32])
{
    grow(b, 32);
    memcpy(b->p + b->n, h, 32);
    b->n += 32;
}

static void set_u(buf *b, size_t at, uint64_t v)
{
    memset(b->p + at, 0, 24);
    for (int k = 0; k < 8; k++)
        b->p[at + 31 - k] = (uint8_t)(v >> (8 * k));
}

/* bytes: length, then the bytes padded to 32 */
static void bytes_tail(buf *b, const uint8_t *p, size_t len)
{
    word_u(b, len);
    size_t pad = (len + 31) / 32 * 32;
    grow(b, pad);
    memset(b->p + b->n, 0, pad);
    if (len)
        memcpy(b->p + b->n, p, len);
    b->n += pad;
}

/* What one scenario holds, in DIR/game-NAME.bin (abi.encode of DisputeGame.t.sol's Scenario):
 * (bytes32 structureRoot, bytes32 weightsRoot, bytes32 traceRoot, int256 valueQ, uint256 atoms,
 * Step[] steps, bytes witnessCall, uint256 moves), a Step being (uint256 index, int256 next,
 * bool holds, int256 pend, uint256[] cands, bytes32[] candHashes, bool[] candWrong) for each
 * index the game visits (all of them in `all` scenarios): where the claim moves on (-1: none),
 * what an edge leaves pending for when the chain below ends (its NBR[i]; -1: none), whether
 * the step holds in the scenario's trace (the C check of its opening), the candidates the
 * step adds, their leaf hashes in the scenario's trace and whether each differs from the honest
 * trace's. The call of the step at index x is DIR/game-NAME/x.bin (the calldata's bytes). */
typedef struct scen {
    const char *name;
    const world *W;
    const trace *T, *H;
    uint8_t **call;
    size_t *call_len;
    xp_step_cont *cont;
    uint8_t *wcall;
    size_t wcall_len;
    uint64_t moves;
} scen;

static size_t tuple_head(buf *b, size_t nwords)
{
    size_t at = b->n;
    for (size_t k = 0; k < nwords; k++)
        word_u(b, 0);
    return at;
}

static int holds(const scen *S, uint64_t x);

static void write_step(buf *b, const scen *S, uint64_t x)
{
    const xp_step_cont *c = &S->cont[x];
    size_t h = tuple_head(b, 7);
    set_u(b, h, x);
    {
        buf t = {0};
        word_i(&t, c->move >= 0 ? (int64_t)c->input[c->move] : -1);
        memcpy(b->p + h + 32, t.p, 32);
        free(t.p);
    }
    set_u(b, h + 64, (uint64_t)holds(S, x));
    {
        buf t = {0};
        word_i(&t, c->pend >= 0 ? (int64_t)c->input[c->pend] : -1);
        memcpy(b->p + h + 96, t.p, 32);
        free(t.p);
    }
    for (int f = 0; f < 3; f++) {
        set_u(b, h + 32 * (4 + (size_t)f), b->n - h);
        word_u(b, c->ncand);
        for (size_t k = 0; k < c->ncand; k++) {
            uint64_t y = c->cand[k];
            if (f == 0)
                word_u(b, y);
            else if (f == 1)
                word_h(b, S->T->lh[y]);
            else
                word_u(b, memcmp(S->T->lh[y], S->H->lh[y], 32) != 0);
        }
    }
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f))
        DIE("cannot write %s", path);
}

static void write_scenario(const char *dir, const scen *S)
{
    buf b = {0};
    uint64_t N = S->T->t.size, nsteps = 0;
    for (uint64_t x = 0; x < N; x++)
        nsteps += S->call[x] != NULL;
    word_u(&b, 32); /* abi.encode of one struct: its offset, then the tuple */
    size_t h = tuple_head(&b, 8);
    memcpy(b.p + h, S->W->sroot, 32);
    memcpy(b.p + h + 32, S->W->wroot, 32);
    memcpy(b.p + h + 64, S->T->root, 32);
    {
        buf t = {0};
        word_i(&t, S->T->value_q);
        memcpy(b.p + h + 96, t.p, 32);
        free(t.p);
    }
    set_u(&b, h + 128, S->W->q.n);
    set_u(&b, h + 160, b.n - h);
    word_u(&b, nsteps);
    size_t offs = tuple_head(&b, nsteps), k = 0;
    for (uint64_t x = 0; x < N; x++) {
        if (!S->call[x])
            continue;
        set_u(&b, offs + 32 * k++, b.n - offs);
        write_step(&b, S, x);
    }
    set_u(&b, h + 192, b.n - h);
    bytes_tail(&b, S->wcall, S->wcall_len);
    set_u(&b, h + 224, S->moves);
    char path[4096];
    snprintf(path, sizeof path, "%s/game-%s.bin", dir, S->name);
    write_file(path, b.p, b.n);
    free(b.p);
    snprintf(path, sizeof path, "%s/game-%s", dir, S->name);
    mkdir(path, 0755);
    for (uint64_t x = 0; x < N; x++) {
        if (!S->call[x])
            continue;
        snprintf(path, sizeof path, "%s/game-%s/%llu.bin", dir, S->name, (unsigned long long)x);
        write_file(path, S->call[x], S->call_len[x]);
    }
}

/* ---- playing the game ---------------------------------------------------------------------- */

static void encode(scen *S, uint64_t x)
{
    if (S->call[x])
        return;
    xp_error err = {0};
    xp_step_opening o;
    open_at(S->W, S->T, x, &o);
    uint32_t j = 0;
    if (o.step.kind == XP_STEP_EDGE)
        j = rd32(S->T->leaf + (uint64_t)o.step.atom * XP_T3_MAX_LEAF + 6 + 20 * o.step.k);
    if (xp_step_call(&o, NULL, &S->call[x], &S->call_len[x], &err) ||
        xp_step_continuation((uint32_t)S->W->q.n, &o.step, j, &S->cont[x], &err))
        DIE("%s: index %llu: %s", S->name, (unsigned long long)x, err.msg);
    xp_step_opening_free(&o);
}

/* Whether the step at x holds in the scenario's trace, by the C check of its opening. */
static int holds(const scen *S, uint64_t x)
{
    xp_error err = {0};
    xp_step_opening o;
    open_at(S->W, S->T, x, &o);
    char why[256] = "";
    int rc = xp_step_opening_check(&o, S->T->root, S->W->sroot, S->W->wroot, why, sizeof why, &err);
    if (rc && getenv("GEN_GAME_DEBUG"))
        fprintf(stderr, "%s: %llu: %s %s\n", S->name, (unsigned long long)x, why, err.msg);
    xp_step_opening_free(&o);
    return rc == 0;
}

/* The witness call against NBR[i] of the scenario: the nearest entry of the honest list that
 * the scenario's list lacks. */
static void witness(scen *S, const xp_graph *honest, uint32_t i)
{
    xp_error err = {0};
    xp_step_opening o;
    open_at(S->W, S->T, xp_t3_nbr(&S->T->t, i), &o);
    size_t e = (size_t)i * XP_CG_NBR;
    xp_opened_leaf atom;
    memset(&atom, 0, sizeof atom);
    uint8_t b[XP_QC_ATOM_LEAF];
    xp_qcrystal_atom_leaf(&S->W->q, (size_t)honest->nbr[e], b);
    add(&atom, XP_TREE_STRUCTURE, 1 + (uint64_t)honest->nbr[e], b, sizeof b, &S->W->st);
    xp_nbr_witness w = {.present = 1, .j = (uint32_t)honest->nbr[e], .atom = &atom};
    memcpy(w.o, &honest->img[3 * e], sizeof w.o);
    if (xp_step_call(&o, &w, &S->wcall, &S->wcall_len, &err))
        DIE("%s: witness: %s", S->name, err.msg);
    free(atom.bytes);
    xp_step_opening_free(&o);
}

/* The honest challenger's choice among a turn's candidates: one whose leaf differs from the
 * honest trace's; after an update chain the one of the lowest layer (the last), which leaves the
 * least below it; after an edge the first (NBR, then PS, then PN: PN moves to another atom). */
static size_t pick(const scen *S, const uint64_t *cand, size_t nc)
{
    size_t best = nc;
    for (size_t k = 0; k < nc; k++) {
        if (!memcmp(S->T->lh[cand[k]], S->H->lh[cand[k]], 32))
            continue;
        uint8_t tag = S->T->leaf[cand[k] * XP_T3_MAX_LEAF];
        if (best == nc || tag == XP_T3_M_TAG)
            best = k;
        if (tag != XP_T3_M_TAG)
            break;
    }
    return best;
}

/* The game with the honest challenger: returns its moves (challenge, turns, picks, the last
 * proof or claim) and prints it. */
static void play(scen *S, const xp_graph *honest)
{
    uint64_t claim = S->T->t.out, moves = 1; /* the challenge */
    printf("%-28s n=%-4zu", S->name, S->W->q.n);
    for (;;) {
        uint64_t x = claim, steps = 0, cand[256], pend = UINT64_MAX;
        size_t nc = 0;
        int at_nbr = 0, fell = 0;
        for (;;) {
            encode(S, x);
            steps++;
            if (!holds(S, x)) {
                fell = 1;
                break;
            }
            const xp_step_cont *c = &S->cont[x];
            for (size_t k = 0; k < c->ncand; k++)
                cand[nc++] = c->cand[k];
            at_nbr |= c->at_nbr;
            if (c->pend >= 0)
                pend = c->input[c->pend];
            if (c->move >= 0) {
                x = c->input[c->move];
            } else if (pend != UINT64_MAX) {
                x = pend;
                pend = UINT64_MAX;
            } else {
                break;
            }
        }
        moves++;
        printf(" D%llu", (unsigned long long)steps);
        if (fell) {
            printf(" false@%llu", (unsigned long long)x);
            break;
        }
        moves++;
        /* a list the rules could not show wrong (the opening held) but that is not the honest
         * one: the witness of the nearer atom it left out ends the game */
        if (at_nbr && memcmp(S->T->lh[x], S->H->lh[x], 32)) {
            witness(S, honest, (uint32_t)x);
            printf(" witness@%llu", (unsigned long long)x);
            break;
        }
        size_t k = pick(S, cand, nc);
        if (k < nc) {
            claim = cand[k];
            printf(" C@%llu", (unsigned long long)claim);
            continue;
        }
        printf(" stuck (the defender claims)");
        break;
    }
    S->moves = moves;
    printf("  moves %llu\n", (unsigned long long)moves);
}

/* ---- scenarios ------------------------------------------------------------------------------ */

static void world_make(world *W, const xp_structure *s, const xp_model *m)
{
    xp_error err = {0};
    memset(W, 0, sizeof *W);
    W->m = m;
    if (xp_qcrystal_make(s, &W->q, &err) ||
        xp_qcrystal_leaf_hashes(&W->q, &W->slh, W->sroot, &err) ||
        xp_merkle_tree_build((const uint8_t(*)[32])W->slh, W->q.n + 1, &W->st, &err))
        DIE("crystal: %s", err.msg);
    xp_weights_tree(m, W->wlh, W->wroot);
    if (xp_merkle_tree_build((const uint8_t(*)[32])W->wlh, XP_WL_COUNT, &W->wt, &err))
        DIE("weights: %s", err.msg);
}

static void world_free(world *W)
{
    xp_qcrystal_free(&W->q);
    xp_merkle_tree_free(&W->st);
    xp_merkle_tree_free(&W->wt);
    free(W->slh);
}

static void scenario(const char *dir, const char *name, const world *W, const trace *T,
                     const trace *H, const xp_graph *honest, int all)
{
    scen S = {.name = name, .W = W, .T = T, .H = H};
    uint64_t N = T->t.size;
    S.call = xmalloc(N * sizeof *S.call);
    S.call_len = xmalloc(N * sizeof *S.call_len);
    S.cont = xmalloc(N * sizeof *S.cont);
    if (all) {
        for (uint64_t x = 0; x < N; x++)
            encode(&S, x);
        printf("%-28s n=%-4zu every index (%llu)\n", name, W->q.n, (unsigned long long)N);
    } else {
        play(&S, honest);
    }
    write_scenario(dir, &S);
    for (uint64_t x = 0; x < N; x++)
        free(S.call[x]);
    free(S.call);
    free(S.call_len);
    free(S.cont);
    free(S.wcall);
}

static xp_structure *load(const char *path)
{
    xp_error err = {0};
    xp_structure_list l;
    if (xp_read_structures(path, NULL, &l, &err) || l.n != 1)
        DIE("%s: %s", path, err.msg);
    xp_structure *s = xp_structure_clone(l.items[0]);
    xp_structure_list_free(&l);
    return s;
}

/* An r x 1 x 1 supercell. */
static xp_structure *supercell(const xp_structure *s, int r)
{
    xp_structure *c = xp_structure_new(s->nsites * (size_t)r);
    if (!c)
        DIE("out of memory");
    memcpy(c->lattice, s->lattice, sizeof c->lattice);
    for (int d = 0; d < 3; d++)
        c->lattice[0][d] *= r;
    for (int t = 0; t < r; t++)
        for (size_t i = 0; i < s->nsites; i++) {
            xp_site *d = &c->sites[(size_t)t * s->nsites + i];
            *d = s->sites[i];
            d->frac[0] = (s->sites[i].frac[0] + t) / r;
        }
    return c;
}

static void graph_of(const world *W, xp_graph *g)
{
    xp_error err = {0};
    if (xp_featurize_q(&W->q, g, &err))
        DIE("graph: %s", err.msg);
}

/* Every lie on one crystal and model. */
static void lies(const char *dir, const char *tag, const xp_structure *s, const xp_model *m,
                 const xp_model *other, int flips)
{
    world W;
    world_make(&W, s, m);
    xp_graph g, g2;
    graph_of(&W, &g);
    trace H, T;
    memset(&H, 0, sizeof H);
    run(&H, m, &g, NULL);
    char name[128];
    const xp_t3_layout *t = &H.t;
    size_t n = W.q.n;
    uint32_t a = (uint32_t)(n > 1 ? 1 : 0);
    /* one bit of one value of leaves of every kind */
    uint64_t at[] = {t->out,
                     t->pool,
                     xp_t3_sum(t, 1, 0),
                     xp_t3_x(t, 4, a),
                     xp_t3_x(t, 2, 0),
                     xp_t3_x(t, 0, a),
                     xp_t3_m(t, 3, 0, 5),
                     xp_t3_m(t, 0, a, 0),
                     xp_t3_p(t, 0, 1, 0),
                     xp_t3_p(t, 1, 0, n - 1),
                     xp_t3_p(t, 1, 2, a)};
    const char *what[] = {"out",    "pool",   "sum",    "x4",  "x2",  "x0",
                          "m3",     "m0",     "ps1",    "pn0", "pn2"};
    size_t nat = sizeof at / sizeof at[0];
    for (size_t k = 0; k < (size_t)flips && k < nat; k++) {
        /* a value whose bit changes the prediction (a lie that changes nothing is no false
         * claim: the game is about the revealed value) */
        lie L = {.kind = L_FLIP, .index = at[k], .bit = at[k] == t->out ? 0 : 20};
        int found = 0;
        for (int c = 0; c < 3 * 64 && !found; c++) {
            L.comp = (int)(7 * k + (size_t)c) % 64;
            if (at[k] != t->out)
                L.bit = 20 + 5 * (c / 64);
            memset(&T, 0, sizeof T);
            run(&T, m, &g, &L);
            if (!(found = T.value_q != H.value_q))
                trace_free(&T);
        }
        if (!found)
            DIE("%s: no bit of leaf %llu changes the prediction", tag, (unsigned long long)at[k]);
        snprintf(name, sizeof name, "%s-flip-%s", tag, what[k]);
        scenario(dir, name, &W, &T, &H, &g, 0);
        trace_free(&T);
    }
    /* another model's trace */
    if (other) {
        memset(&T, 0, sizeof T);
        run(&T, other, &g, NULL);
        snprintf(name, sizeof name, "%s-model", tag);
        scenario(dir, name, &W, &T, &H, &g, 0);
        trace_free(&T);
    }
    /* another crystal's trace: atom 0 moved by 0.05 Å along x */
    {
        xp_structure *s2 = xp_structure_clone(s);
        double inv = 0.05 / s2->lattice[0][0];
        s2->sites[0].frac[0] += inv;
        world W2;
        world_make(&W2, s2, m);
        xp_graph gb;
        graph_of(&W2, &gb);
        memset(&T, 0, sizeof T);
        run(&T, m, &gb, NULL);
        snprintf(name, sizeof name, "%s-crystal", tag);
        scenario(dir, name, &W, &T, &H, &g, 0);
        trace_free(&T);
        xp_graph_free(&gb);
        world_free(&W2);
        xp_structure_free(s2);
    }
    /* a distance one unit off; the nearest neighbour left out */
    for (int kind = L_DQ; kind <= L_DROP; kind++) {
        graph_copy(&g, &g2);
        if (kind == L_DQ)
            g2.dist[(size_t)a * XP_CG_NBR] += 1;
        else
            graph_drop(&g2, a);
        memset(&T, 0, sizeof T);
        run(&T, m, &g2, NULL);
        snprintf(name, sizeof name, "%s-%s", tag, kind == L_DQ ? "dq" : "drop");
        scenario(dir, name, &W, &T, &H, &g, 0);
        trace_free(&T);
        xp_graph_free(&g2);
    }
    trace_free(&H);
    xp_graph_free(&g);
    world_free(&W);
}

static void honest_all(const char *dir, const char *tag, const xp_structure *s, const xp_model *m)
{
    world W;
    world_make(&W, s, m);
    xp_graph g;
    graph_of(&W, &g);
    trace H;
    memset(&H, 0, sizeof H);
    run(&H, m, &g, NULL);
    /* the fast forward pass must give the same root */
    xp_error err = {0};
    xp_t3_sink sk;
    uint8_t root[32];
    if (xp_t3_reference(m, &g, &sk, NULL, root, &err))
        DIE("reference: %s", err.msg);
    if (memcmp(root, H.root, 32))
        DIE("%s: the generator's trace root is not xp_t3_reference's", tag);
    xp_t3_sink_free(&sk);
    char name[128];
    snprintf(name, sizeof name, "%s-honest", tag);
    scenario(dir, name, &W, &H, &H, &g, 1);
    trace_free(&H);
    xp_graph_free(&g);
    world_free(&W);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        DIE("usage: gen_game_vectors DIR");
    const char *dir = argv[1];
    mkdir(dir, 0755);
    xp_error err = {0};
    xp_model *fe = NULL, *bg = NULL;
    if (xp_model_load(XP_MODELS_DIR "/formation-energy-per-atom.xpm", &fe, &err) ||
        xp_model_load(XP_MODELS_DIR "/band-gap.xpm", &bg, &err))
        DIE("models: %s", err.msg);
    const char *devdir = XP_SHARED_DIR "/data/cgcnn/dev-structures";
    char p[4096];
    struct {
        const char *file, *tag;
    } honest[] = {{"cod-1000050.vasp", "n2"}, {"spg-hexagonal-183-2.vasp", "n3"},
                  {"cod-1101051.vasp", "n4"}};
    for (size_t k = 0; k < sizeof honest / sizeof honest[0]; k++) {
        snprintf(p, sizeof p, "%s/%s", devdir, honest[k].file);
        xp_structure *s = load(p);
        honest_all(dir, honest[k].tag, s, k == 1 ? bg : fe);
        xp_structure_free(s);
    }
    snprintf(p, sizeof p, "%s/cod-1101051.vasp", devdir);
    xp_structure *s4 = load(p);
    lies(dir, "n4", s4, fe, bg, 11);
    xp_structure_free(s4);
    /* the longest games measured: a crystal of 210 atoms (spg-hexagonal-169 as 7 x 1 x 1) */
    snprintf(p, sizeof p, "%s/spg-hexagonal-169.vasp", devdir);
    xp_structure *s1 = load(p), *big = supercell(s1, 7);
    lies(dir, "n210", big, fe, NULL, 11);
    xp_structure_free(big);
    xp_structure_free(s1);
    xp_model_free(fe);
    xp_model_free(bg);
    return 0;
}
