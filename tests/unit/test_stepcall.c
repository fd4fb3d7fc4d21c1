/* The StepVerifier calldata of step openings (prover/stepcall.c), checked without the project's
 * ABI code: selectors against keccak of signatures written here (and against the first bytes
 * computed by js-sha3 from the same text), each call decoded back by a small decoder of its own
 * (offsets, lengths, padding) and compared with the opening's leaves and paths in the argument
 * order of docs/contracts.md; the trace index of each step and the continuation rule against
 * indices worked out by hand from docs/formats.md "Leaf order". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "xtalproof/keccak.h"
#include "xtalproof/merkle.h"
#include "xtalproof/model.h"
#include "xtalproof/prover.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"

#define DEV XP_SHARED_DIR "/data/cgcnn/dev-structures/"

#define R "(bytes32,bytes32,bytes32)"
#define O "(bytes,bytes32[])"
#define OS "(bytes[],bytes32[][])"
/* the signatures as docs/contracts.md "Interface" declares them, and the first four bytes of
 * their keccak as js-sha3 computes them */
static const struct {
    xp_step_kind kind;
    const char *sig;
    uint32_t sel;
} SIGS[] = {
    {XP_STEP_EMBED, "verifyEmbed(" R ",uint256," O "," O "," O "," O ")", 0x8aac050e},
    {XP_STEP_SELF, "verifyProjection(" R ",uint256," O "," O "," O "," O ")", 0x0d4dfde4},
    {XP_STEP_PAIR, "verifyProjection(" R ",uint256," O "," O "," O "," O ")", 0x0d4dfde4},
    {XP_STEP_EDGE, "verifyEdge(" R ",uint256," O "," O "," O "," O "," O "," O ")", 0x6fa753ff},
    {XP_STEP_UPDATE, "verifyUpdate(" R ",uint256," O "," O "," OS "," O "," O ")", 0xa5bd27be},
    {XP_STEP_SUM, "verifySum(" R ",uint256," O "," OS "," O ")", 0xe0d9760b},
    {XP_STEP_MEAN, "verifyMean(" R ",uint256," O "," O "," O ")", 0x18ebb5b0},
    {XP_STEP_HEAD, "verifyHead(" R ",uint256," O "," O "," O "," O ")", 0xa7aaf10c},
    {XP_STEP_NBR,
     "verifyNbr(" R ",uint256," O "," O "," O "," OS ",(bool,uint32,int32[3])," O ")",
     0xe326d77c},
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_selectors(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof SIGS / sizeof *SIGS; k++) {
        uint8_t h[32];
        xp_keccak256(SIGS[k].sig, strlen(SIGS[k].sig), h);
        assert_int_equal(be32(h), SIGS[k].sel);
        assert_string_equal(xp_step_call_signature(SIGS[k].kind), SIGS[k].sig);
    }
    assert_null(xp_step_call_signature((xp_step_kind)42));
}

/* ---- an ABI decoder of its own ------------------------------------------------------------- */

typedef struct dec {
    const uint8_t *a; /* the arguments (after the selector) */
    size_t len;
    size_t end; /* the furthest byte read: the encoding must end there */
} dec;

static const uint8_t *at(dec *d, size_t off, size_t n)
{
    assert_true(off <= d->len && n <= d->len - off);
    if (off + n > d->end)
        d->end = off + n;
    return d->a + off;
}

/* a word holding a small unsigned number */
static size_t word(dec *d, size_t off)
{
    const uint8_t *w = at(d, off, 32);
    for (int k = 0; k < 24; k++)
        assert_int_equal(w[k], 0);
    uint64_t v = 0;
    for (int k = 24; k < 32; k++)
        v = v << 8 | w[k];
    assert_true(v < (1u << 30));
    return (size_t)v;
}

/* bytes at off: length, then the data padded with zeros to a multiple of 32 */
static void expect_bytes(dec *d, size_t off, const uint8_t *b, size_t n)
{
    assert_int_equal(word(d, off), n);
    const uint8_t *p = at(d, off + 32, (n + 31) / 32 * 32);
    assert_memory_equal(p, b, n);
    for (size_t k = n; k < (n + 31) / 32 * 32; k++)
        assert_int_equal(p[k], 0);
}

