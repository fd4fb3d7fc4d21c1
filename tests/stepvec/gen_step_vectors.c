/* Vectors for the step verifiers of cgcnn-q16-v3 (contracts/src/inference/): files that the forge
 * tests in contracts/test/inference/ read to check the contracts bit for bit against the C
 * reference. Every expected value here comes from the C reference (include/xtalproof/steps.h,
 * src/model/fixed.h); this program only chooses the inputs and writes them down.
 *
 *   gen_step_vectors DIR            FixedQ16 vectors, >= 10,240 random vectors per step kind, and
 *                                   every step of a few dev structures with both models
 *   gen_step_vectors --dev-all DIR  every step of every dev structure with both models (for the
 *                                   gas benchmark: no random vectors, no expected leaves)
 *
 * Files, all ABI-encoded so that forge decodes them with abi.decode (docs/contracts.md, "Step
 * verifiers (cgcnn-q16-v3)"):
 *   fixed-NAME.bin     abi.encode(int256[] a, int256[] b, int256[] want): one FixedQ16 function
 *   rand-K-G.bin,      abi.encode(uint256 kind, uint256 flags, bytes[] weights, bytes[] records):
 *   dev-K-G.bin        a group of step checks of kind K; weights[w] = abi.encode(Opening) of a
 *                      weights leaf the records share, records[r] = abi.encode(the kind's record
 *                      struct, contracts/test/inference/StepVectors.t.sol)
 *   manifest.bin       abi.encode(uint256[9] randFiles, uint256[9] devFiles, uint256[9]
 *                      randRecords, uint256[9] devRecords)
 *
 * The trees of the random vectors hold the leaves a check reads; the other leaves are stood for by
 * filler subtree roots (pseudo-random hashes), which no verifier can tell from real subtrees: the
 * proofs come from the library (xp_merkle_inclusion_proof_by_range) and are checked with
 * xp_merkle_verify_inclusion. The dev structures' trees are the real ones: xp_qcrystal_leaf_hashes,
 * xp_weights_tree and xp_t3_reference's leaf hashes, the leaves recomputed here with the step
 * functions and encoders and checked against those hashes. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/fixed.h"
#include "xtalproof/keccak.h"
#include "xtalproof/merkle.h"
#include "xtalproof/model.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"

#define DIE(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "gen_step_vectors: " __VA_ARGS__);                                        \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

/* Step kinds, numbered as the forge tests number them. */
enum { K_NBR, K_EMBED, K_SELF, K_PAIR, K_EDGE, K_UPDATE, K_SUM, K_MEAN, K_HEAD, NKIND };
static const char *const KIND_NAME[NKIND] = {"nbr",    "embed", "self", "pair", "edge",
                                             "update", "sum",   "mean", "head"};
/* Group flags: F_COMPUTE, the records carry the expected output leaf for the step computation's
 * own differential test; F_GAS, the test measures each check's gas as a transaction. */
enum { F_COMPUTE = 1, F_GAS = 2 };

#define GROUP_RECORDS 125 /* records per file */
#define RAND_GROUPS 80    /* groups of random vectors per kind: 80 x 125 = 10,000 */

/* ---- a seeded PRNG (xoshiro256**) ---------------------------------------------------------- */

static uint64_t S[4];

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(void)
{
    uint64_t r = rotl(S[1] * 5, 7) * 9, t = S[1] << 17;
    S[2] ^= S[0];
    S[3] ^= S[1];
    S[1] ^= S[2];
    S[0] ^= S[3];
    S[2] ^= t;
    S[3] = rotl(S[3], 45);
    return r;
}

static void seed(uint64_t s)
{
    for (int k = 0; k < 4; k++) {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        S[k] = z ^ (z >> 31);
    }
}

static uint64_t below(uint64_t n)
{
    return rnd() % n;
}

/* lo .. hi inclusive (hi - lo < 2^63). */
static int64_t span(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % ((uint64_t)(hi - lo) + 1));
}

/* A value of random sign and random bit length up to bits (< 63): |v| < 2^bits. */
static int64_t smag(int bits)
{
    int b = (int)below((uint64_t)bits + 1);
    int64_t v = b ? (int64_t)(rnd() & (((uint64_t)1 << b) - 1)) : 0;
    return rnd() & 1 ? -v : v;
}

/* An int32 over its whole range: random bit lengths, and its ends and small values often. */
static int32_t i32v(void)
{
    switch (below(24)) {
    case 0:
        return INT32_MIN;
    case 1:
        return INT32_MAX;
    case 2:
        return 0;
    case 3:
        return (int32_t)span(-2, 2);
    case 4:
        return INT32_MIN + (int32_t)below(3);
    case 5:
        return INT32_MAX - (int32_t)below(3);
    default:
        return (int32_t)smag(31);
    }
}

/* ---- scratch memory, reset after each record ---------------------------------------------- */

static uint8_t *scr;
static size_t nscr, capscr = (size_t)64 << 20;

static void *salloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (nscr + n > capscr)
        DIE("scratch memory exhausted");
    void *p = scr + nscr;
    nscr += n;
    return p;
}

/* ---- ABI encoding (the Solidity ABI's head/tail layout) ----------------------------------- */

enum { A_WORD, A_BYTES, A_TUPLE, A_ARRAY };
typedef struct av {
    int t;
    uint8_t w[32];     /* A_WORD */
    const uint8_t *p;  /* A_BYTES */
    size_t n;          /* bytes, or items of a tuple or an array */
    struct av **kid;
} av;

static av arena[16384];
static size_t narena;
static av *kids[32768];
static size_t nkids;

static void reset(void)
{
    narena = nkids = nscr = 0;
}

static av *anew(int t)
{
    if (narena == sizeof arena / sizeof arena[0])
        DIE("ABI arena exhausted");
    av *v = &arena[narena++];
    memset(v, 0, sizeof *v);
    v->t = t;
    return v;
}

static av *aword_u(uint64_t x)
{
    av *v = anew(A_WORD);
    for (int i = 0; i < 8; i++)
        v->w[31 - i] = (uint8_t)(x >> (8 * i));
    return v;
}

/* A signed word: two's complement over 256 bits. */
static av *aword_i(int64_t x)
{
    av *v = aword_u((uint64_t)x);
    if (x < 0)
        memset(v->w, 0xff, 24);
    return v;
}

static av *aword_h(const uint8_t h[32])
{
    av *v = anew(A_WORD);
    memcpy(v->w, h, 32);
    return v;
}

static av *abytes(const uint8_t *p, size_t n)
{
    av *v = anew(A_BYTES);
    v->p = p;
    v->n = n;
    return v;
}

/* A tuple (t = A_TUPLE; a struct or a static array) or a dynamic array (A_ARRAY) of n items,
 * to be filled in kid[]. */
static av *alist(int t, size_t n)
{
    if (nkids + n > sizeof kids / sizeof kids[0])
        DIE("ABI arena exhausted");
    av *v = anew(t);
    v->n = n;
    v->kid = &kids[nkids];
    nkids += n;
    return v;
}

static av *atuple(size_t n, ...);

static int adyn(const av *v)
{
    if (v->t == A_BYTES || v->t == A_ARRAY)
        return 1;
    if (v->t == A_TUPLE)
        for (size_t i = 0; i < v->n; i++)
            if (adyn(v->kid[i]))
                return 1;
    return 0;
}

static size_t asize(const av *v)
{
    switch (v->t) {
    case A_WORD:
        return 32;
    case A_BYTES:
        return 32 + ((v->n + 31) & ~(size_t)31);
    default: {
        size_t s = v->t == A_ARRAY ? 32 : 0;
        for (size_t i = 0; i < v->n; i++)
            s += adyn(v->kid[i]) ? 32 + asize(v->kid[i]) : asize(v->kid[i]);
        return s;
    }
    }
}

static void put_word(uint8_t *o, uint64_t x)
{
    memset(o, 0, 32);
    for (int i = 0; i < 8; i++)
        o[31 - i] = (uint8_t)(x >> (8 * i));
}

/* Writes v at o; returns the end of what was written. */
static uint8_t *aenc(const av *v, uint8_t *o)
{
    switch (v->t) {
    case A_WORD:
        memcpy(o, v->w, 32);
        return o + 32;
    case A_BYTES: {
        put_word(o, v->n);
        size_t padded = (v->n + 31) & ~(size_t)31;
        memset(o + 32, 0, padded);
        if (v->n)
            memcpy(o + 32, v->p, v->n);
        return o + 32 + padded;
    }
    default: {
        if (v->t == A_ARRAY) {
            put_word(o, v->n);
            o += 32;
        }
        /* heads, then the tails of the dynamic items; offsets from the start of the heads */
        size_t heads = 0;
        for (size_t i = 0; i < v->n; i++)
            heads += adyn(v->kid[i]) ? 32 : asize(v->kid[i]);
        uint8_t *h = o, *tail = o + heads;
        for (size_t i = 0; i < v->n; i++) {
            if (adyn(v->kid[i])) {
                put_word(h, (uint64_t)(tail - o));
                h += 32;
                tail = aenc(v->kid[i], tail);
            } else {
                h = aenc(v->kid[i], h);
            }
        }
        return tail;
    }
    }
}

static av *atuple(size_t n, ...)
{
    av *t = alist(A_TUPLE, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        t->kid[i] = va_arg(ap, av *);
    va_end(ap);
    return t;
}

typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

/* The encoding of a tuple of values (abi.encode(a, b, …) is that of the tuple (a, b, …)). */
static blob aencode(const av *tuple)
{
    blob b = {malloc(asize(tuple)), 0};
    if (!b.p)
        DIE("out of memory");
    b.n = (size_t)(aenc(tuple, b.p) - b.p);
    if (b.n != asize(tuple))
        DIE("ABI size mismatch");
    return b;
}

/* Opening {bytes leaf; bytes32[] path} */
static av *a_open(const uint8_t *leaf, size_t len, const xp_merkle_proof *p)
{
    av *path = alist(A_ARRAY, p ? p->len : 0);
    for (size_t i = 0; p && i < p->len; i++)
        path->kid[i] = aword_h(p->hash[i]);
    return atuple(2, abytes(leaf, len), path);
}

/* Openings {bytes[] leaves; bytes32[][] paths} */
static av *a_openings(size_t n, uint8_t *const *leaf, const size_t *len,
                      xp_merkle_proof *const *p)
{
    av *leaves = alist(A_ARRAY, n), *paths = alist(A_ARRAY, n);
    for (size_t i = 0; i < n; i++) {
        leaves->kid[i] = abytes(leaf[i], len[i]);
        av *path = alist(A_ARRAY, p[i]->len);
        for (size_t k = 0; k < p[i]->len; k++)
            path->kid[k] = aword_h(p[i]->hash[k]);
        paths->kid[i] = path;
    }
    return atuple(2, leaves, paths);
}

static av *a_roots(const uint8_t s[32], const uint8_t w[32], const uint8_t t[32])
{
    return atuple(3, aword_h(s), aword_h(w), aword_h(t));
}

/* ---- groups of records, one file each ----------------------------------------------------- */

static const char *outdir;
/* Where a group's records go: random vectors, dev structures, or the fuzz tests' structure. */
enum { G_RAND, G_DEV, G_FUZZ };
static const char *const GROUP_PREFIX[3] = {"rand", "dev", "fuzz"};
static int nfiles[3][NKIND];
static long nrecords[3][NKIND];
static int dev_set = G_DEV; /* the set dev_structure writes to */

typedef struct group {
    int kind, dev;
    unsigned flags;
    blob w[128];
    size_t nw;
    blob r[GROUP_RECORDS];
    size_t nr;
} group;

static void g_begin(group *g, int kind, int dev, unsigned flags)
{
    memset(g, 0, sizeof *g);
    g->kind = kind;
    g->dev = dev;
    g->flags = flags;
}

static void write_file(const char *name, const blob *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->p, 1, b->n, f) != b->n || fclose(f))
        DIE("cannot write %s: %s", path, strerror(errno));
}

