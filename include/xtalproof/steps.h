/* The inference of cgcnn-q16-v3 as steps a contract can recompute one at a time: the committed
 * crystal (structureRoot), the weights tree (weightsRoot), the trace's leaves and their order
 * (traceRoot), and every step as a function of the leaves it reads. docs/formats.md
 * ("Verifiable inference") is the normative text; the contracts in contracts/src/inference/
 * compute the same bytes, and tests/stepvec/ writes the vectors that prove it.
 *
 * Every integer in these leaves is big-endian. The one-step functions below are the reference:
 * the fast forward pass (src/model/infer.c, kernels/) must give the same leaves, which the tests
 * check by recomputing whole traces from them. */
#ifndef XTALPROOF_STEPS_H
#define XTALPROOF_STEPS_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/featurize.h"
#include "xtalproof/merkle.h"
#include "xtalproof/model.h"
#include "xtalproof/structure.h"

/* ---- the committed crystal (structureRoot, version 1) ------------------------------------ */

#define XP_QC_MAX_ATOMS 1000000
#define XP_QC_LATTICE_LIMIT 262144.0 /* 2^18 Å: every lattice component is below it */
#define XP_QC_CELL_TAG 0x10
#define XP_QC_ATOM_TAG 0x11
enum { XP_QC_CELL_LEAF = 77, XP_QC_ATOM_LEAF = 30 };

/* A crystal in Q32 Å (an integer times 2^-32 Å): what every step of v3 reads. */
typedef struct xp_qcrystal {
    size_t n;
    int64_t lat[3][3];  /* rows a1, a2, a3 */
    int64_t (*pos)[3];  /* n positions */
    uint8_t *z;         /* n atomic numbers, 1..118 */
} xp_qcrystal;

/* Quantizes a structure as formats.md says; refuses (with a sentence) what it says. */
int xp_qcrystal_make(const xp_structure *s, xp_qcrystal *q, xp_error *err);
void xp_qcrystal_free(xp_qcrystal *q);
void xp_qcrystal_cell_leaf(const xp_qcrystal *q, uint8_t out[XP_QC_CELL_LEAF]);
void xp_qcrystal_atom_leaf(const xp_qcrystal *q, size_t i, uint8_t out[XP_QC_ATOM_LEAF]);
/* The n + 1 leaf hashes (malloc'd array, *out) and, if root is not NULL, their root. */
int xp_qcrystal_leaf_hashes(const xp_qcrystal *q, uint8_t (**out)[32], uint8_t root[32],
                            xp_error *err);
int xp_qcrystal_root(const xp_qcrystal *q, uint8_t root[32], xp_error *err);
/* structureRoot of a structure (quantize, then root). */
int xp_structure_root(const xp_structure *s, uint8_t root[32], xp_error *err);

/* The graph of cgcnn-q16-v3 from a committed crystal: exact integer geometry (formats.md).
 * Fills img and count besides what v2 graphs hold. */
int xp_featurize_q(const xp_qcrystal *q, xp_graph *g, xp_error *err);

/* The exact squared distance D (Q64 Å^2) of candidate (j, o) of atom i, split in two 64-bit
 * halves (hi, lo); returns 1 when D is within (0, 2^70] (a candidate), 0 when not (D = 0 or
 * beyond 8 Å; hi/lo are then set only when D fits 128 bits, else to all ones). */
int xp_qc_distance2(const xp_qcrystal *q, size_t i, size_t j, const int32_t o[3], uint64_t *hi,
                    uint64_t *lo);
/* dq = (isqrt(4 D) + 2^16) >> 17 for D ≤ 2^70. */
int32_t xp_qc_dq(uint64_t hi, uint64_t lo);

/* ---- the weights tree (weightsRoot, version 1) ------------------------------------------ */