static void expect_path(dec *d, size_t off, const xp_merkle_proof *p)
{
    assert_int_equal(word(d, off), p->len);
    for (size_t k = 0; k < p->len; k++)
        assert_memory_equal(at(d, off + 32 + 32 * k, 32), p->hash[k], 32);
}

/* (bytes leaf, bytes32[] path) whose offset is in head word `slot` */
static void expect_opening(dec *d, size_t slot, const xp_opened_leaf *lf)
{
    size_t t = word(d, 32 * slot);
    expect_bytes(d, t + word(d, t), lf->bytes, lf->len);
    expect_path(d, t + word(d, t + 32), &lf->path);
}

/* (bytes[] leaves, bytes32[][] paths) */
static void expect_openings(dec *d, size_t slot, const xp_opened_leaf *const *lf, size_t n)
{
    size_t t = word(d, 32 * slot), a = t + word(d, t), p = t + word(d, t + 32);
    assert_int_equal(word(d, a), n);
    assert_int_equal(word(d, p), n);
    for (size_t k = 0; k < n; k++) {
        expect_bytes(d, a + 32 + word(d, a + 32 + 32 * k), lf[k]->bytes, lf[k]->len);
        expect_path(d, p + 32 + word(d, p + 32 + 32 * k), &lf[k]->path);
    }
}

static void expect_word_i64(dec *d, size_t slot, int64_t v)
{
    const uint8_t *w = at(d, 32 * slot, 32);
    uint8_t want[32];
    memset(want, v < 0 ? 0xff : 0, 32);
    for (int k = 0; k < 8; k++)
        want[31 - k] = (uint8_t)((uint64_t)v >> (8 * k));
    assert_memory_equal(w, want, 32);
}

/* ---- the steps of a dev structure -------------------------------------------------------- */

typedef struct fixture {
    xp_model *m;
    char *data;
    size_t len;
} fixture;

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *b = malloc(1 << 20);
    assert_non_null(b);
    *len = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->m = xp_test_model("formation-energy-per-atom");
    f->data = read_file(DEV "spg-orthorhombic-021-2.vasp", &f->len); /* 18 atoms */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    xp_model_free(f->m);
    free(f->data);
    free(f);
    return 0;
}

static void open_step(const fixture *f, xp_step_kind kind, int layer, uint32_t atom, int k,
                      xp_step_opening *o)
{
    xp_step_id id = {kind, layer, atom, k};
    xp_error err = {0};
    if (xp_step_open(f->m, "s.vasp", f->data, f->len, &id, o, &err))
        fail_msg("%s", err.msg);
    char why[256];
    assert_int_equal(xp_step_opening_check(o, o->trace_root, o->structure_root, o->weights_root,
                                           why, sizeof why, &err),
                     0);
}

static const xp_opened_leaf *atom_find(const xp_step_opening *o, uint32_t j)
{
    for (size_t k = 0; k < o->ninputs; k++)
        if (o->inputs[k].tree == XP_TREE_STRUCTURE && o->inputs[k].index == 1 + (uint64_t)j)
            return &o->inputs[k];
    return NULL;
}

static const xp_opened_leaf *atom_of(const xp_step_opening *o, uint32_t j)
{
    const xp_opened_leaf *a = atom_find(o, j);
    if (!a)
        fail_msg("atom %u not opened", j);
    return a;
}

/* Decodes the call's selector, roots and index; returns the decoder of its arguments. */
static dec head_of(const xp_step_opening *o, const uint8_t *call, size_t len)
{
    uint32_t sel = 0;
    for (size_t k = 0; k < sizeof SIGS / sizeof *SIGS; k++)
        if (SIGS[k].kind == o->step.kind)
            sel = SIGS[k].sel;
    assert_true(len > 4);
    assert_int_equal(be32(call), sel);
    dec d = {call + 4, len - 4, 0};
    assert_memory_equal(at(&d, 0, 32), o->structure_root, 32);
    assert_memory_equal(at(&d, 32, 32), o->weights_root, 32);
    assert_memory_equal(at(&d, 64, 32), o->trace_root, 32);
    assert_int_equal(word(&d, 96), o->output.index);
    return d;
}