/* Writes the records so far to a file (the weights stay for the next file). */
static void g_flush(group *g)
{
    if (!g->nr)
        return;
    reset();
    av *ws = alist(A_ARRAY, g->nw), *rs = alist(A_ARRAY, g->nr);
    for (size_t i = 0; i < g->nw; i++)
        ws->kid[i] = abytes(g->w[i].p, g->w[i].n);
    for (size_t i = 0; i < g->nr; i++)
        rs->kid[i] = abytes(g->r[i].p, g->r[i].n);
    blob f = aencode(atuple(4, aword_u((uint64_t)g->kind), aword_u(g->flags), ws, rs));
    char name[64];
    snprintf(name, sizeof name, "%s-%d-%d.bin", GROUP_PREFIX[g->dev], g->kind,
             nfiles[g->dev][g->kind]++);
    write_file(name, &f);
    free(f.p);
    nrecords[g->dev][g->kind] += (long)g->nr;
    for (size_t i = 0; i < g->nr; i++)
        free(g->r[i].p);
    g->nr = 0;
    reset();
}

static void g_end(group *g)
{
    g_flush(g);
    for (size_t i = 0; i < g->nw; i++)
        free(g->w[i].p);
    g->nw = 0;
}

/* A weights opening the records share: abi.encode(Opening). */
static void g_weights(group *g, const uint8_t *leaf, size_t len, const xp_merkle_proof *p)
{
    if (g->nw == sizeof g->w / sizeof g->w[0])
        DIE("too many weights leaves in a group");
    g->w[g->nw++] = aencode(atuple(1, a_open(leaf, len, p)));
    reset();
}

/* A record: abi.encode(rec), rec a struct. Resets the scratch memory. */
static void g_record(group *g, av *rec)
{
    g->r[g->nr++] = aencode(atuple(1, rec));
    reset();
    if (g->nr == GROUP_RECORDS)
        g_flush(g);
}

/* ---- trees -------------------------------------------------------------------------------- */

static void check_path(const uint8_t lh[32], uint64_t idx, uint64_t size, const xp_merkle_proof *p,
                       const uint8_t root[32])
{
    xp_error err = {0};
    if (xp_merkle_verify_inclusion(lh, idx, size, p, root, &err))
        DIE("a generated inclusion proof does not verify: %s", err.msg);
}

/* A tree of `size` leaves of which only a few are given; every subtree without a given leaf is a
 * filler root, a hash of (salt, a, b). */
#define VT_MAX 40
#define VT_MEMO 512 /* subtree roots computed once (a power of two) */
typedef struct vmemo {
    uint64_t a, b;
    uint8_t h[32];
} vmemo;
typedef struct vtree {
    uint64_t size;
    int n;
    uint64_t idx[VT_MAX];
    uint8_t lh[VT_MAX][32];
    uint8_t salt[8];
    uint8_t root[32];
    vmemo memo[VT_MEMO]; /* b == 0: empty */
} vtree;

static void vt_init(vtree *t, uint64_t size)
{
    t->n = 0;
    memset(t->memo, 0, sizeof t->memo);
    t->size = size;
    uint64_t s = rnd();
    memcpy(t->salt, &s, 8);
}

static void vt_put(vtree *t, uint64_t idx, const uint8_t *leaf, size_t len)
{
    if (idx >= t->size || t->n == VT_MAX)
        DIE("leaf %llu outside a tree of %llu", (unsigned long long)idx,
            (unsigned long long)t->size);
    for (int k = 0; k < t->n; k++)
        if (t->idx[k] == idx)
            DIE("two leaves at %llu", (unsigned long long)idx);
    t->idx[t->n] = idx;
    xp_merkle_leaf_hash(leaf, len, t->lh[t->n++]);
}

static void vt_range(vtree *t, uint64_t a, uint64_t b, uint8_t out[32])
{
    size_t slot = (size_t)((a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full)) >> 7;
    for (size_t probe = 0; probe < VT_MEMO; probe++, slot++) {
        vmemo *e = &t->memo[slot & (VT_MEMO - 1)];
        if (!e->b)
            break;
        if (e->a == a && e->b == b) {
            memcpy(out, e->h, 32);
            return;
        }
    }
    int any = -1;
    for (int k = 0; k < t->n; k++)
        if (t->idx[k] >= a && t->idx[k] < b)
            any = k;
    if (any < 0) {
        uint8_t m[24];
        memcpy(m, t->salt, 8);
        memcpy(m + 8, &a, 8);
        memcpy(m + 16, &b, 8);
        xp_keccak256(m, sizeof m, out);
        return;
    }
    if (b - a == 1) {
        memcpy(out, t->lh[any], 32);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < b - a)
        k *= 2;
    uint8_t l[32], r[32];
    vt_range(t, a, a + k, l);
    vt_range(t, a + k, b, r);
    xp_merkle_node_hash(l, r, out);
    /* remember the roots of subtrees with given leaves (the others cost one hash anyway) */
    size_t used = 0;
    for (vmemo *e = &t->memo[slot & (VT_MEMO - 1)]; e->b; e = &t->memo[++slot & (VT_MEMO - 1)])
        if (++used == VT_MEMO)
            return;
    vmemo *e = &t->memo[slot & (VT_MEMO - 1)];
    e->a = a;
    e->b = b;
    memcpy(e->h, out, 32);
}

static int vt_range_fn(void *ctx, uint64_t a, uint64_t b, uint8_t out[32], xp_error *err)
{
    (void)err;
    vt_range(ctx, a, b, out);
    return 0;
}

static void vt_close(vtree *t)
{
    vt_range(t, 0, t->size, t->root);
}

/* The path of leaf idx (which must have been given), checked against the root. */
static xp_merkle_proof *vt_path(vtree *t, uint64_t idx)
{
    xp_merkle_proof *p = salloc(sizeof *p);
    xp_error err = {0};
    if (xp_merkle_inclusion_proof_by_range(vt_range_fn, t, idx, t->size, p, &err))
        DIE("%s", err.msg);
    for (int k = 0; k < t->n; k++)
        if (t->idx[k] == idx) {
            check_path(t->lh[k], idx, t->size, p, t->root);
            return p;
        }
    DIE("no leaf at %llu", (unsigned long long)idx);
}

/* A whole tree of leaf hashes (xp_merkle_tree: every path in O(log n)). */
typedef struct rtree {
    xp_merkle_tree t;
    uint8_t (*lh)[32];
    uint64_t n;
    uint8_t root[32];
    unsigned calls;
} rtree;

static void rt_build(rtree *r, uint8_t (*lh)[32], uint64_t n)
{
    xp_error err = {0};
    memset(r, 0, sizeof *r);
    r->lh = lh;
    r->n = n;
    if (xp_merkle_tree_build((const uint8_t(*)[32])lh, n, &r->t, &err) ||
        xp_merkle_tree_root(&r->t, r->root, &err))
        DIE("%s", err.msg);
}

static void rt_free(rtree *r)
{
    xp_merkle_tree_free(&r->t);
}

/* The path of leaf idx; every 61st also from xp_merkle_inclusion_proof over the array of leaf
 * hashes, which must give the same hashes. */
static xp_merkle_proof *rt_path(rtree *r, uint64_t idx)
{
    xp_merkle_proof *p = salloc(sizeof *p);
    xp_error err = {0};
    if (xp_merkle_tree_path(&r->t, idx, p, &err))
        DIE("%s", err.msg);
    if (r->calls++ % 61 == 0) {
        xp_merkle_proof q;
        xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])r->lh);
        if (xp_merkle_inclusion_proof(&src, idx, r->n, &q, &err))
            DIE("%s", err.msg);
        if (q.len != p->len || memcmp(q.hash, p->hash, 32 * p->len))
            DIE("xp_merkle_tree_path and xp_merkle_inclusion_proof differ");
    }
    check_path(r->lh[idx], idx, r->n, p, r->root);
    return p;
}

/* ---- the random model and crystals --------------------------------------------------------- */

static xp_model *M;          /* the random parameters of the current group */
static int64_t (*qpos)[3];   /* positions of atoms at any index below 10^6 */
static uint8_t *qz;
static uint8_t wleaf[XP_WL_MAX_LEAF];

/* The weights tree of M (every leaf of xp_weights_tree), and one leaf's bytes. */
static void weights_tree(rtree *r)
{
    uint8_t(*lh)[32] = malloc(XP_WL_COUNT * 32);
    if (!lh)
        DIE("out of memory");
    uint8_t root[32];
    xp_weights_tree(M, lh, root);
    rt_build(r, lh, XP_WL_COUNT);
    if (memcmp(root, r->root, 32))
        DIE("xp_weights_tree's root differs from its leaves' tree");
}

static void weights_tree_free(rtree *r)
{
    rt_free(r);
    free(r->lh);
}

/* Adds weights leaf idx of M with its path to the group. */
static void add_weights(group *g, rtree *wt, unsigned idx)
{
    size_t len = xp_weights_leaf(M, idx, wleaf);
    g_weights(g, wleaf, len, rt_path(wt, idx));
}

/* The cell leaf of a committed crystal of n atoms with a random lattice (most steps read n only). */
static uint8_t *cell_random(uint64_t n)
{
    xp_qcrystal q = {0};
    q.n = n;
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++)
            q.lat[k][c] = smag(50);
    uint8_t *p = salloc(XP_QC_CELL_LEAF);
    xp_qcrystal_cell_leaf(&q, p);
    return p;
}

/* Atom counts: mostly small, some up to the limit of 10^6 (every index of TraceLayout). */
static uint64_t pick_n(void)
{
    uint64_t r = below(100);
    if (r < 80)
        return (uint64_t)span(1, 64);
    if (r < 92)
        return (uint64_t)span(65, 70000);
    return (uint64_t)span(70001, XP_QC_MAX_ATOMS);
}

static uint64_t pick_i(uint64_t n)
{
    switch (below(8)) {
    case 0:
        return 0;
    case 1:
        return n - 1;
    default:
        return below(n);
    }
}

/* One random record's trees: the structure (cell leaf at 0) and the trace, n atoms. */
typedef struct rec {
    uint64_t n;
    xp_t3_layout t;
    vtree st, tr;
    uint8_t *cell;
} rec;

static void rec_begin(rec *r, uint64_t n)
{
    xp_error err = {0};
    r->n = n;
    if (xp_t3_layout_make(n, &r->t, &err))
        DIE("%s", err.msg);
    vt_init(&r->st, n + 1);
    vt_init(&r->tr, r->t.size);
    r->cell = cell_random(n);
    vt_put(&r->st, 0, r->cell, XP_QC_CELL_LEAF);
}

/* A trace leaf (copied into scratch) put into the trace tree; returns the copy. */
static uint8_t *tr_leaf(rec *r, uint64_t idx, const uint8_t *leaf, size_t len)
{
    uint8_t *p = salloc(len ? len : 1);
    memcpy(p, leaf, len);
    vt_put(&r->tr, idx, p, len);
    return p;
}

/* The committed output: the expected leaf, or in one record of eight a copy with one bit
 * flipped (anywhere, tag and coordinates included) or one byte more or less. *want is whether
 * the committed leaf equals the expected one. */
static const uint8_t *commit_out(const uint8_t *exp, size_t len, size_t *olen, int *want)
{
    uint8_t *o = salloc(len + 1);
    memcpy(o, exp, len);
    *olen = len;
    if (below(8) == 0) {
        switch (below(10)) {
        case 0:
            (*olen)--;
            break;
        case 1:
            o[(*olen)++] = (uint8_t)rnd();
            break;
        default:
            o[below(len)] ^= (uint8_t)(1u << below(8));
        }
    }
    *want = *olen == len && !memcmp(o, exp, len);
    return o;
}

/* The expected leaf a random record carries for the step computation's own comparison
 * (StepHarness): every altered record's and every 16th other's; for the rest the verifier's true
 * answer on the expected leaf is the comparison (its recomputed leaf hashes to the C leaf's). */
static size_t expected_len(int r, int want, size_t len)
{
    return (!want || r % 16 == 0) ? len : 0;
}

/* ---- FixedQ16: every table entry and many single values ----------------------------------- */

static int32_t SIG[XP_TAB_N], SPL[XP_TAB_N];

typedef struct fvec {
    size_t n, cap;
    int64_t *a, *b, *want;
} fvec;