enum {
    XP_WL_COUNT = 117,
    XP_WL_EMB_TAG = 0x21,
    XP_WL_SELF_TAG = 0x22,
    XP_WL_PAIR_TAG = 0x23,
    XP_WL_EDGE_TAG = 0x24,
    XP_WL_NORM_TAG = 0x25,
    XP_WL_HEAD_TAG = 0x26,
    XP_WL_EMB_LEAF = 2 + 4 * XP_CG_F,                                        /* 258 */
    XP_WL_PROJ_LEAF = 2 + 4 * XP_CG_F2 * XP_CG_F,                            /* 32770 */
    XP_WL_EDGE_LEAF = 2 + 4 * XP_CG_F2 + 4 * XP_CG_F2 * XP_CG_BOND,          /* 21506 */
    XP_WL_NORM_LEAF = 2 + 8 * XP_CG_F,                                       /* 514 */
    XP_WL_HEAD_LEAF = 1 + 4 * (XP_CG_H * XP_CG_F + XP_CG_H + XP_CG_H + 1 + 2), /* 8461 */
    XP_WL_MAX_LEAF = XP_WL_PROJ_LEAF
};

/* Index of a weights leaf: the embedding of element z (1..100), or layer l's kind. */
enum { XP_WK_SELF = 0, XP_WK_PAIR = 1, XP_WK_EDGE = 2, XP_WK_NORM = 3 };
static inline unsigned xp_wl_emb_index(int z)
{
    return (unsigned)(z - 1);
}
static inline unsigned xp_wl_layer_index(int l, int kind)
{
    return (unsigned)(XP_CG_ELEMENTS + 4 * l + kind);
}
#define XP_WL_HEAD_INDEX (XP_CG_ELEMENTS + 4 * XP_CG_NCONV)

/* The bytes of weights leaf `index` (0..116) into out (XP_WL_MAX_LEAF); returns the length. */
size_t xp_weights_leaf(const xp_model *m, unsigned index, uint8_t *out);
/* The 117 leaf hashes and their root (either may be NULL). */
void xp_weights_tree(const xp_model *m, uint8_t (*leaf_hashes)[32], uint8_t root[32]);

/* The head's parameters (the weights leaf 116). */
typedef struct xp_head_params {
    int32_t fc_w[XP_CG_H][XP_CG_F], fc_b[XP_CG_H], out_w[XP_CG_H];
    int32_t out_b, norm_mean, norm_std;
} xp_head_params;
void xp_head_params_of(const xp_model *m, xp_head_params *p);
size_t xp_wleaf_head(const xp_head_params *h, uint8_t *out);

/* Big-endian readers of leaf values. */
void xp_be32_read(const uint8_t *p, int32_t *v, size_t n);
void xp_be64_read(const uint8_t *p, int64_t *v, size_t n);

/* Leaves from raw arrays (the vector generator's random parameters). W: 128 rows of 64 (self or
 * pair), row stride `stride` int32; E: 128 rows of 41 at stride `stride`. */
size_t xp_wleaf_proj(int pair, int l, const int32_t *W, size_t stride, uint8_t *out);
size_t xp_wleaf_edge(int l, const int32_t *bias, const int32_t *E, size_t stride, uint8_t *out);
size_t xp_wleaf_norm(int l, const int32_t *scale, const int32_t *shift, uint8_t *out);

/* ---- the trace (cgcnn-q16-v3) ------------------------------------------------------------ */

#define XP_T3_MAX_LEVELS 8
#define XP_T3_FANIN 16
enum {
    XP_T3_NBR_TAG = 0x30,
    XP_T3_X_TAG = 0x31,
    XP_T3_PS_TAG = 0x32,
    XP_T3_PN_TAG = 0x33,
    XP_T3_M_TAG = 0x34,
    XP_T3_SUM_TAG = 0x35,
    XP_T3_POOL_TAG = 0x36,
    XP_T3_OUT_TAG = 0x37,
    XP_T3_NBR_LEAF = 6 + 20 * XP_CG_NBR, /* 246 */
    XP_T3_X_LEAF = 6 + 4 * XP_CG_F,      /* 262 */
    XP_T3_P_LEAF = 6 + 8 * XP_CG_F2,     /* 1030 */
    XP_T3_M_LEAF = 7 + 8 * XP_CG_F,      /* 519 */
    XP_T3_SUM_LEAF = 6 + 8 * XP_CG_F,    /* 518 */
    XP_T3_POOL_LEAF = 1 + 4 * XP_CG_F,   /* 257 */
    XP_T3_OUT_LEAF = 9,
    XP_T3_MAX_LEAF = XP_T3_P_LEAF
};