static void check_call(const fixture *f, xp_step_kind kind, int layer, uint32_t atom, int k)
{
    xp_step_opening o;
    open_step(f, kind, layer, atom, k, &o);
    uint8_t *call = NULL;
    size_t len = 0;
    xp_error err = {0};
    if (xp_step_call(&o, NULL, &call, &len, &err))
        fail_msg("%s", err.msg);
    dec d = head_of(&o, call, len);
    const xp_opened_leaf *in = o.inputs; /* the cell first, then as steps_open.c opens them */
    const xp_opened_leaf *many[16];
    switch (kind) {
    case XP_STEP_EMBED: /* cell, atom, emb, output */
    case XP_STEP_SELF:  /* cell, x, w, output */
    case XP_STEP_PAIR:
    case XP_STEP_HEAD: /* cell, pool, w, output */
        for (int s = 0; s < 3; s++)
            expect_opening(&d, 4 + s, &in[s]);
        expect_opening(&d, 7, &o.output);
        break;
    case XP_STEP_EDGE: /* cell, nbr, ps, pn, w, output */
        for (int s = 0; s < 5; s++)
            expect_opening(&d, 4 + s, &in[s]);
        expect_opening(&d, 9, &o.output);
        break;
    case XP_STEP_UPDATE: /* cell, x, m (12), w, output */
        assert_int_equal(o.ninputs, 15);
        expect_opening(&d, 4, &in[0]);
        expect_opening(&d, 5, &in[1]);
        for (int s = 0; s < 12; s++)
            many[s] = &in[2 + s];
        expect_openings(&d, 6, many, 12);
        expect_opening(&d, 7, &in[14]);
        expect_opening(&d, 8, &o.output);
        break;
    case XP_STEP_SUM: /* cell, children, output */
        for (size_t s = 1; s < o.ninputs; s++)
            many[s - 1] = &in[s];
        expect_opening(&d, 4, &in[0]);
        expect_openings(&d, 5, many, o.ninputs - 1);
        expect_opening(&d, 6, &o.output);
        break;
    case XP_STEP_MEAN: /* cell, top, output */
        expect_opening(&d, 4, &in[0]);
        expect_opening(&d, 5, &in[1]);
        expect_opening(&d, 6, &o.output);
        break;
    default:
        fail_msg("not a kind of this check");
    }
    assert_int_equal(d.end, d.len); /* nothing after the last tail */
    free(call);
    xp_step_opening_free(&o);
}

static void test_calls(void **state)
{
    const fixture *f = *state;
    check_call(f, XP_STEP_EMBED, 0, 5, 0);
    check_call(f, XP_STEP_SELF, 1, 3, 0);
    check_call(f, XP_STEP_PAIR, 2, 17, 0);
    check_call(f, XP_STEP_EDGE, 3, 4, 7);
    check_call(f, XP_STEP_UPDATE, 0, 2, 0);
    check_call(f, XP_STEP_SUM, 1, 0, 0); /* 16 children */
    check_call(f, XP_STEP_SUM, 1, 1, 0); /* 2 */
    check_call(f, XP_STEP_SUM, 2, 0, 0); /* 2 level-1 nodes */
    check_call(f, XP_STEP_MEAN, 0, 0, 0);
    check_call(f, XP_STEP_HEAD, 0, 0, 0);
}