static void fpush(fvec *v, int64_t a, int64_t b, int64_t want)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 1024;
        v->a = realloc(v->a, v->cap * sizeof *v->a);
        v->b = realloc(v->b, v->cap * sizeof *v->b);
        v->want = realloc(v->want, v->cap * sizeof *v->want);
        if (!v->a || !v->b || !v->want)
            DIE("out of memory");
    }
    v->a[v->n] = a;
    v->b[v->n] = b;
    v->want[v->n++] = want;
}

/* abi.encode(int256[] a, int256[] b, int256[] want), written directly (three arrays of words). */
static void fwrite_vec(const char *name, fvec *v)
{
    size_t n = v->n, arr = 32 * (1 + n);
    blob f = {calloc(1, 96 + 3 * arr), 96 + 3 * arr};
    if (!f.p)
        DIE("out of memory");
    const int64_t *cols[3] = {v->a, v->b, v->want};
    for (int k = 0; k < 3; k++) {
        put_word(f.p + 32 * k, 96 + k * arr);
        uint8_t *o = f.p + 96 + k * arr;
        put_word(o, n);
        for (size_t i = 0; i < n; i++) {
            put_word(o + 32 * (1 + i), (uint64_t)cols[k][i]);
            if (cols[k][i] < 0)
                memset(o + 32 * (1 + i), 0xff, 24);
        }
    }
    char file[64];
    snprintf(file, sizeof file, "fixed-%s.bin", name);
    write_file(file, &f);
    free(f.p);
    printf("  fixed-%-10s %zu\n", name, v->n);
    free(v->a);
    free(v->b);
    free(v->want);
    memset(v, 0, sizeof *v);
}

/* Q16 arguments that the activations treat specially, and their neighbours. */
static const int64_t SPECIAL_Q16[] = {0,
                                      1,
                                      -1,
                                      65536,
                                      -65536,
                                      32768,
                                      -32768,
                                      16 * 65536,
                                      -16 * 65536,
                                      20 * 65536,
                                      -20 * 65536,
                                      32 * 65536,
                                      -32 * 65536,
                                      8192 * 256 - 1,
                                      -8192 * 256 + 1,
                                      INT32_MAX,
                                      INT32_MIN,
                                      INT32_MAX - 1,
                                      (int64_t)INT32_MIN + 1};

static int64_t special_q16(void)
{
    int64_t v = SPECIAL_Q16[below(sizeof SPECIAL_Q16 / sizeof SPECIAL_Q16[0])] + span(-3, 3);
    return v;
}

static int32_t clamp32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static void gen_fixed(void)
{
    fvec v = {0};
    /* the tables, every entry */
    for (int k = 0; k < XP_TAB_N; k++)
        fpush(&v, k, 0, SIG[k]);
    fwrite_vec("sigtab", &v);
    for (int k = 0; k < XP_TAB_N; k++)
        fpush(&v, k, 0, SPL[k]);
    fwrite_vec("spltab", &v);

    /* exp(-a): small a, both ends of the range, where k = floor(a log2 e) steps, random */
    for (int64_t a = -8; a <= 4096; a++)
        fpush(&v, a, 0, xp_exp_neg_q30(a));
    for (int64_t a = 32 * 65536 - 64; a <= 32 * 65536 + 8; a++)
        fpush(&v, a, 0, xp_exp_neg_q30(a));
    for (int k = 1; k <= 46; k++) {
        int64_t a0 = (int64_t)(((unsigned __int128)k << 48) / 6196328019ull);
        for (int64_t a = a0 - 2; a <= a0 + 2; a++)
            fpush(&v, a, 0, xp_exp_neg_q30(a));
    }
    for (int r = 0; r < 12000; r++) {
        int64_t a = r % 4 == 0 ? smag(31) : (int64_t)below(32 * 65536 + 100);
        fpush(&v, a, 0, xp_exp_neg_q30(a));
    }
    fwrite_vec("exp", &v);

    /* log1p in [0, 1] */
    for (int64_t y = 0; y <= 2048; y++)
        fpush(&v, y, 0, xp_log1p_q30(y));
    for (int64_t y = XP_Q30_ONE - 2048; y <= XP_Q30_ONE; y++)
        fpush(&v, y, 0, xp_log1p_q30(y));
    for (int r = 0; r < 12000; r++) {
        int64_t y = r % 3 ? (int64_t)below(XP_Q30_ONE + 1) : (int64_t)below((uint64_t)1 << below(31));
        fpush(&v, y, 0, xp_log1p_q30(y));
    }
    fwrite_vec("log1p", &v);

    /* the exact sigmoid and softplus tail */
    for (int r = 0; r < 12000; r++) {
        int32_t x = r % 4 == 0 ? i32v() : r % 4 == 1 ? clamp32(special_q16()) : (int32_t)smag(22);
        fpush(&v, x, 0, xp_sigmoid_exact(x));
    }
    fwrite_vec("sigexact", &v);
    for (int r = 0; r < 12000; r++) {
        int64_t a = r % 4 == 0 ? (int64_t)below((uint64_t)1 << 31) : (int64_t)below(33 * 65536);
        fpush(&v, a, 0, xp_softplus_tail_exact(a));
    }
    fwrite_vec("tailexact", &v);

    /* sigmoid and softplus by the tables: the ends, the threshold, |x| >= 32, every kind of x */
    for (int r = 0; r < 24000; r++) {
        int64_t x;
        switch (r % 4) {
        case 0:
            x = special_q16();
            break;
        case 1:
            x = i32v();
            break;
        case 2:
            x = span(-17 * 65536, 17 * 65536);
            break;
        default: /* a table node and around it */
            x = -16 * 65536 + (int64_t)below(8193) * 256 + span(-1, 1);
        }
        int32_t q = clamp32(x);
        fpush(&v, q, 0, xp_sigmoid_q(SIG, q));
    }
    fwrite_vec("sigmoid", &v);
    for (int r = 0; r < 24000; r++) {
        int64_t x;
        switch (r % 4) {
        case 0:
            x = special_q16();
            break;
        case 1:
            x = i32v();
            break;
        case 2:
            x = span(-40 * 65536, 40 * 65536);
            break;
        default:
            x = ((int64_t)below(8193) * 256 + span(-1, 1)) * (rnd() & 1 ? 1 : -1);
        }
        int32_t q = clamp32(x);
        fpush(&v, q, 0, xp_softplus_q(SPL, q, NULL));
    }
    fwrite_vec("softplus", &v);

    /* the Gaussians: every centre, around the window's edges, padding and zero distances */
    for (int r = 0; r < 24000; r++) {
        int k = (int)below(XP_CG_BOND);
        int64_t mu = xp_gauss_centre(k), dq;
        switch (r % 6) {
        case 0:
            dq = mu + span(-3, 3);
            break;
        case 1: /* |t| = 8 Å, the first cut */
            dq = mu + (rnd() & 1 ? 1 : -1) * (8 * 65536 + span(-1, 1));
            break;
        case 2: /* a = 32 Å^2 / 0.04, the second cut: |t| = 1.1314 Å */
            dq = mu + (rnd() & 1 ? 1 : -1) * (74145 + span(-40, 40));
            break;
        case 3:
            dq = r % 12 == 3 ? XP_FEAT_PAD_DIST : 0;
            break;
        case 4:
            dq = i32v();
            break;
        default:
            dq = span(-65536, 10 * 65536);
        }
        int32_t d = clamp32(dq);
        fpush(&v, d, k, xp_gauss_q(d, k));
    }
    fwrite_vec("gauss", &v);

    /* round32: ties of both signs, the saturation edges, int64 values of every size */
    for (int r = 0; r < 24000; r++) {
        int64_t acc;
        switch (r % 5) {
        case 0: {
            int64_t off[] = {32768, -32768, 32767, -32769, 0, 65535, -65536, -32767};
            acc = smag(40) * 65536 + off[below(8)];
            break;
        }
        case 1: {
            int64_t e = rnd() & 1 ? (int64_t)INT32_MAX * 65536 + 32767 : (int64_t)INT32_MIN * 65536 - 32768;
            acc = e + span(-2, 2);
            break;
        }
        case 2:
            acc = smag(62);
            break;
        case 3:
            acc = smag(48);
            break;
        default:
            acc = span(-(1 << 17), 1 << 17);
        }
        fpush(&v, acc, 0, xp_q_round32(acc, NULL));
    }
    fwrite_vec("round32", &v);

    /* saturation to int32 */
    for (int r = 0; r < 12000; r++) {
        int64_t x = r % 3 ? smag(62) : (int64_t)(r % 2 ? INT32_MAX : INT32_MIN) + span(-2, 2);
        fpush(&v, x, 0, xp_q_sat(x, NULL));
    }
    fwrite_vec("sat32", &v);

    /* floor division (the mean's): negative numerators, exact multiples, divisors 1 .. 2^41 */
    for (int r = 0; r < 12000; r++) {
        int64_t d = r % 5 == 0 ? 1 : (int64_t)below((uint64_t)1 << below(42)) + 1;
        int64_t n = r % 4 == 0 ? d * smag(20) : smag(62);
        if (r % 7 == 0)
            n = -d * (int64_t)below(1000) + span(-1, 1);
        fpush(&v, n, d, xp_floor_div(n, d));
    }
    fwrite_vec("floordiv", &v);
}

/* ---- random step vectors --------------------------------------------------------------------- */

/* Weights as the model file allows them (|w| < 2^24), of random sizes. */
static int32_t w24(void)
{
    switch (below(16)) {
    case 0:
        return (1 << 24) - 1;
    case 1:
        return -(1 << 24) + 1;
    case 2:
        return 0;
    default:
        return (int32_t)smag(24);
    }
}

static void gen_embed(void)
{
    for (int gi = 0; gi < RAND_GROUPS; gi++) {
        for (int z = 1; z <= XP_CG_ELEMENTS; z++)
            for (int c = 0; c < XP_CG_F; c++)
                M->emb_z[z][c] = gi % 3 == 0 ? i32v() : gi % 3 == 1 ? (int32_t)smag(20) : w24();
        rtree wt;
        weights_tree(&wt);
        group g;
        g_begin(&g, K_EMBED, 0, F_COMPUTE);
        for (int z = 1; z <= XP_CG_ELEMENTS; z++)
            add_weights(&g, &wt, xp_wl_emb_index(z));
        for (int r = 0; r < GROUP_RECORDS; r++) {
            rec R;
            uint64_t n = pick_n(), i = pick_i(n);
            int z = 1 + (int)below(XP_CG_ELEMENTS);
            rec_begin(&R, n);
            xp_qcrystal q = {.n = n, .pos = qpos, .z = qz};
            qz[i] = (uint8_t)z;
            for (int c = 0; c < 3; c++)
                qpos[i][c] = smag(50);
            uint8_t *atom = salloc(XP_QC_ATOM_LEAF);
            xp_qcrystal_atom_leaf(&q, i, atom);
            vt_put(&R.st, 1 + i, atom, XP_QC_ATOM_LEAF);
            uint8_t *exp = salloc(XP_T3_X_LEAF);
            xp_t3_leaf_x(0, (uint32_t)i, M->emb_z[z], exp);
            size_t olen;
            int want;
            const uint8_t *out = commit_out(exp, XP_T3_X_LEAF, &olen, &want);
            uint64_t idx = xp_t3_x(&R.t, 0, i);
            tr_leaf(&R, idx, out, olen);
            vt_close(&R.st);
            vt_close(&R.tr);
            g_record(&g, atuple(8, aword_u((uint64_t)z - 1), a_roots(R.st.root, wt.root, R.tr.root),
                                aword_u(idx), a_open(R.cell, XP_QC_CELL_LEAF, vt_path(&R.st, 0)),
                                a_open(atom, XP_QC_ATOM_LEAF, vt_path(&R.st, 1 + i)),
                                a_open(out, olen, vt_path(&R.tr, idx)), abytes(exp, expected_len(r, want, XP_T3_X_LEAF)),
                                aword_u((uint64_t)want)));
        }
        g_end(&g);
        weights_tree_free(&wt);
    }
}

/* self (pair = 0) and pair (pair = 1) projections. Styles of a group: 0, weights as the model
 * allows and any x; 1, any int32 weights and |x| <= 2^16; 2, the largest sums (weights
 * ±(2^24 - 1), x at the int32 ends); 3, sparse weights. */