typedef struct xp_t3_layout {
    uint64_t n;
    int levels;                              /* H, the pooling tree's levels */
    uint64_t count[XP_T3_MAX_LEVELS + 1];    /* c_h, h = 1..H (count[0] unused) */
    uint64_t start[XP_T3_MAX_LEVELS + 1];    /* index of SUM[h][0] */
    uint64_t pool, out, size;                /* POOL's and OUT's index; N */
} xp_t3_layout;

/* The layout of a trace of n atoms (1..XP_QC_MAX_ATOMS). */
int xp_t3_layout_make(uint64_t n, xp_t3_layout *t, xp_error *err);
static inline uint64_t xp_t3_nbr(const xp_t3_layout *t, uint64_t i)
{
    (void)t;
    return i;
}
static inline uint64_t xp_t3_x(const xp_t3_layout *t, int l, uint64_t i)
{
    return (uint64_t)(1 + l) * t->n + i;
}
static inline uint64_t xp_t3_p(const xp_t3_layout *t, int pair, int l, uint64_t i)
{
    return (uint64_t)(6 + 2 * l + pair) * t->n + i;
}
static inline uint64_t xp_t3_m(const xp_t3_layout *t, int l, uint64_t i, int k)
{
    return 14 * t->n + 12 * ((uint64_t)l * t->n + i) + (uint64_t)k;
}
static inline uint64_t xp_t3_sum(const xp_t3_layout *t, int h, uint64_t u)
{
    return t->start[h] + u;
}

/* Leaf bytes; each returns its length. */
size_t xp_t3_leaf_nbr(const xp_graph *g, uint32_t i, uint8_t out[XP_T3_NBR_LEAF]);
size_t xp_t3_leaf_x(int l, uint32_t i, const int32_t v[XP_CG_F], uint8_t out[XP_T3_X_LEAF]);
size_t xp_t3_leaf_p(int pair, int l, uint32_t i, const int64_t v[XP_CG_F2],
                    uint8_t out[XP_T3_P_LEAF]);
size_t xp_t3_leaf_m(int l, uint32_t i, int k, const int64_t v[XP_CG_F], uint8_t out[XP_T3_M_LEAF]);
size_t xp_t3_leaf_sum(int h, uint32_t u, const int64_t v[XP_CG_F], uint8_t out[XP_T3_SUM_LEAF]);
size_t xp_t3_leaf_pool(const int32_t v[XP_CG_F], uint8_t out[XP_T3_POOL_LEAF]);
size_t xp_t3_leaf_out(int32_t out_q, int32_t value_q, uint8_t out[XP_T3_OUT_LEAF]);

/* ---- the steps: the reference functions ------------------------------------------------- */

/* self / pair: out[c] = sum_k W[c][k] x[k] over 64 inputs, c < 128 (W: 128 rows, stride). */
void xp_step_proj(const int32_t *W, size_t stride, const int32_t x[XP_CG_F],
                  int64_t out[XP_CG_F2]);
/* edge: z_c = ps[c] + pn[c] + 2^16 bias[c] + sum_g E[c][g] gauss_g(dq) (E: 128 rows of 41 at
 * stride), then msg[c] = sigmoid(round32(z_c)) softplus(round32(z_{64+c})). sat may be NULL. */
void xp_step_edge(const int32_t *bias, const int32_t *E, size_t stride, const int64_t ps[XP_CG_F2],
                  const int64_t pn[XP_CG_F2], int32_t dq, const int32_t *sig_tab,
                  const int32_t *spl_tab, int64_t msg[XP_CG_F], uint32_t *sat);
/* update: x' from x, the 12 messages and bn2. */
void xp_step_update(const int32_t scale[XP_CG_F], const int32_t shift[XP_CG_F],
                    const int32_t x[XP_CG_F], const int64_t msg[XP_CG_NBR][XP_CG_F],
                    const int32_t *spl_tab, int32_t out[XP_CG_F], uint32_t *sat);