/* nbr: (cell, atom, nbr, entryAtoms, wit (5 words, static), wAtom) */
static void check_nbr(const fixture *f, uint32_t atom, const xp_nbr_witness *w)
{
    xp_step_opening o;
    open_step(f, XP_STEP_NBR, 0, atom, 0, &o);
    uint8_t *call = NULL;
    size_t len = 0;
    xp_error err = {0};
    if (xp_step_call(&o, w, &call, &len, &err))
        fail_msg("%s", err.msg);
    dec d = head_of(&o, call, len);
    expect_opening(&d, 4, &o.inputs[0]);
    expect_opening(&d, 5, atom_of(&o, atom));
    expect_opening(&d, 6, &o.output);
    /* one atom per entry k < count, by the entry's j (formats.md: u32 j at 6 + 20k) */
    const uint8_t *b = o.output.bytes;
    const xp_opened_leaf *many[12];
    assert_true(b[5] >= 1 && b[5] <= 12);
    for (unsigned k = 0; k < b[5]; k++)
        many[k] = atom_of(&o, be32(b + 6 + 20 * k));
    expect_openings(&d, 7, many, b[5]);
    expect_word_i64(&d, 8, w && w->present);
    expect_word_i64(&d, 9, w && w->present ? w->j : 0);
    for (int c = 0; c < 3; c++)
        expect_word_i64(&d, 10 + (size_t)c, w && w->present ? w->o[c] : 0);
    if (w && w->present) {
        expect_opening(&d, 13, w->atom);
    } else { /* the empty opening: no bytes, no path */
        size_t t = word(&d, 32 * 13);
        assert_int_equal(word(&d, t + word(&d, t)), 0);
        assert_int_equal(word(&d, t + word(&d, t + 32)), 0);
    }
    assert_int_equal(d.end, d.len);
    free(call);
    xp_step_opening_free(&o);
}

static void test_nbr_calls(void **state)
{
    const fixture *f = *state;
    check_nbr(f, 0, NULL);
    check_nbr(f, 11, NULL);
    xp_step_opening o;
    open_step(f, XP_STEP_NBR, 0, 4, 0, &o);
    xp_nbr_witness w = {1, 9, {-1, 2, -3}, atom_find(&o, 9)};
    if (!w.atom) /* atom 9 may not be among atom 4's neighbours: then atom 4's own leaf */
        w.atom = atom_of(&o, 4);
    w.j = (uint32_t)(w.atom->index - 1);
    check_nbr(f, 4, &w);
    xp_nbr_witness absent = {0, 7, {5, 5, 5}, NULL}; /* present false: all zero */
    check_nbr(f, 4, &absent);
    /* a witness with another step, and an opening without its cell, are refused */
    xp_step_opening e;
    open_step(f, XP_STEP_EMBED, 0, 1, 0, &e);
    uint8_t *call = NULL;
    size_t len = 0;
    xp_error err = {0};
    assert_int_equal(xp_step_call(&e, &w, &call, &len, &err), XP_EINVAL);
    assert_null(call);
    free(e.inputs[0].bytes);
    e.inputs[0] = e.inputs[--e.ninputs];
    assert_int_equal(xp_step_call(&e, NULL, &call, &len, &err), XP_EINVAL);
    assert_non_null(strstr(err.msg, "cell"));
    xp_step_opening_free(&e);
    xp_step_opening_free(&o);
}

/* ---- trace indices (formats.md "Leaf order", by hand) ------------------------------------- */

static void expect_index(uint32_t n, xp_step_kind kind, int layer, uint32_t atom, int k,
                         uint64_t want)
{
    xp_step_id id = {kind, layer, atom, k}, back;
    uint64_t got = 0;
    xp_error err = {0};
    assert_int_equal(xp_step_output_index(n, &id, &got, &err), 0);
    assert_int_equal(got, want);
    assert_int_equal(xp_step_at_index(n, want, &back, &err), 0);
    assert_int_equal(back.kind, kind);
    assert_int_equal(back.layer, layer);
    assert_int_equal(back.atom, atom);
    assert_int_equal(back.k, k);
}