static void gen_proj(int pair)
{
    for (int gi = 0; gi < RAND_GROUPS; gi++) {
        int style = gi % 4, l = (int)below(XP_CG_NCONV);
        int sgn = rnd() & 1 ? 1 : -1;
        for (int c = 0; c < XP_CG_F2; c++)
            for (int k = 0; k < XP_CG_F; k++) {
                int32_t *w = &M->conv[l].w[c][pair * XP_CG_F + k];
                switch (style) {
                case 0:
                    *w = w24();
                    break;
                case 1:
                    *w = i32v();
                    break;
                case 2:
                    *w = below(8) ? sgn * ((1 << 24) - 1) : w24();
                    break;
                default:
                    *w = below(6) ? 0 : w24();
                }
            }
        rtree wt;
        weights_tree(&wt);
        group g;
        g_begin(&g, pair ? K_PAIR : K_SELF, 0, F_COMPUTE);
        add_weights(&g, &wt, xp_wl_layer_index(l, pair ? XP_WK_PAIR : XP_WK_SELF));
        for (int r = 0; r < GROUP_RECORDS; r++) {
            rec R;
            uint64_t n = pick_n(), i = pick_i(n);
            rec_begin(&R, n);
            int32_t x[XP_CG_F];
            int xs = rnd() & 1 ? 1 : -1;
            for (int k = 0; k < XP_CG_F; k++)
                x[k] = style == 1   ? (int32_t)smag(17) / 2
                       : style == 2 ? (below(8) ? (xs > 0 ? INT32_MAX : INT32_MIN) : i32v())
                                    : i32v();
            int64_t p[XP_CG_F2];
            xp_step_proj(&M->conv[l].w[0][pair * XP_CG_F], XP_CG_IN, x, p);
            uint8_t *xl = salloc(XP_T3_X_LEAF), *exp = salloc(XP_T3_P_LEAF);
            xp_t3_leaf_x(l, (uint32_t)i, x, xl);
            xp_t3_leaf_p(pair, l, (uint32_t)i, p, exp);
            size_t olen;
            int want;
            const uint8_t *out = commit_out(exp, XP_T3_P_LEAF, &olen, &want);
            uint64_t xi = xp_t3_x(&R.t, l, i), idx = xp_t3_p(&R.t, pair, l, i);
            tr_leaf(&R, xi, xl, XP_T3_X_LEAF);
            tr_leaf(&R, idx, out, olen);
            vt_close(&R.st);
            vt_close(&R.tr);
            g_record(&g, atuple(8, aword_u(0), a_roots(R.st.root, wt.root, R.tr.root), aword_u(idx),
                                a_open(R.cell, XP_QC_CELL_LEAF, vt_path(&R.st, 0)),
                                a_open(xl, XP_T3_X_LEAF, vt_path(&R.tr, xi)),
                                a_open(out, olen, vt_path(&R.tr, idx)), abytes(exp, expected_len(r, want, XP_T3_P_LEAF)),
                                aword_u((uint64_t)want)));
        }
        g_end(&g);
        weights_tree_free(&wt);
    }
}

static uint32_t rd_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void gen_self(void)
{
    gen_proj(0);
}

static void gen_pair(void)
{
    gen_proj(1);
}

/* big-endian u32 at p (the atom index of a leaf built for atom 0, rewritten to atom i) */
static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A pre-activation z (Q32) whose round32 lands on a value the activations treat specially,
 * with every rounding case: exact, just below and at a half (ties round up, also below zero),
 * and values beyond int32 (saturation). */
static int64_t target_z(void)
{
    const int64_t off[] = {0, 32767, 32768, -32768, -32769, 65535, 1, -1};
    int64_t t = below(4) ? special_q16() : i32v();
    if (below(10) == 0)
        t = smag(45); /* far beyond int32: round32 saturates */
    return t * 65536 + off[below(8)];
}

/* A neighbour distance: the padding 9 Å, 0, a centre, the Gaussians' cuts, any int32. */
static int32_t pick_dq(void)
{
    int k = (int)below(XP_CG_BOND);
    switch (below(8)) {
    case 0:
        return XP_FEAT_PAD_DIST;
    case 1:
        return 0;
    case 2:
        return xp_gauss_centre(k) + (int32_t)span(-2, 2);
    case 3:
        return xp_gauss_centre(k) + (int32_t)((rnd() & 1 ? 1 : -1) * (74145 + span(-30, 30)));
    case 4:
        return i32v();
    case 5:
        return (int32_t)span(-(1 << 20), -1);
    default:
        return (int32_t)span(0, 9 * 65536);
    }
}

/* edge. Styles of a group: 0, bias any int32 and E as the model allows; 1, E any int32; 2, no
 * bias and E = 0 (z = PS + PN: pre-activations chosen exactly); 3, small. */
static void gen_edge(void)
{
    for (int gi = 0; gi < RAND_GROUPS; gi++) {
        int style = gi % 4, l = (int)below(XP_CG_NCONV);
        xp_cg_conv *cv = &M->conv[l];
        for (int c = 0; c < XP_CG_F2; c++) {
            cv->b[c] = style == 2 ? 0 : style == 3 ? (int32_t)smag(18) : i32v();
            for (int k = 0; k < XP_CG_BOND; k++)
                cv->w[c][2 * XP_CG_F + k] =
                    style == 0 ? w24() : style == 1 ? i32v() : style == 2 ? 0 : (int32_t)smag(16);
        }
        rtree wt;
        weights_tree(&wt);
        group g;
        g_begin(&g, K_EDGE, 0, F_COMPUTE);
        add_weights(&g, &wt, xp_wl_layer_index(l, XP_WK_EDGE));
        for (int r = 0; r < GROUP_RECORDS; r++) {
            rec R;
            uint64_t n = pick_n(), i = pick_i(n), j = pick_i(n);
            int k = (int)below(XP_CG_NBR);
            rec_begin(&R, n);
            /* NBR[i]: random entries (the edge step reads entry k only) */
            int32_t nb[XP_CG_NBR], dist[XP_CG_NBR], img[3 * XP_CG_NBR];
            uint8_t cnt = (uint8_t)below(XP_CG_NBR + 1);
            for (int e = 0; e < XP_CG_NBR; e++) {
                nb[e] = (int32_t)below(n);
                dist[e] = pick_dq();
                for (int a = 0; a < 3; a++)
                    img[3 * e + a] = (int32_t)span(-3, 3);
            }
            nb[k] = (int32_t)j;
            xp_graph gr = {.n = 1, .nbr = nb, .dist = dist, .img = img, .count = &cnt};
            uint8_t *nl = salloc(XP_T3_NBR_LEAF);
            xp_t3_leaf_nbr(&gr, 0, nl);
            put_be32(nl + 1, (uint32_t)i);
            /* PS[l][i] and PN[l][j] */
            int64_t ps[XP_CG_F2], pn[XP_CG_F2];
            int vs = (int)below(3);
            for (int c = 0; c < XP_CG_F2; c++) {
                if (style == 2) {
                    pn[c] = smag(40);
                    ps[c] = target_z() - pn[c];
                } else if (vs == 0) {
                    ps[c] = smag(55);
                    pn[c] = smag(55);
                } else if (vs == 1) {
                    ps[c] = smag(61);
                    pn[c] = smag(61);
                } else {
                    ps[c] = smag(40);
                    pn[c] = smag(40);
                }
            }
            int64_t msg[XP_CG_F];
            xp_step_edge(cv->b, &cv->w[0][2 * XP_CG_F], XP_CG_IN, ps, pn, dist[k], M->sig_tab,
                         M->spl_tab, msg, NULL);
            uint8_t *psl = salloc(XP_T3_P_LEAF), *pnl = salloc(XP_T3_P_LEAF),
                    *exp = salloc(XP_T3_M_LEAF);
            xp_t3_leaf_p(0, l, (uint32_t)i, ps, psl);
            xp_t3_leaf_p(1, l, (uint32_t)j, pn, pnl);
            xp_t3_leaf_m(l, (uint32_t)i, k, msg, exp);
            size_t olen;
            int want;
            const uint8_t *out = commit_out(exp, XP_T3_M_LEAF, &olen, &want);
            uint64_t ni = xp_t3_nbr(&R.t, i), psi = xp_t3_p(&R.t, 0, l, i),
                     pni = xp_t3_p(&R.t, 1, l, j), idx = xp_t3_m(&R.t, l, i, k);
            tr_leaf(&R, ni, nl, XP_T3_NBR_LEAF);
            tr_leaf(&R, psi, psl, XP_T3_P_LEAF);
            tr_leaf(&R, pni, pnl, XP_T3_P_LEAF);
            tr_leaf(&R, idx, out, olen);
            vt_close(&R.st);
            vt_close(&R.tr);
            g_record(&g, atuple(11, aword_u(0), a_roots(R.st.root, wt.root, R.tr.root),
                                aword_u(idx), a_open(R.cell, XP_QC_CELL_LEAF, vt_path(&R.st, 0)),
                                a_open(nl, XP_T3_NBR_LEAF, vt_path(&R.tr, ni)),
                                a_open(psl, XP_T3_P_LEAF, vt_path(&R.tr, psi)),
                                a_open(pnl, XP_T3_P_LEAF, vt_path(&R.tr, pni)),
                                a_open(out, olen, vt_path(&R.tr, idx)), aword_u((uint64_t)k),
                                abytes(exp, expected_len(r, want, XP_T3_M_LEAF)), aword_u((uint64_t)want)));
        }
        g_end(&g);
        weights_tree_free(&wt);
    }
}

/* update. Styles of a group: 0, scale and shift any int32; 1, scale 0 (y = shift: x + y chosen
 * exactly around the activations' special values and beyond int32); 2, scale 1.0 and shift 0
 * (the messages' sum rounded, ties included); 3, small. */
static void gen_update(void)
{
    for (int gi = 0; gi < RAND_GROUPS; gi++) {
        int style = gi % 4, l = (int)below(XP_CG_NCONV);
        xp_cg_conv *cv = &M->conv[l];
        for (int c = 0; c < XP_CG_F; c++) {
            cv->bn_scale[c] = style == 0 ? i32v() : style == 1 ? 0 : style == 2 ? 65536 : (int32_t)smag(17);
            cv->bn_shift[c] = style == 0 || style == 1 ? i32v() : style == 2 ? 0 : (int32_t)smag(20);
        }
        rtree wt;
        weights_tree(&wt);
        group g;
        g_begin(&g, K_UPDATE, 0, F_COMPUTE);
        add_weights(&g, &wt, xp_wl_layer_index(l, XP_WK_NORM));
        for (int r = 0; r < GROUP_RECORDS; r++) {
            rec R;
            uint64_t n = pick_n(), i = pick_i(n);
            rec_begin(&R, n);
            int32_t x[XP_CG_F], out32[XP_CG_F];
            int64_t msg[XP_CG_NBR][XP_CG_F];
            int ms = (int)below(3);
            for (int c = 0; c < XP_CG_F; c++) {
                x[c] = i32v();
                if (style == 1 && below(2)) {
                    /* x + shift at a special value (or beyond int32 when x cannot reach it) */
                    int64_t want = special_q16();
                    if (below(6) == 0)
                        want = (rnd() & 1 ? 1 : -1) * ((int64_t)1 << 32);
                    int64_t xv = want - cv->bn_shift[c];
                    x[c] = clamp32(xv);
                }
                int64_t s = 0;
                for (int k = 0; k < XP_CG_NBR; k++) {
                    msg[k][c] = ms == 0 ? smag(47) : ms == 1 ? smag(59) : smag(30);
                    s += msg[k][c];
                }
                if (ms == 2) {
                    /* the sum at a tie or next to one */
                    const int64_t off[] = {32768, -32768, 32767, -32769, 0};
                    msg[XP_CG_NBR - 1][c] += smag(20) * 65536 + off[below(5)] - s;
                }
            }
            xp_step_update(cv->bn_scale, cv->bn_shift, x, (const int64_t(*)[XP_CG_F])msg, M->spl_tab,
                           out32, NULL);
            uint8_t *xl = salloc(XP_T3_X_LEAF), *exp = salloc(XP_T3_X_LEAF);
            uint8_t *ml[XP_CG_NBR];
            size_t mlen[XP_CG_NBR];
            xp_merkle_proof *mp[XP_CG_NBR];
            xp_t3_leaf_x(l, (uint32_t)i, x, xl);
            xp_t3_leaf_x(l + 1, (uint32_t)i, out32, exp);
            size_t olen;
            int want;
            const uint8_t *out = commit_out(exp, XP_T3_X_LEAF, &olen, &want);
            uint64_t xi = xp_t3_x(&R.t, l, i), idx = xp_t3_x(&R.t, l + 1, i);
            tr_leaf(&R, xi, xl, XP_T3_X_LEAF);
            for (int k = 0; k < XP_CG_NBR; k++) {
                ml[k] = salloc(XP_T3_M_LEAF);
                mlen[k] = XP_T3_M_LEAF;
                xp_t3_leaf_m(l, (uint32_t)i, k, msg[k], ml[k]);
                vt_put(&R.tr, xp_t3_m(&R.t, l, i, k), ml[k], XP_T3_M_LEAF);
            }
            tr_leaf(&R, idx, out, olen);
            vt_close(&R.st);
            vt_close(&R.tr);
            for (int k = 0; k < XP_CG_NBR; k++)
                mp[k] = vt_path(&R.tr, xp_t3_m(&R.t, l, i, k));
            g_record(&g, atuple(9, aword_u(0), a_roots(R.st.root, wt.root, R.tr.root), aword_u(idx),
                                a_open(R.cell, XP_QC_CELL_LEAF, vt_path(&R.st, 0)),
                                a_open(xl, XP_T3_X_LEAF, vt_path(&R.tr, xi)),
                                a_openings(XP_CG_NBR, ml, mlen, mp),
                                a_open(out, olen, vt_path(&R.tr, idx)), abytes(exp, expected_len(r, want, XP_T3_X_LEAF)),
                                aword_u((uint64_t)want)));
        }
        g_end(&g);
        weights_tree_free(&wt);
    }
}