/* sum: the int64 sum of up to 16 children (int32 vectors when x32 is not NULL, else s64). */
void xp_step_sum(const int32_t (*x32)[XP_CG_F], const int64_t (*s64)[XP_CG_F], size_t nchild,
                 int64_t out[XP_CG_F]);
/* mean: floor((2 S + n) / (2 n)). */
void xp_step_mean(const int64_t s[XP_CG_F], uint64_t n, int32_t out[XP_CG_F]);
/* head: out and valueQ (and the hidden layer, if not NULL) from the pooled vector. */
void xp_step_head_raw(const xp_head_params *p, const int32_t *spl_tab,
                      const int32_t pooled[XP_CG_F], int32_t *out_q, int32_t *value_q,
                      int32_t hidden[XP_CG_H], uint32_t *sat);
void xp_step_head(const xp_model *m, const int32_t pooled[XP_CG_F], int32_t *out_q,
                  int32_t *value_q, int32_t hidden[XP_CG_H], uint32_t *sat);

/* The nbr check: 1 when the list NBR[i] (its leaf bytes) is right for the crystal as far as
 * the rules 1-3 of formats.md and the witness (j', o'), if has_witness, can tell; 0 with a
 * sentence in why (may be NULL) when wrong. */
int xp_step_nbr_check(const xp_qcrystal *q, uint32_t i, const uint8_t leaf[XP_T3_NBR_LEAF],
                      int has_witness, uint32_t wj, const int32_t wo[3], char *why, size_t cap);

/* ---- whole traces -------------------------------------------------------------------------- */

/* Where a forward pass puts its leaves: each leaf's bytes, hashed into lh at its index (four
 * leaves at a time where they come together: xp_keccak256_x4_prefixed). */
typedef struct xp_t3_sink {
    xp_t3_layout t;
    uint8_t (*lh)[32]; /* t.size leaf hashes */
    uint8_t buf[4][XP_T3_MAX_LEAF];
} xp_t3_sink;

int xp_t3_sink_init(xp_t3_sink *s, uint64_t n, xp_error *err);
void xp_t3_sink_free(xp_t3_sink *s);
void xp_t3_put_nbrs(xp_t3_sink *s, const xp_graph *g);
/* The n leaves X[l][.] of x (n x 64). */
void xp_t3_put_xs(xp_t3_sink *s, int l, const int32_t *x);
/* The leaves PS[l][.] and PN[l][.] of ab: per atom 128 self, then 128 pair values. */
void xp_t3_put_ps(xp_t3_sink *s, int l, const int64_t *ab);
/* The 12 messages of atom i in layer l. */
void xp_t3_put_m(xp_t3_sink *s, int l, uint64_t i, const int64_t (*v)[XP_CG_F]);
/* The pooling tree over the last layer's n vectors and POOL; pooled gets the mean. */
int xp_t3_put_pool(xp_t3_sink *s, const int32_t *xlast, int32_t pooled[XP_CG_F], xp_error *err);
/* OUT, then the root of every leaf. */
int xp_t3_put_out(xp_t3_sink *s, int32_t out_q, int32_t value_q, uint8_t root[32], xp_error *err);

/* xp_infer_cpu (a cgcnn-q16-v3 model) that also gives the caller its trace's leaf hashes: keep is
 * initialized (free it with xp_t3_sink_free) when the pass succeeds. */
struct xp_infer_out;
int xp_infer_cpu_keep(const xp_model *m, const xp_graph *g, struct xp_infer_out *out,
                      int32_t *layers, xp_t3_sink *keep, xp_error *err);

/* The trace of a v3 forward pass recomputed step by step from the reference functions (slow;
 * tests and openings): initializes s (free it with xp_t3_sink_free) with every leaf hash, and the
 * root; x, if not NULL, receives the 5 n 64 atom vectors (layer-major). */
int xp_t3_reference(const xp_model *m, const xp_graph *g, xp_t3_sink *s, int32_t *x,
                    uint8_t root[32], xp_error *err);

#endif