static void test_indices(void **state)
{
    (void)state;
    /* n = 2: C = 1, N = 127 */
    expect_index(2, XP_STEP_NBR, 0, 1, 0, 1);
    expect_index(2, XP_STEP_EMBED, 0, 1, 0, 3);
    expect_index(2, XP_STEP_UPDATE, 3, 0, 0, 10); /* X[4][0] = 5n */
    expect_index(2, XP_STEP_SELF, 0, 0, 0, 12);
    expect_index(2, XP_STEP_PAIR, 3, 1, 0, 27); /* (7 + 6)·2 + 1 */
    expect_index(2, XP_STEP_EDGE, 1, 0, 5, 57); /* 28 + 12·2 + 5 */
    expect_index(2, XP_STEP_EDGE, 3, 1, 11, 123);
    expect_index(2, XP_STEP_SUM, 1, 0, 0, 124);
    expect_index(2, XP_STEP_MEAN, 0, 0, 0, 125);
    expect_index(2, XP_STEP_HEAD, 0, 0, 0, 126);
    /* n = 40: c1 = 3, c2 = 1, C = 4 */
    expect_index(40, XP_STEP_SUM, 1, 2, 0, 2482);
    expect_index(40, XP_STEP_SUM, 2, 0, 0, 2483);
    expect_index(40, XP_STEP_MEAN, 0, 0, 0, 2484);
    expect_index(40, XP_STEP_HEAD, 0, 0, 0, 2485);
    expect_index(40, XP_STEP_UPDATE, 0, 39, 0, 119);
    /* every index of a trace maps to a step and back */
    xp_error err = {0};
    for (uint64_t i = 0; i < 62 * 300 + 22 + 2; i++) {
        xp_step_id id;
        uint64_t back;
        assert_int_equal(xp_step_at_index(300, i, &id, &err), 0);
        assert_int_equal(xp_step_output_index(300, &id, &back, &err), 0);
        assert_int_equal(back, i);
    }
    xp_step_id id;
    assert_int_equal(xp_step_at_index(300, 62 * 300 + 22 + 2, &id, &err), XP_EINVAL);
    assert_int_equal(xp_step_at_index(0, 0, &id, &err), XP_EINVAL);
    xp_step_id bad = {XP_STEP_SUM, 2, 0, 0};
    uint64_t v;
    assert_int_equal(xp_step_output_index(16, &bad, &v, &err), XP_EINVAL); /* one level */
    xp_step_id bad2 = {XP_STEP_EDGE, 0, 0, 12};
    assert_int_equal(xp_step_output_index(16, &bad2, &v, &err), XP_EINVAL);
}

/* ---- the continuation rule ----------------------------------------------------------------- */

static void expect_cont(uint32_t n, xp_step_id id, uint32_t j, size_t ninput,
                        const uint64_t *input, int move, size_t ncand, const uint64_t *cand,
                        int ends, int at_nbr)
{
    xp_step_cont c;
    xp_error err = {0};
    assert_int_equal(xp_step_continuation(n, &id, j, &c, &err), 0);
    assert_int_equal(c.n, ninput);
    for (size_t k = 0; k < ninput; k++)
        assert_int_equal(c.input[k], input[k]);
    assert_int_equal(c.move, move);
    assert_int_equal(c.ncand, ncand);
    for (size_t k = 0; k < ncand; k++)
        assert_int_equal(c.cand[k], cand[k]);
    assert_int_equal(c.ends_turn, ends);
    assert_int_equal(c.at_nbr, at_nbr);
}