/* sum: every level of pooling trees of up to 10^6 atoms (five levels), last nodes with fewer
 * children, and children whose sum is int64's end exactly. */
static void gen_sum(void)
{
    group g;
    g_begin(&g, K_SUM, 0, F_COMPUTE);
    for (int r = 0; r < RAND_GROUPS * GROUP_RECORDS; r++) {
        rec R;
        uint64_t n = below(3) == 0 ? (uint64_t)span(1, 64) : pick_n();
        rec_begin(&R, n);
        int h = 1 + (int)below((uint64_t)R.t.levels);
        uint64_t t = below(2) ? R.t.count[h] - 1 : below(R.t.count[h]);
        uint64_t nb = h == 1 ? n : R.t.count[h - 1];
        uint64_t first = XP_T3_FANIN * t, end = first + XP_T3_FANIN < nb ? first + XP_T3_FANIN : nb;
        size_t nc = (size_t)(end - first);
        int32_t x32[XP_T3_FANIN][XP_CG_F];
        int64_t s64[XP_T3_FANIN][XP_CG_F], sum[XP_CG_F];
        int vs = (int)below(4);
        for (int c = 0; c < XP_CG_F; c++) {
            int64_t lim = rnd() & 1 ? INT64_MAX : INT64_MIN;
            for (size_t u = 0; u < nc; u++) {
                x32[u][c] = vs == 0 ? (lim > 0 ? INT32_MAX : INT32_MIN) : i32v();
                s64[u][c] = vs == 0 ? lim / (int64_t)nc : vs == 1 ? smag(59) : smag(40);
            }
            if (vs == 0) /* the remainder on the first child: the children sum to int64's end */
                s64[0][c] += lim % (int64_t)nc;
        }
        xp_step_sum(h == 1 ? (const int32_t(*)[XP_CG_F])x32 : NULL,
                    h == 1 ? NULL : (const int64_t(*)[XP_CG_F])s64, nc, sum);
        uint8_t *cl[XP_T3_FANIN];
        size_t clen[XP_T3_FANIN];
        xp_merkle_proof *cp[XP_T3_FANIN];
        uint64_t ci[XP_T3_FANIN];
        for (size_t u = 0; u < nc; u++) {
            if (h == 1) {
                cl[u] = salloc(XP_T3_X_LEAF);
                clen[u] = xp_t3_leaf_x(XP_CG_NCONV, (uint32_t)(first + u), x32[u], cl[u]);
                ci[u] = xp_t3_x(&R.t, XP_CG_NCONV, first + u);
            } else {
                cl[u] = salloc(XP_T3_SUM_LEAF);
                clen[u] = xp_t3_leaf_sum(h - 1, (uint32_t)(first + u), s64[u], cl[u]);
                ci[u] = xp_t3_sum(&R.t, h - 1, first + u);
            }
            vt_put(&R.tr, ci[u], cl[u], clen[u]);
        }
        uint8_t *exp = salloc(XP_T3_SUM_LEAF);
        xp_t3_leaf_sum(h, (uint32_t)t, sum, exp);
        size_t olen;
        int want;
        const uint8_t *out = commit_out(exp, XP_T3_SUM_LEAF, &olen, &want);
        uint64_t idx = xp_t3_sum(&R.t, h, t);
        tr_leaf(&R, idx, out, olen);
        vt_close(&R.st);
        vt_close(&R.tr);
        for (size_t u = 0; u < nc; u++)
            cp[u] = vt_path(&R.tr, ci[u]);
        g_record(&g, atuple(10, aword_u(0), a_roots(R.st.root, R.st.root, R.tr.root), aword_u(idx),
                            a_open(R.cell, XP_QC_CELL_LEAF, vt_path(&R.st, 0)),
                            a_openings(nc, cl, clen, cp), a_open(out, olen, vt_path(&R.tr, idx)),
                            aword_u((uint64_t)h), aword_u(t), abytes(exp, expected_len(r, want, XP_T3_SUM_LEAF)),
                            aword_u((uint64_t)want)));
    }
    g_end(&g);
}

/* mean: sums of n int32 values of any size, rounded half up (negative ones included). */
static void gen_mean(void)
{
    group g;
    g_begin(&g, K_MEAN, 0, F_COMPUTE);
    for (int r = 0; r < RAND_GROUPS * GROUP_RECORDS; r++) {
        rec R;
        uint64_t n = pick_n();
        rec_begin(&R, n);
        int64_t s[XP_CG_F];
        int32_t pool[XP_CG_F];
        for (int c = 0; c < XP_CG_F; c++) {
            for (;;) {
                /* n v + e: the mean of n values near v; e at the rounding's edges too */
                int64_t v = i32v(), nn = (int64_t)n;
                int64_t e = below(3) ? span(-nn, nn) : (below(2) ? nn / 2 : -(nn / 2) - 1);
                s[c] = nn * v + e;
                /* take it when the mean fits int32 (a sum of n int32 values always does) */
                __int128 m = (__int128)2 * s[c] + nn, d = 2 * (__int128)nn;
                __int128 f = m / d - ((m % d) && m < 0);
                if (f >= INT32_MIN && f <= INT32_MAX)
                    break;
            }
        }
        xp_step_mean(s, n, pool);
        uint8_t *top = salloc(XP_T3_SUM_LEAF), *exp = salloc(XP_T3_POOL_LEAF);
        xp_t3_leaf_sum(R.t.levels, 0, s, top);
        xp_t3_leaf_pool(pool, exp);
        size_t olen;
        int want;
        const uint8_t *out = commit_out(exp, XP_T3_POOL_LEAF, &olen, &want);
        uint64_t ti = xp_t3_sum(&R.t, R.t.levels, 0), idx = R.t.pool;
        tr_leaf(&R, ti, top, XP_T3_SUM_LEAF);
        tr_leaf(&R, idx, out, olen);
        vt_close(&R.st);
        vt_close(&R.tr);
        g_record(&g, atuple(8, aword_u(0), a_roots(R.st.root, R.st.root, R.tr.root), aword_u(idx),
                            a_open(R.cell, XP_QC_CELL_LEAF, vt_path(&R.st, 0)),
                            a_open(top, XP_T3_SUM_LEAF, vt_path(&R.tr, ti)),
                            a_open(out, olen, vt_path(&R.tr, idx)), abytes(exp, expected_len(r, want, XP_T3_POOL_LEAF)),
                            aword_u((uint64_t)want)));
    }
    g_end(&g);
}

/* head. Styles of a group: 0, weights as the model allows, biases and normaliser any int32;
 * 1, small weights; 2, the largest weights. */
static void gen_head(void)
{
    for (int gi = 0; gi < RAND_GROUPS; gi++) {
        int style = gi % 3;
        int sgn = rnd() & 1 ? 1 : -1;
        for (int o = 0; o < XP_CG_H; o++) {
            for (int c = 0; c < XP_CG_F; c++)
                M->fc_w[o][c] = style == 0 ? w24() : style == 1 ? (int32_t)smag(14) : sgn * ((1 << 24) - 1);
            M->fc_b[o] = style == 1 ? (int32_t)smag(18) : i32v();
            M->out_w[o] = style == 0 ? w24() : style == 1 ? (int32_t)smag(14) : -sgn * ((1 << 24) - 1);
        }
        M->out_b = style == 1 ? (int32_t)smag(18) : i32v();
        M->norm_mean = style == 1 ? (int32_t)smag(18) : i32v();
        M->norm_std = style == 1 ? (int32_t)smag(18) : i32v();
        rtree wt;
        weights_tree(&wt);
        group g;
        g_begin(&g, K_HEAD, 0, F_COMPUTE);
        add_weights(&g, &wt, XP_WL_HEAD_INDEX);
        for (int r = 0; r < GROUP_RECORDS; r++) {
            rec R;
            uint64_t n = pick_n();
            rec_begin(&R, n);
            int32_t pool[XP_CG_F], oq, vq;
            for (int c = 0; c < XP_CG_F; c++)
                pool[c] = below(3) ? clamp32(special_q16()) : i32v();
            xp_step_head(M, pool, &oq, &vq, NULL, NULL);
            uint8_t *pl = salloc(XP_T3_POOL_LEAF), *exp = salloc(XP_T3_OUT_LEAF);
            xp_t3_leaf_pool(pool, pl);
            xp_t3_leaf_out(oq, vq, exp);
            size_t olen;
            int want;
            const uint8_t *out = commit_out(exp, XP_T3_OUT_LEAF, &olen, &want);
            uint64_t pi = R.t.pool, idx = R.t.out;
            tr_leaf(&R, pi, pl, XP_T3_POOL_LEAF);
            tr_leaf(&R, idx, out, olen);
            vt_close(&R.st);
            vt_close(&R.tr);
            g_record(&g, atuple(8, aword_u(0), a_roots(R.st.root, wt.root, R.tr.root), aword_u(idx),
                                a_open(R.cell, XP_QC_CELL_LEAF, vt_path(&R.st, 0)),
                                a_open(pl, XP_T3_POOL_LEAF, vt_path(&R.tr, pi)),
                                a_open(out, olen, vt_path(&R.tr, idx)), abytes(exp, expected_len(r, want, XP_T3_OUT_LEAF)),
                                aword_u((uint64_t)want)));
        }
        g_end(&g);
        weights_tree_free(&wt);
    }
}

/* ---- nbr: crystals, their neighbour lists, altered lists and witnesses --------------------- */

/* A candidate neighbour (j, o) of atom i and its D in two halves. */
typedef struct cand {
    uint64_t hi, lo;
    uint32_t j;
    int32_t o[3];
} cand;

static int cand_cmp(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->o[k] != b->o[k])
            return a->o[k] < b->o[k] ? -1 : 1;
    return 0;
}

/* Every candidate of atom i with |o_k| <= R[k] (xp_qc_distance2 decides), sorted by key: the
 * witnesses are taken from these (the first one not in a list is the nearest left out). */
static cand *candidates(const xp_qcrystal *q, size_t i, const int R[3], size_t *count)
{
    size_t cap = 64, n = 0;
    cand *c = malloc(cap * sizeof *c);
    for (size_t j = 0; j < q->n; j++)
        for (int a = -R[0]; a <= R[0]; a++)
            for (int b = -R[1]; b <= R[1]; b++)
                for (int d = -R[2]; d <= R[2]; d++) {
                    cand x = {.j = (uint32_t)j, .o = {a, b, d}};
                    if (!xp_qc_distance2(q, i, j, x.o, &x.hi, &x.lo))
                        continue;
                    if (n == cap)
                        c = realloc(c, (cap *= 2) * sizeof *c);
                    c[n++] = x;
                }
    qsort(c, n, sizeof *c, cand_cmp);
    *count = n;
    return c;
}

/* Image ranges that hold every point within 8 Å: 8 Å over each plane spacing, plus one. */
static void image_ranges(const xp_qcrystal *q, int R[3])
{
    double L[3][3];
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++)
            L[k][c] = ldexp((double)q->lat[k][c], -32);
    for (int k = 0; k < 3; k++) {
        const double *u = L[(k + 1) % 3], *v = L[(k + 2) % 3];
        double x[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
        double area = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
        double vol = fabs(L[k][0] * x[0] + L[k][1] * x[1] + L[k][2] * x[2]);
        R[k] = (int)ceil(8.0 / (vol / area)) + 1;
    }
}

static int in_list(const uint8_t *leaf, unsigned count, const cand *c)
{
    for (unsigned k = 0; k < count && k < XP_CG_NBR; k++) {
        const uint8_t *e = leaf + 6 + 20 * k;
        uint32_t j = rd_be32(e);
        int32_t o[3];
        for (int a = 0; a < 3; a++) {
            const uint8_t *p = e + 4 + 4 * a;
            o[a] = (int32_t)(rd_be32(p));
        }
        if (j == c->j && !memcmp(o, c->o, sizeof o))
            return 1;
    }
    return 0;
}

static void put_entry(uint8_t *leaf, int k, uint32_t j, const int32_t o[3], int32_t dq)
{
    uint8_t *e = leaf + 6 + 20 * k;
    put_be32(e, j);
    for (int a = 0; a < 3; a++)
        put_be32(e + 4 + 4 * a, (uint32_t)o[a]);
    put_be32(e + 16, (uint32_t)dq);
}

/* One nbr record: the list `leaf` of atom i, checked with the witness (if has_w); `compare` asks
 * the test to call the check directly too (StepHarness), besides the verifier. */
static av *nbr_record(const xp_qcrystal *q, rtree *st, const uint8_t wroot[32], uint64_t i,
                      const uint8_t *leaf, int has_w, uint32_t wj, const int32_t wo[3], int compare,
                      int *want)
{
    xp_error err = {0};
    xp_t3_layout t;
    if (xp_t3_layout_make(q->n, &t, &err))
        DIE("%s", err.msg);
    vtree tr;
    vt_init(&tr, t.size);
    uint8_t *nl = salloc(XP_T3_NBR_LEAF);
    memcpy(nl, leaf, XP_T3_NBR_LEAF);
    vt_put(&tr, i, nl, XP_T3_NBR_LEAF);
    vt_close(&tr);
    *want = xp_step_nbr_check(q, (uint32_t)i, nl, has_w, wj, wo, NULL, 0);
    uint8_t *cell = salloc(XP_QC_CELL_LEAF), *ai = salloc(XP_QC_ATOM_LEAF);
    xp_qcrystal_cell_leaf(q, cell);
    xp_qcrystal_atom_leaf(q, i, ai);
    /* the entries' atoms (count <= 12): atom j, or atom 0 for an entry that names no atom */
    unsigned count = nl[5];
    size_t ne = count <= XP_CG_NBR ? count : 0;
    uint8_t *el[XP_CG_NBR];
    size_t elen[XP_CG_NBR];
    xp_merkle_proof *ep[XP_CG_NBR];
    for (size_t k = 0; k < ne; k++) {
        const uint8_t *e = nl + 6 + 20 * k;
        uint32_t j = rd_be32(e);
        if (j >= q->n)
            j = 0;
        el[k] = salloc(XP_QC_ATOM_LEAF);
        elen[k] = XP_QC_ATOM_LEAF;
        xp_qcrystal_atom_leaf(q, j, el[k]);
        ep[k] = rt_path(st, 1 + j);
    }
    av *wa;
    if (has_w && wj < q->n) {
        uint8_t *a = salloc(XP_QC_ATOM_LEAF);
        xp_qcrystal_atom_leaf(q, wj, a);
        wa = a_open(a, XP_QC_ATOM_LEAF, rt_path(st, 1 + wj));
    } else {
        wa = a_open(NULL, 0, NULL);
    }
    av *wit = atuple(3, aword_u((uint64_t)has_w), aword_u(wj),
                     atuple(3, aword_i(has_w ? wo[0] : 0), aword_i(has_w ? wo[1] : 0),
                            aword_i(has_w ? wo[2] : 0)));
    return atuple(11, aword_u(0), a_roots(st->root, wroot, tr.root), aword_u(i),
                  a_open(cell, XP_QC_CELL_LEAF, rt_path(st, 0)),
                  a_open(ai, XP_QC_ATOM_LEAF, rt_path(st, 1 + i)),
                  a_open(nl, XP_T3_NBR_LEAF, vt_path(&tr, i)), a_openings(ne, el, elen, ep), wit, wa,
                  aword_u((uint64_t)(compare || !*want)), aword_u((uint64_t)*want));
}

/* The structure tree of a committed crystal. */
static void structure_tree(const xp_qcrystal *q, rtree *st)
{
    uint8_t(*lh)[32], root[32];
    xp_error err = {0};
    if (xp_qcrystal_leaf_hashes(q, &lh, root, &err))
        DIE("%s", err.msg);
    rt_build(st, lh, q->n + 1);
    if (memcmp(root, st->root, 32))
        DIE("xp_qcrystal_leaf_hashes's root differs from its leaves' tree");
}

/* A random crystal of 1 to 5 atoms in a cell of 2.5 to 6 Å edges, skewed. */
static int random_crystal(xp_qcrystal *q, xp_graph *g)
{
    size_t n = 1 + (size_t)below(5);
    memset(q, 0, sizeof *q);
    q->n = n;
    q->pos = malloc(n * sizeof *q->pos);
    q->z = malloc(n);
    double L[3][3] = {{0}};
    for (int k = 0; k < 3; k++) {
        for (int c = 0; c < 3; c++)
            L[k][c] = (double)span(-1000, 1000) / 1000.0;
        L[k][k] = 2.5 + (double)below(3500) / 1000.0;
    }
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++)
            q->lat[k][c] = (int64_t)floor(ldexp(L[k][c], 32) + 0.5);
    for (size_t i = 0; i < n; i++) {
        double f[3] = {below(1000) / 1000.0, below(1000) / 1000.0, below(1000) / 1000.0};
        q->z[i] = (uint8_t)(1 + below(XP_CG_ELEMENTS));
        for (int c = 0; c < 3; c++)
            q->pos[i][c] = (int64_t)floor(ldexp(f[0] * L[0][c] + f[1] * L[1][c] + f[2] * L[2][c], 32) + 0.5);
        if (below(6) == 0 && i > 0) /* sometimes an image of another atom: exact distance ties */
            memcpy(q->pos[i], q->pos[below(i)], sizeof q->pos[i]);
    }
    xp_error err = {0};
    if (xp_featurize_q(q, g, &err)) {
        xp_qcrystal_free(q);
        return -1;
    }
    return 0;
}

static void gen_nbr(void)
{
    group g;
    g_begin(&g, K_NBR, 0, F_COMPUTE);
    uint8_t wroot[32] = {0};
    long made = 0;
    while (made < (long)RAND_GROUPS * GROUP_RECORDS) {
        xp_qcrystal q;
        xp_graph gr;
        if (random_crystal(&q, &gr))
            continue;
        rtree st;
        structure_tree(&q, &st);
        int R[3];
        image_ranges(&q, R);
        for (size_t i = 0; i < q.n && made < (long)RAND_GROUPS * GROUP_RECORDS; i++) {
            size_t nc;
            cand *c = candidates(&q, i, R, &nc);
            uint8_t ok[XP_T3_NBR_LEAF];
            xp_t3_leaf_nbr(&gr, (uint32_t)i, ok);
            unsigned count = gr.count[i];
            /* the nearest candidate not in the list (none when the list is complete and short) */
            const cand *next = NULL;
            for (size_t k = 0; k < nc && !next; k++)
                if (!in_list(ok, count, &c[k]))
                    next = &c[k];
            for (int m = 0; m < 8; m++, made++) {
                uint8_t leaf[XP_T3_NBR_LEAF];
                memcpy(leaf, ok, sizeof leaf);
                int has_w = 0;
                uint32_t wj = 0;
                int32_t wo[3] = {0, 0, 0};
                int kind = (int)below(14);
                int k = count ? (int)below(count) : 0;
                const uint8_t *e = ok + 6 + 20 * k;
                switch (kind) {
                case 0: /* the right list, no witness */
                    break;
                case 1: /* the right list, the nearest left out as witness */
                case 2:
                    if (next) {
                        has_w = 1;
                        wj = next->j;
                        memcpy(wo, next->o, sizeof wo);
                    }
                    break;
                case 3: /* a witness that is an entry, or no candidate, or anything */
                    has_w = 1;
                    if (count && below(2)) {
                        wj = rd_be32(e);
                        for (int a = 0; a < 3; a++)
                            wo[a] = (int32_t)rd_be32(e + 4 + 4 * a);
                    } else {
                        wj = (uint32_t)below(q.n + 2);
                        for (int a = 0; a < 3; a++)
                            wo[a] = (int32_t)span(-R[a] - 1, R[a] + 1);
                    }
                    break;
                case 4: /* the last entry dropped (a valid shorter list), maybe shown by a witness */
                    if (count) {
                        const uint8_t *last = ok + 6 + 20 * (count - 1);
                        const int32_t zero[3] = {0, 0, 0};
                        if (below(3)) {
                            has_w = 1;
                            wj = rd_be32(last);
                            for (int a = 0; a < 3; a++)
                                wo[a] = (int32_t)rd_be32(last + 4 + 4 * a);
                        }
                        put_entry(leaf, (int)count - 1, 0, zero, XP_FEAT_PAD_DIST);
                        leaf[5] = (uint8_t)(count - 1);
                    }
                    break;
                case 5: /* the last entry replaced by the next candidate, maybe shown by a witness */
                    if (count && next) {
                        const uint8_t *last = ok + 6 + 20 * (count - 1);
                        if (below(3)) {
                            has_w = 1;
                            wj = rd_be32(last);
                            for (int a = 0; a < 3; a++)
                                wo[a] = (int32_t)rd_be32(last + 4 + 4 * a);
                        }
                        put_entry(leaf, (int)count - 1, next->j, next->o, xp_qc_dq(next->hi, next->lo));
                    }
                    break;
                case 6: /* a wrong count */
                    leaf[5] = below(2) ? (uint8_t)(count + 1 + below(3)) : (uint8_t)(13 + below(243));
                    break;
                case 7: /* a distance one off */
                    if (count)
                        put_be32(leaf + 6 + 20 * k + 16,
                                 (uint32_t)((int32_t)rd_be32(e + 16) + (below(2) ? 1 : -1)));
                    break;
                case 8: /* another atom, or one that does not exist */
                    if (count)
                        put_be32(leaf + 6 + 20 * k, below(2) ? (uint32_t)below(q.n) : (uint32_t)(q.n + below(4)));
                    break;
                case 9: /* another image */
                    if (count) {
                        int a = (int)below(3);
                        uint8_t *p = leaf + 6 + 20 * k + 4 + 4 * a;
                        int32_t v = (int32_t)(rd_be32(p));
                        put_be32(p, (uint32_t)(v + (below(2) ? 1 : -1)));
                    }
                    break;
                case 10: /* two entries swapped, or one twice */
                    if (count > 1) {
                        int k2 = (int)below(count);
                        memcpy(leaf + 6 + 20 * k, ok + 6 + 20 * k2, 20);
                        if (below(2))
                            memcpy(leaf + 6 + 20 * k2, ok + 6 + 20 * k, 20);
                    }
                    break;
                case 11: /* a padding entry not the padding */
                    if (count < XP_CG_NBR) {
                        int p = (int)count + (int)below(XP_CG_NBR - count);
                        leaf[6 + 20 * p + below(20)] ^= (uint8_t)(1u << below(8));
                    }
                    break;
                case 12: /* the tag or the atom index */
                    leaf[below(5)] ^= (uint8_t)(1u << below(8));
                    break;
                default: /* any bit of the list */
                    leaf[6 + below(XP_T3_NBR_LEAF - 6)] ^= (uint8_t)(1u << below(8));
                }
                int want;
                g_record(&g, nbr_record(&q, &st, wroot, i, leaf, has_w, wj, wo, made % 16 == 0, &want));
            }
            free(c);
        }
        rt_free(&st);
        free(st.lh);
        xp_graph_free(&gr);
        xp_qcrystal_free(&q);
    }
    g_end(&g);
}