static void test_continuation(void **state)
{
    (void)state;
    /* n = 40: X[l][i] = (1+l)·40 + i, PS = (6+2l)·40 + i, PN = (7+2l)·40 + i,
     * M = 560 + 12·(40l + i) + k, SUM[1][t] = 2480 + t, SUM[2][0] = 2483, POOL 2484 */
    expect_cont(40, (xp_step_id){XP_STEP_HEAD, 0, 0, 0}, 0, 1, (uint64_t[]){2484}, 0, 0, NULL,
                0, 0);
    expect_cont(40, (xp_step_id){XP_STEP_MEAN, 0, 0, 0}, 0, 1, (uint64_t[]){2483}, 0, 0, NULL,
                0, 0);
    expect_cont(40, (xp_step_id){XP_STEP_SUM, 2, 0, 0}, 0, 3, (uint64_t[]){2480, 2481, 2482},
                -1, 3, (uint64_t[]){2480, 2481, 2482}, 1, 0);
    uint64_t x4[8] = {232, 233, 234, 235, 236, 237, 238, 239}; /* X[4][32..39] */
    expect_cont(40, (xp_step_id){XP_STEP_SUM, 1, 2, 0}, 0, 8, x4, -1, 8, x4, 1, 0);
    expect_cont(40, (xp_step_id){XP_STEP_SELF, 2, 7, 0}, 0, 1, (uint64_t[]){127}, 0, 0, NULL, 0,
                0);
    expect_cont(40, (xp_step_id){XP_STEP_PAIR, 0, 39, 0}, 0, 1, (uint64_t[]){79}, 0, 0, NULL, 0,
                0);
    /* edge (1, 3, 4) with j = 20: NBR[3], PS[1][3] = 323, PN[1][20] = 380: the claim moves to
     * PN (input 2), NBR[3] is pending (input 0), PS the candidate; the turn goes on */
    expect_cont(40, (xp_step_id){XP_STEP_EDGE, 1, 3, 4}, 20, 3, (uint64_t[]){3, 323, 380}, 2, 1,
                (uint64_t[]){323}, 0, 0);
    {
        xp_step_cont e;
        xp_error e0 = {0};
        assert_int_equal(xp_step_continuation(40, &(xp_step_id){XP_STEP_EDGE, 1, 3, 4}, 20, &e, &e0),
                         0);
        assert_int_equal(e.pend, 0);
    }
    /* update of X[2][3] (layer 1): X[1][3] = 83, M[1][3][0..11] = 1076.. */
    uint64_t upd[13] = {83}, m[12];
    for (int k = 0; k < 12; k++)
        upd[1 + k] = m[k] = 1076 + (uint64_t)k;
    expect_cont(40, (xp_step_id){XP_STEP_UPDATE, 1, 3, 0}, 0, 13, upd, 0, 12, m, 0, 0);
    expect_cont(40, (xp_step_id){XP_STEP_EMBED, 0, 3, 0}, 0, 0, NULL, -1, 0, NULL, 1, 0);
    expect_cont(40, (xp_step_id){XP_STEP_NBR, 0, 3, 0}, 0, 0, NULL, -1, 0, NULL, 1, 1);
    /* n = 17: SUM[1][1] has one child, X[4][16] = 101: the claim moves */
    expect_cont(17, (xp_step_id){XP_STEP_SUM, 1, 1, 0}, 0, 1, (uint64_t[]){101}, 0, 0, NULL, 0,
                0);
    /* n = 1: one node, one child X[4][0] = 5 */
    expect_cont(1, (xp_step_id){XP_STEP_SUM, 1, 0, 0}, 0, 1, (uint64_t[]){5}, 0, 0, NULL, 0, 0);
    xp_step_cont c;
    xp_error err = {0};
    assert_int_equal(xp_step_continuation(40, &(xp_step_id){XP_STEP_EDGE, 1, 3, 4}, 40, &c, &err),
                     XP_EINVAL);
}