/* ---- dev structures: every step of a real trace ------------------------------------------- */

static int vasp(const struct dirent *d)
{
    return strstr(d->d_name, ".vasp") != NULL;
}

/* Every step check of one structure with one model, each a record of its kind's group (with
 * `sample`, the edge checks of every eighth atom only). */
static void dev_structure(const xp_model *m, const xp_qcrystal *q, const xp_graph *gr,
                          unsigned flags, int sample)
{
    xp_error err = {0};
    size_t n = q->n;
    xp_t3_sink sk;
    uint8_t troot[32];
    int32_t *X = malloc((size_t)5 * n * XP_CG_F * sizeof *X);
    if (!X || xp_t3_reference(m, gr, &sk, X, troot, &err))
        DIE("the reference trace: %s", err.msg);
    const xp_t3_layout *t = &sk.t;
    rtree st, wt, tt;
    structure_tree(q, &st);
    {
        uint8_t(*lh)[32] = malloc(XP_WL_COUNT * 32), root[32];
        xp_weights_tree(m, lh, root);
        rt_build(&wt, lh, XP_WL_COUNT);
        if (memcmp(root, wt.root, 32) || memcmp(root, m->weights_root, 32))
            DIE("the weights tree's root is not the model's");
    }
    rt_build(&tt, sk.lh, t->size);
    if (memcmp(tt.root, troot, 32))
        DIE("the trace tree's root is not xp_t3_reference's");
    if (dev_set == G_FUZZ) {
        /* every leaf hash of the three trees: the fuzz tests rebuild them with a leaf changed */
        reset();
        const uint8_t(*sets[3])[32] = {(const uint8_t(*)[32])st.lh, (const uint8_t(*)[32])wt.lh,
                                       (const uint8_t(*)[32])tt.lh};
        uint64_t sizes[3] = {st.n, wt.n, tt.n};
        av *arr[3];
        for (int k = 0; k < 3; k++) {
            arr[k] = alist(A_ARRAY, sizes[k]);
            for (uint64_t i = 0; i < sizes[k]; i++)
                arr[k]->kid[i] = aword_h(sets[k][i]);
        }
        blob b = aencode(atuple(3, arr[0], arr[1], arr[2]));
        write_file("fuzz-trees.bin", &b);
        free(b.p);
        reset();
    }
    int comp = (flags & F_COMPUTE) != 0;
    uint8_t cell[XP_QC_CELL_LEAF];
    xp_qcrystal_cell_leaf(q, cell);
#define ROOTS a_roots(st.root, wt.root, tt.root)
#define CELL a_open(cell, XP_QC_CELL_LEAF, rt_path(&st, 0))
#define EXPECT(p, len) abytes((p), comp ? (len) : 0)
    /* a trace leaf of ours must be the reference's */
#define CHECK_LEAF(p, len, idx)                                                                    \
    do {                                                                                           \
        uint8_t h_[32];                                                                            \
        xp_merkle_leaf_hash((p), (len), h_);                                                       \
        if (memcmp(h_, sk.lh[(idx)], 32))                                                          \
            DIE("trace leaf %llu recomputed differs from the reference's", (unsigned long long)(idx)); \
    } while (0)

    group g;
    /* nbr, with the nearest candidate left out as the witness (or, for a short list, none) */
    int R[3];
    image_ranges(q, R);
    g_begin(&g, K_NBR, dev_set, flags);
    for (size_t i = 0; i < n; i++) {
        uint8_t leaf[XP_T3_NBR_LEAF];
        xp_t3_leaf_nbr(gr, (uint32_t)i, leaf);
        CHECK_LEAF(leaf, XP_T3_NBR_LEAF, i);
        size_t nc;
        cand *c = candidates(q, i, R, &nc);
        const cand *next = NULL;
        for (size_t k = 0; k < nc && !next; k++)
            if (!in_list(leaf, gr->count[i], &c[k]))
                next = &c[k];
        int want;
        const int32_t far[3] = {R[0] + 9, 0, 0};
        av *r = next ? nbr_record(q, &st, wt.root, i, leaf, 1, next->j, next->o, 0, &want)
                     : nbr_record(q, &st, wt.root, i, leaf, 1, 0, far, 0, &want);
        if (!want)
            DIE("the nbr check refuses a reference list");
        /* the record's trace tree is a filler tree: use the real one instead */
        r->kid[1] = ROOTS;
        uint8_t *nl = salloc(XP_T3_NBR_LEAF);
        memcpy(nl, leaf, sizeof leaf);
        r->kid[5] = a_open(nl, XP_T3_NBR_LEAF, rt_path(&tt, i));
        g_record(&g, r);
        free(c);
    }
    g_end(&g);

    /* embed */
    g_begin(&g, K_EMBED, dev_set, flags);
    for (int z = 1; z <= XP_CG_ELEMENTS; z++) {
        size_t len = xp_weights_leaf(m, xp_wl_emb_index(z), wleaf);
        g_weights(&g, wleaf, len, rt_path(&wt, xp_wl_emb_index(z)));
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t *atom = salloc(XP_QC_ATOM_LEAF), *x = salloc(XP_T3_X_LEAF);
        xp_qcrystal_atom_leaf(q, i, atom);
        xp_t3_leaf_x(0, (uint32_t)i, X + i * XP_CG_F, x);
        uint64_t idx = xp_t3_x(t, 0, i);
        CHECK_LEAF(x, XP_T3_X_LEAF, idx);
        g_record(&g, atuple(8, aword_u((uint64_t)q->z[i] - 1), ROOTS, aword_u(idx), CELL,
                            a_open(atom, XP_QC_ATOM_LEAF, rt_path(&st, 1 + i)),
                            a_open(x, XP_T3_X_LEAF, rt_path(&tt, idx)), EXPECT(x, XP_T3_X_LEAF),
                            aword_u(1)));
    }
    g_end(&g);

    /* self and pair */
    int64_t(*ab)[2][XP_CG_F2] = malloc((size_t)XP_CG_NCONV * n * sizeof *ab);
    for (int pair = 0; pair < 2; pair++) {
        g_begin(&g, pair ? K_PAIR : K_SELF, dev_set, flags);
        for (int l = 0; l < XP_CG_NCONV; l++) {
            size_t len = xp_weights_leaf(m, xp_wl_layer_index(l, pair), wleaf);
            g_weights(&g, wleaf, len, rt_path(&wt, xp_wl_layer_index(l, pair)));
        }
        for (int l = 0; l < XP_CG_NCONV; l++)
            for (size_t i = 0; i < n; i++) {
                int64_t *p = ab[(size_t)l * n + i][pair];
                const int32_t *x = X + ((size_t)l * n + i) * XP_CG_F;
                xp_step_proj(&m->conv[l].w[0][pair * XP_CG_F], XP_CG_IN, x, p);
                uint8_t *xl = salloc(XP_T3_X_LEAF), *pl = salloc(XP_T3_P_LEAF);
                xp_t3_leaf_x(l, (uint32_t)i, x, xl);
                xp_t3_leaf_p(pair, l, (uint32_t)i, p, pl);
                uint64_t xi = xp_t3_x(t, l, i), idx = xp_t3_p(t, pair, l, i);
                CHECK_LEAF(pl, XP_T3_P_LEAF, idx);
                g_record(&g, atuple(8, aword_u((uint64_t)l), ROOTS, aword_u(idx), CELL,
                                    a_open(xl, XP_T3_X_LEAF, rt_path(&tt, xi)),
                                    a_open(pl, XP_T3_P_LEAF, rt_path(&tt, idx)),
                                    EXPECT(pl, XP_T3_P_LEAF), aword_u(1)));
            }
        g_end(&g);
    }

    /* edge, then update (which reads the twelve messages) */
    group gu;
    g_begin(&g, K_EDGE, dev_set, flags);
    g_begin(&gu, K_UPDATE, dev_set, flags);
    for (int l = 0; l < XP_CG_NCONV; l++) {
        size_t len = xp_weights_leaf(m, xp_wl_layer_index(l, XP_WK_EDGE), wleaf);
        g_weights(&g, wleaf, len, rt_path(&wt, xp_wl_layer_index(l, XP_WK_EDGE)));
        len = xp_weights_leaf(m, xp_wl_layer_index(l, XP_WK_NORM), wleaf);
        g_weights(&gu, wleaf, len, rt_path(&wt, xp_wl_layer_index(l, XP_WK_NORM)));
    }
    for (int l = 0; l < XP_CG_NCONV; l++) {
        const xp_cg_conv *cv = &m->conv[l];
        for (size_t i = 0; i < n; i++) {
            int64_t msg[XP_CG_NBR][XP_CG_F];
            for (int k = 0; k < XP_CG_NBR; k++) {
                size_t e = i * XP_CG_NBR + (size_t)k, j = (size_t)gr->nbr[e];
                xp_step_edge(cv->b, &cv->w[0][2 * XP_CG_F], XP_CG_IN, ab[(size_t)l * n + i][0],
                             ab[(size_t)l * n + j][1], gr->dist[e], m->sig_tab, m->spl_tab, msg[k],
                             NULL);
                uint8_t *nl = salloc(XP_T3_NBR_LEAF), *psl = salloc(XP_T3_P_LEAF),
                        *pnl = salloc(XP_T3_P_LEAF), *ml = salloc(XP_T3_M_LEAF);
                xp_t3_leaf_nbr(gr, (uint32_t)i, nl);
                xp_t3_leaf_p(0, l, (uint32_t)i, ab[(size_t)l * n + i][0], psl);
                xp_t3_leaf_p(1, l, (uint32_t)j, ab[(size_t)l * n + j][1], pnl);
                xp_t3_leaf_m(l, (uint32_t)i, k, msg[k], ml);
                uint64_t idx = xp_t3_m(t, l, i, k);
                CHECK_LEAF(ml, XP_T3_M_LEAF, idx);
                if (sample && i % 8) {
                    reset();
                    continue;
                }
                g_record(&g, atuple(11, aword_u((uint64_t)l), ROOTS, aword_u(idx), CELL,
                                    a_open(nl, XP_T3_NBR_LEAF, rt_path(&tt, i)),
                                    a_open(psl, XP_T3_P_LEAF, rt_path(&tt, xp_t3_p(t, 0, l, i))),
                                    a_open(pnl, XP_T3_P_LEAF, rt_path(&tt, xp_t3_p(t, 1, l, j))),
                                    a_open(ml, XP_T3_M_LEAF, rt_path(&tt, idx)), aword_u((uint64_t)k),
                                    EXPECT(ml, XP_T3_M_LEAF), aword_u(1)));
            }
            uint8_t *xl = salloc(XP_T3_X_LEAF), *xn = salloc(XP_T3_X_LEAF);
            uint8_t *ml[XP_CG_NBR];
            size_t mlen[XP_CG_NBR];
            xp_merkle_proof *mp[XP_CG_NBR];
            for (int k = 0; k < XP_CG_NBR; k++) {
                ml[k] = salloc(XP_T3_M_LEAF);
                mlen[k] = xp_t3_leaf_m(l, (uint32_t)i, k, msg[k], ml[k]);
                mp[k] = rt_path(&tt, xp_t3_m(t, l, i, k));
            }
            int32_t out[XP_CG_F];
            xp_step_update(cv->bn_scale, cv->bn_shift, X + ((size_t)l * n + i) * XP_CG_F,
                           (const int64_t(*)[XP_CG_F])msg, m->spl_tab, out, NULL);
            xp_t3_leaf_x(l, (uint32_t)i, X + ((size_t)l * n + i) * XP_CG_F, xl);
            xp_t3_leaf_x(l + 1, (uint32_t)i, out, xn);
            uint64_t idx = xp_t3_x(t, l + 1, i);
            CHECK_LEAF(xn, XP_T3_X_LEAF, idx);
            g_record(&gu, atuple(9, aword_u((uint64_t)l), ROOTS, aword_u(idx), CELL,
                                 a_open(xl, XP_T3_X_LEAF, rt_path(&tt, xp_t3_x(t, l, i))),
                                 a_openings(XP_CG_NBR, ml, mlen, mp),
                                 a_open(xn, XP_T3_X_LEAF, rt_path(&tt, idx)),
                                 EXPECT(xn, XP_T3_X_LEAF), aword_u(1)));
        }
    }
    g_end(&g);
    g_end(&gu);
    free(ab);

    /* sum, level by level */
    g_begin(&g, K_SUM, dev_set, flags);
    int64_t(*cur)[XP_CG_F] = malloc(t->count[1] * sizeof *cur), (*nxt)[XP_CG_F] = malloc(t->count[1] * sizeof *nxt);
    const int32_t *x4 = X + (size_t)XP_CG_NCONV * n * XP_CG_F;
    uint64_t nb = n;
    for (int h = 1; h <= t->levels; h++) {
        for (uint64_t u = 0; u < t->count[h]; u++) {
            uint64_t a = u * XP_T3_FANIN, b = a + XP_T3_FANIN < nb ? a + XP_T3_FANIN : nb;
            size_t nc = (size_t)(b - a);
            if (h == 1)
                xp_step_sum((const int32_t(*)[XP_CG_F])x4 + a, NULL, nc, nxt[u]);
            else
                xp_step_sum(NULL, (const int64_t(*)[XP_CG_F])cur + a, nc, nxt[u]);
            uint8_t *cl[XP_T3_FANIN];
            size_t clen[XP_T3_FANIN];
            xp_merkle_proof *cp[XP_T3_FANIN];
            for (size_t v = 0; v < nc; v++) {
                cl[v] = salloc(XP_T3_SUM_LEAF);
                if (h == 1) {
                    clen[v] = xp_t3_leaf_x(XP_CG_NCONV, (uint32_t)(a + v), x4 + (a + v) * XP_CG_F, cl[v]);
                    cp[v] = rt_path(&tt, xp_t3_x(t, XP_CG_NCONV, a + v));
                } else {
                    clen[v] = xp_t3_leaf_sum(h - 1, (uint32_t)(a + v), cur[a + v], cl[v]);
                    cp[v] = rt_path(&tt, xp_t3_sum(t, h - 1, a + v));
                }
            }
            uint8_t *sl = salloc(XP_T3_SUM_LEAF);
            xp_t3_leaf_sum(h, (uint32_t)u, nxt[u], sl);
            uint64_t idx = xp_t3_sum(t, h, u);
            CHECK_LEAF(sl, XP_T3_SUM_LEAF, idx);
            g_record(&g, atuple(10, aword_u(0), ROOTS, aword_u(idx), CELL,
                                a_openings(nc, cl, clen, cp),
                                a_open(sl, XP_T3_SUM_LEAF, rt_path(&tt, idx)), aword_u((uint64_t)h),
                                aword_u(u), EXPECT(sl, XP_T3_SUM_LEAF), aword_u(1)));
        }
        int64_t(*tmp)[XP_CG_F] = cur;
        cur = nxt;
        nxt = tmp;
        nb = t->count[h];
    }
    g_end(&g);

    /* mean and head (their leaves on the stack: g_record resets the scratch memory) */
    int32_t pool[XP_CG_F], oq, vq;
    xp_step_mean(cur[0], n, pool);
    xp_step_head(m, pool, &oq, &vq, NULL, NULL);
    uint8_t top[XP_T3_SUM_LEAF], pl[XP_T3_POOL_LEAF], ol[XP_T3_OUT_LEAF];
    xp_t3_leaf_sum(t->levels, 0, cur[0], top);
    xp_t3_leaf_pool(pool, pl);
    xp_t3_leaf_out(oq, vq, ol);
    CHECK_LEAF(pl, XP_T3_POOL_LEAF, t->pool);
    CHECK_LEAF(ol, XP_T3_OUT_LEAF, t->out);
    g_begin(&g, K_MEAN, dev_set, flags);
    g_record(&g, atuple(8, aword_u(0), ROOTS, aword_u(t->pool), CELL,
                        a_open(top, XP_T3_SUM_LEAF, rt_path(&tt, xp_t3_sum(t, t->levels, 0))),
                        a_open(pl, XP_T3_POOL_LEAF, rt_path(&tt, t->pool)),
                        EXPECT(pl, XP_T3_POOL_LEAF), aword_u(1)));
    g_end(&g);
    g_begin(&g, K_HEAD, dev_set, flags);
    size_t len = xp_weights_leaf(m, XP_WL_HEAD_INDEX, wleaf);
    g_weights(&g, wleaf, len, rt_path(&wt, XP_WL_HEAD_INDEX));
    g_record(&g, atuple(8, aword_u(0), ROOTS, aword_u(t->out), CELL,
                        a_open(pl, XP_T3_POOL_LEAF, rt_path(&tt, t->pool)),
                        a_open(ol, XP_T3_OUT_LEAF, rt_path(&tt, t->out)), EXPECT(ol, XP_T3_OUT_LEAF),
                        aword_u(1)));
    g_end(&g);
#undef ROOTS
#undef CELL
#undef EXPECT
#undef CHECK_LEAF
    free(cur);
    free(nxt);
    free(X);
    rt_free(&st);
    free(st.lh);
    rt_free(&wt);
    free(wt.lh);
    rt_free(&tt);
    xp_t3_sink_free(&sk);
}