/* The rule's inputs are the opening's trace inputs, in order (steps_open.c against stepcall.c). */
static void test_continuation_matches_openings(void **state)
{
    const fixture *f = *state;
    static const xp_step_id ids[] = {
        {XP_STEP_HEAD, 0, 0, 0},   {XP_STEP_MEAN, 0, 0, 0},   {XP_STEP_SUM, 2, 0, 0},
        {XP_STEP_SUM, 1, 1, 0},    {XP_STEP_UPDATE, 3, 6, 0}, {XP_STEP_EDGE, 2, 6, 11},
        {XP_STEP_SELF, 0, 17, 0},  {XP_STEP_PAIR, 3, 2, 0},   {XP_STEP_EMBED, 0, 9, 0},
        {XP_STEP_NBR, 0, 9, 0},
    };
    for (size_t s = 0; s < sizeof ids / sizeof *ids; s++) {
        xp_step_opening o;
        open_step(f, ids[s].kind, ids[s].layer, ids[s].atom, ids[s].k, &o);
        uint32_t j = 0;
        if (ids[s].kind == XP_STEP_EDGE)
            j = be32(o.inputs[1].bytes + 6 + 20 * ids[s].k);
        xp_step_cont c;
        xp_error err = {0};
        assert_int_equal(xp_step_continuation(o.atoms, &ids[s], j, &c, &err), 0);
        size_t t = 0;
        for (size_t k = 0; k < o.ninputs; k++)
            if (o.inputs[k].tree == XP_TREE_TRACE) {
                assert_true(t < c.n);
                assert_int_equal(c.input[t++], o.inputs[k].index);
            }
        assert_int_equal(t, c.n);
        uint64_t idx;
        assert_int_equal(xp_step_output_index(o.atoms, &ids[s], &idx, &err), 0);
        assert_int_equal(idx, o.output.index);
        xp_step_opening_free(&o);
    }
}

/* The witness against a list with an entry dropped or replaced: the honest entry it lacks, which
 * the nbr check (steps.h, independent of stepcall.c) accepts as showing the list wrong. */
static void test_nbr_witness(void **state)
{
    const fixture *f = *state;
    xp_step_opening o;
    open_step(f, XP_STEP_NBR, 0, 5, 0, &o);
    const uint8_t *h = o.output.bytes;
    assert_int_equal(h[5], 12);
    uint8_t bad[XP_T3_NBR_LEAF];
    /* entry 3 dropped: the later ones move up, count 11, the last slot padded */
    memcpy(bad, h, sizeof bad);
    memmove(bad + 6 + 20 * 3, h + 6 + 20 * 4, 20 * 8);
    memset(bad + 6 + 20 * 11, 0, 20);
    bad[6 + 20 * 11 + 19] = 0x00, bad[6 + 20 * 11 + 18] = 0x00, bad[6 + 20 * 11 + 17] = 0x09;
    bad[5] = 11;
    uint32_t j = 99;
    int32_t off[3];
    assert_int_equal(xp_nbr_left_out(h, bad, &j, off), 1);
    assert_int_equal(j, be32(h + 6 + 20 * 3));
    for (int c = 0; c < 3; c++)
        assert_int_equal(off[c], (int32_t)be32(h + 6 + 20 * 3 + 4 + 4 * c));
    /* the crystal, for the check */
    xp_structure_list l;
    xp_qcrystal q;
    xp_error err = {0};
    assert_int_equal(xp_read_structures_mem("s.vasp", f->data, f->len, NULL, &l, &err), 0);
    assert_int_equal(xp_qcrystal_make(l.items[0], &q, &err), 0);
    char why[256];
    assert_int_equal(xp_step_nbr_check(&q, 5, bad, 0, 0, NULL, why, sizeof why), 1); /* rules 1-3 */
    assert_int_equal(xp_step_nbr_check(&q, 5, bad, 1, j, off, why, sizeof why), 0);
    /* the right list leaves nothing out */
    assert_int_equal(xp_nbr_left_out(h, h, &j, off), 0);
    assert_int_equal(xp_step_nbr_check(&q, 5, h, 1, j, off, why, sizeof why), 1);
    /* the last entry replaced by a farther atom (its key above): the honest 12th is the witness */
    memcpy(bad, h, sizeof bad);
    memcpy(bad + 6 + 20 * 11, h + 6 + 20 * 11, 20);
    bad[6 + 20 * 11 + 4 + 3] ^= 1; /* another image of the same atom (o0 changed) */
    assert_int_equal(xp_nbr_left_out(h, bad, &j, off), 1);
    assert_int_equal(j, be32(h + 6 + 20 * 11));
    xp_qcrystal_free(&q);
    xp_structure_list_free(&l);
    xp_step_opening_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_indices),
        cmocka_unit_test(test_continuation),
        cmocka_unit_test_setup_teardown(test_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nbr_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_continuation_matches_openings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nbr_witness, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