/* Every dev structure (all) or a few chosen to cover the layouts: the fewest atoms, the most (48),
 * a two-level pooling tree, and a list shorter than 12 where one exists. The records carry no
 * expected leaves: the verifier's true answer on the reference's leaf is the comparison. */
static void gen_dev(int all)
{
    const char *dir = XP_SHARED_DIR "/data/cgcnn/dev-structures";
    struct dirent **ents;
    int ne = scandir(dir, &ents, vasp, alphasort);
    if (ne < 1)
        DIE("no structures in %s", dir);
    const char *names[2] = {"formation-energy-per-atom", "band-gap"};
    xp_model *models[2];
    for (int k = 0; k < 2; k++) {
        char p[4096];
        xp_error err = {0};
        snprintf(p, sizeof p, "%s/%s.xpm", XP_MODELS_DIR, names[k]);
        if (xp_model_load(p, &models[k], &err))
            DIE("%s", err.msg);
    }
    xp_qcrystal *qs = calloc((size_t)ne, sizeof *qs);
    xp_graph *gs = calloc((size_t)ne, sizeof *gs);
    int pick[4] = {-1, -1, -1, -1};
    for (int f = 0; f < ne; f++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, ents[f]->d_name);
        xp_structure_list l;
        xp_error err = {0};
        if (xp_read_structures(p, NULL, &l, &err) || xp_qcrystal_make(l.items[0], &qs[f], &err) ||
            xp_featurize_q(&qs[f], &gs[f], &err))
            DIE("%s: %s", p, err.msg);
        xp_structure_list_free(&l);
        size_t n = qs[f].n;
        if (pick[0] < 0 || n < qs[pick[0]].n)
            pick[0] = f;
        if (pick[1] < 0 || n > qs[pick[1]].n)
            pick[1] = f;
        if (n > 16 && n <= 32 && pick[2] < 0)
            pick[2] = f;
        if (gs[f].npadded && pick[3] < 0)
            pick[3] = f;
    }
    int nstruct = 0;
    for (int f = 0; f < ne; f++) {
        int chosen = all;
        for (int k = 0; k < 4; k++)
            chosen |= pick[k] == f;
        if (!chosen)
            continue;
        nstruct++;
        for (int k = 0; k < 2; k++)
            dev_structure(models[k], &qs[f], &gs[f], F_GAS, !all && qs[f].n > 16);
        if (!all)
            printf("  dev: %s (%zu atoms%s%s)\n", ents[f]->d_name, qs[f].n,
                   gs[f].npadded ? ", short neighbour lists" : "",
                   qs[f].n > 16 ? ", the edges of every eighth atom" : "");
    }
    printf("  dev structures: %d, both models\n", nstruct);
    if (!all) {
        /* the fuzz tests' structure: the smallest, with the first model, every step */
        dev_set = G_FUZZ;
        dev_structure(models[0], &qs[pick[0]], &gs[pick[0]], F_GAS, 0);
        dev_set = G_DEV;
        printf("  fuzz: %s with %s\n", ents[pick[0]]->d_name, names[0]);
    }
    for (int f = 0; f < ne; f++) {
        xp_graph_free(&gs[f]);
        xp_qcrystal_free(&qs[f]);
        free(ents[f]);
    }
    free(ents);
    free(qs);
    free(gs);
    for (int k = 0; k < 2; k++)
        xp_model_free(models[k]);
}

/* ---- main ------------------------------------------------------------------------------------ */

/* Removes the files of an earlier run (fixed-*, rand-*, dev-*, fuzz-*, manifest.bin). */
static void clean(void)
{
    DIR *d = opendir(outdir);
    if (!d)
        DIE("cannot open %s: %s", outdir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *s = e->d_name;
        size_t len = strlen(s);
        if (len > 4 && !strcmp(s + len - 4, ".bin") &&
            (!strncmp(s, "fixed-", 6) || !strncmp(s, "rand-", 5) || !strncmp(s, "dev-", 4) ||
             !strncmp(s, "fuzz-", 5) ||
             !strcmp(s, "manifest.bin"))) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", outdir, s);
            remove(p);
        }
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    int all = 0;
    uint64_t sd = 20240611;
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "--dev-all"))
            all = 1;
        else if (!strcmp(argv[a], "--seed") && a + 1 < argc)
            sd = strtoull(argv[++a], NULL, 0);
        else
            DIE("unknown option %s", argv[a]);
    }
    if (a + 1 != argc) {
        fprintf(stderr, "usage: gen_step_vectors [--dev-all] [--seed N] DIR\n");
        return 2;
    }
    outdir = argv[a];
    if (mkdir(outdir, 0777) && errno != EEXIST)
        DIE("cannot create %s: %s", outdir, strerror(errno));
    clean();
    seed(sd);
    scr = malloc(capscr);
    M = calloc(1, sizeof *M);
    qpos = calloc(XP_QC_MAX_ATOMS, sizeof *qpos);
    qz = calloc(XP_QC_MAX_ATOMS, 1);
    if (!scr || !M || !qpos || !qz)
        DIE("out of memory");
    xp_model_tables(SIG, SPL);
    memcpy(M->sig_tab, SIG, sizeof SIG);
    memcpy(M->spl_tab, SPL, sizeof SPL);
    printf("gen_step_vectors: %s into %s\n", all ? "every dev structure" : "vectors", outdir);
    if (!all) {
        void (*gen[])(void) = {gen_fixed, gen_nbr,    gen_embed,  gen_self, gen_pair,
                               gen_edge,  gen_update, gen_sum,    gen_mean, gen_head};
        for (size_t k = 0; k < sizeof gen / sizeof gen[0]; k++)
            gen[k]();
    }
    gen_dev(all);
    /* the manifest: how many files and records of each kind */
    reset();
    av *t = alist(A_TUPLE, 4 * NKIND);
    for (int k = 0; k < NKIND; k++) {
        t->kid[k] = aword_u((uint64_t)nfiles[0][k]);
        t->kid[NKIND + k] = aword_u((uint64_t)nfiles[1][k]);
        t->kid[2 * NKIND + k] = aword_u((uint64_t)nrecords[0][k]);
        t->kid[3 * NKIND + k] = aword_u((uint64_t)nrecords[1][k]);
    }
    blob mf = aencode(t);
    write_file("manifest.bin", &mf);
    free(mf.p);
    for (int k = 0; k < NKIND; k++)
        printf("  %-7s random %6ld, dev %6ld\n", KIND_NAME[k], nrecords[0][k], nrecords[1][k]);
    free(scr);
    free(M);
    free(qpos);
    free(qz);
    return 0;
}
