/* The on-chain side of a step opening (docs/contracts.md, "Step verifiers"; the dispute game's
 * rules): the calldata of the StepVerifier function that checks an opening, the trace index of
 * each step and the step of each index, and the continuation rule (which trace inputs of a checked
 * step the claim moves to, which become the challenger's candidates). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/prover.h"
#include "xtalproof/steps.h"

#define ROOTS "(bytes32,bytes32,bytes32)"
#define OPENING "(bytes,bytes32[])"
#define OPENINGS "(bytes[],bytes32[][])"
#define WITNESS "(bool,uint32,int32[3])"

static const char *const SIGNATURES[] = {
    [XP_STEP_NBR] = "verifyNbr(" ROOTS ",uint256," OPENING "," OPENING "," OPENING "," OPENINGS
                    "," WITNESS "," OPENING ")",
    [XP_STEP_EMBED] = "verifyEmbed(" ROOTS ",uint256," OPENING "," OPENING "," OPENING
                      "," OPENING ")",
    [XP_STEP_SELF] = "verifyProjection(" ROOTS ",uint256," OPENING "," OPENING "," OPENING
                     "," OPENING ")",
    [XP_STEP_PAIR] = "verifyProjection(" ROOTS ",uint256," OPENING "," OPENING "," OPENING
                     "," OPENING ")",
    [XP_STEP_EDGE] = "verifyEdge(" ROOTS ",uint256," OPENING "," OPENING "," OPENING "," OPENING
                     "," OPENING "," OPENING ")",
    [XP_STEP_UPDATE] = "verifyUpdate(" ROOTS ",uint256," OPENING "," OPENING "," OPENINGS
                       "," OPENING "," OPENING ")",
    [XP_STEP_SUM] = "verifySum(" ROOTS ",uint256," OPENING "," OPENINGS "," OPENING ")",
    [XP_STEP_MEAN] = "verifyMean(" ROOTS ",uint256," OPENING "," OPENING "," OPENING ")",
    [XP_STEP_HEAD] = "verifyHead(" ROOTS ",uint256," OPENING "," OPENING "," OPENING
                     "," OPENING ")",
};

const char *xp_step_call_signature(xp_step_kind k)
{
    return k >= 0 && k <= XP_STEP_HEAD ? SIGNATURES[k] : NULL;
}

/* ---- JSON values for the ABI encoder ------------------------------------------------------- */

static json_t *hex_json(const uint8_t *b, size_t len)
{
    char *s = malloc(2 * len + 3);
    if (!s)
        return NULL;
    json_t *j = json_string(xp_hex_encode(b, len, s, 1));
    free(s);
    return j;
}

static json_t *path_json(const xp_merkle_proof *p)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < p->len; k++)
        if (json_array_append_new(a, hex_json(p->hash[k], 32))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* (bytes leaf, bytes32[] path); an absent leaf is the empty opening */
static json_t *opening_json(const xp_opened_leaf *lf)
{
    static const xp_merkle_proof none = {0};
    return json_pack("[oo]", lf ? hex_json(lf->bytes, lf->len) : json_string("0x"),
                     path_json(lf ? &lf->path : &none));
}

/* (bytes[] leaves, bytes32[][] paths) */
static json_t *openings_json(const xp_opened_leaf *const *lf, size_t n)
{
    json_t *leaves = json_array(), *paths = json_array();
    int bad = !leaves || !paths;
    for (size_t k = 0; !bad && k < n; k++)
        bad = json_array_append_new(leaves, hex_json(lf[k]->bytes, lf[k]->len)) ||
              json_array_append_new(paths, path_json(&lf[k]->path));
    if (bad) {
        json_decref(leaves);
        json_decref(paths);
        return NULL;
    }
    return json_pack("[oo]", leaves, paths);
}

static json_t *dec_json(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%llu", (unsigned long long)v);
    return json_string(s);
}

static json_t *sdec_json(int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%lld", (long long)v);
    return json_string(s);
}

/* ---- the opening's leaves by tree and tag ---------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The nth input of a tree and tag (NULL: none). */
static const xp_opened_leaf *input(const xp_step_opening *o, int tree, int tag, size_t nth)
{
    for (size_t k = 0; k < o->ninputs; k++)
        if (o->inputs[k].tree == tree && o->inputs[k].len > 0 && o->inputs[k].bytes[0] == tag &&
            nth-- == 0)
            return &o->inputs[k];
    return NULL;
}

/* The structure tree's leaf of atom j among the inputs (NULL: not opened). */
static const xp_opened_leaf *atom_leaf(const xp_step_opening *o, uint32_t j)
{
    const xp_opened_leaf *a;
    for (size_t k = 0; (a = input(o, XP_TREE_STRUCTURE, XP_QC_ATOM_TAG, k)); k++)
        if (a->len == XP_QC_ATOM_LEAF && rd32(a->bytes + 1) == j)
            return a;
    return NULL;
}

/* The arguments after (roots, index), in the verifier's order, as leaves; NULL stands for an
 * opening the caller adds (nbr's entry atoms and witness). */
static int step_args(const xp_step_opening *o, const xp_opened_leaf **arg, size_t *narg,
                     const xp_opened_leaf **many, size_t *nmany, xp_error *err)
{
    const xp_step_id *s = &o->step;
    const char *what = xp_step_kind_name(s->kind);
    size_t n = 0, m = 0;
    const xp_opened_leaf *cell = input(o, XP_TREE_STRUCTURE, XP_QC_CELL_TAG, 0), *a, *b, *c, *d;
    if (!cell)
        return xp_error_set(err, XP_EINVAL, "the %s opening has no cell leaf", what);
    arg[n++] = cell;
    switch (s->kind) {
    case XP_STEP_NBR:
        if (!(a = atom_leaf(o, s->atom)))
            return xp_error_set(err, XP_EINVAL, "the nbr opening has no leaf of atom %u", s->atom);
        arg[n++] = a;
        arg[n++] = &o->output;
        break;
    case XP_STEP_EMBED:
        a = atom_leaf(o, s->atom);
        b = input(o, XP_TREE_WEIGHTS, XP_WL_EMB_TAG, 0);
        if (!a || !b)
            return xp_error_set(err, XP_EINVAL, "the embed opening lacks the atom or embedding");
        arg[n++] = a;
        arg[n++] = b;
        break;
    case XP_STEP_SELF:
    case XP_STEP_PAIR:
        a = input(o, XP_TREE_TRACE, XP_T3_X_TAG, 0);
        b = input(o, XP_TREE_WEIGHTS, s->kind == XP_STEP_PAIR ? XP_WL_PAIR_TAG : XP_WL_SELF_TAG, 0);
        if (!a || !b)
            return xp_error_set(err, XP_EINVAL, "the %s opening lacks X or its weights", what);
        arg[n++] = a;
        arg[n++] = b;
        break;
    case XP_STEP_EDGE:
        a = input(o, XP_TREE_TRACE, XP_T3_NBR_TAG, 0);
        b = input(o, XP_TREE_TRACE, XP_T3_PS_TAG, 0);
        c = input(o, XP_TREE_TRACE, XP_T3_PN_TAG, 0);
        d = input(o, XP_TREE_WEIGHTS, XP_WL_EDGE_TAG, 0);
        if (!a || !b || !c || !d)
            return xp_error_set(err, XP_EINVAL, "the edge opening lacks NBR, PS, PN or weights");
        arg[n++] = a;
        arg[n++] = b;
        arg[n++] = c;
        arg[n++] = d;
        break;
    case XP_STEP_UPDATE:
        a = input(o, XP_TREE_TRACE, XP_T3_X_TAG, 0);
        b = input(o, XP_TREE_WEIGHTS, XP_WL_NORM_TAG, 0);
        for (; (c = input(o, XP_TREE_TRACE, XP_T3_M_TAG, m)); m++)
            many[m] = c;
        if (!a || !b || m != XP_CG_NBR)
            return xp_error_set(err, XP_EINVAL, "the update opening lacks X, 12 messages or norm");
        arg[n++] = a;
        arg[n++] = NULL; /* the messages */
        arg[n++] = b;
        break;
    case XP_STEP_SUM:
        for (size_t k = 0; k < o->ninputs; k++)
            if (o->inputs[k].tree == XP_TREE_TRACE)
                many[m++] = &o->inputs[k];
        if (m == 0)
            return xp_error_set(err, XP_EINVAL, "the sum opening has no children");
        arg[n++] = NULL; /* the children */
        break;
    case XP_STEP_MEAN:
        if (!(a = input(o, XP_TREE_TRACE, XP_T3_SUM_TAG, 0)))
            return xp_error_set(err, XP_EINVAL, "the mean opening lacks the top SUM node");
        arg[n++] = a;
        break;
    case XP_STEP_HEAD:
        a = input(o, XP_TREE_TRACE, XP_T3_POOL_TAG, 0);
        b = input(o, XP_TREE_WEIGHTS, XP_WL_HEAD_TAG, 0);
        if (!a || !b)
            return xp_error_set(err, XP_EINVAL, "the head opening lacks POOL or the head weights");
        arg[n++] = a;
        arg[n++] = b;
        break;
    default:
        return xp_error_set(err, XP_EINVAL, "unknown step kind %d", (int)s->kind);
    }
    if (s->kind != XP_STEP_NBR)
        arg[n++] = &o->output;
    *narg = n;
    *nmany = m;
    return XP_OK;
}

/* verifyNbr's entryAtoms: one atom leaf per entry k < count, in entry order. An entry naming no
 * opened atom (j >= n: the list is wrong and the check ends there) gets atom i's leaf. */
static int nbr_entries(const xp_step_opening *o, const xp_opened_leaf **many, size_t *nmany,
                       xp_error *err)
{
    const uint8_t *b = o->output.bytes;
    if (o->output.len != XP_T3_NBR_LEAF || b[0] != XP_T3_NBR_TAG)
        return xp_error_set(err, XP_EINVAL, "the nbr opening's output is not a neighbour list");
    unsigned count = b[5] > XP_CG_NBR ? XP_CG_NBR : b[5];
    const xp_opened_leaf *self = atom_leaf(o, o->step.atom);
    for (unsigned k = 0; k < count; k++) {
        uint32_t j = rd32(b + 6 + 20 * k);
        const xp_opened_leaf *a = atom_leaf(o, j);
        if (!a && j < o->atoms)
            return xp_error_set(err, XP_EINVAL, "atom %u, entry %u of the list, is not opened", j,
                                k);
        many[k] = a ? a : self;
    }
    *nmany = count;
    return XP_OK;
}

static json_t *witness_json(const xp_nbr_witness *w)
{
    if (!w || !w->present)
        return json_pack("[bs[sss]]", 0, "0", "0", "0", "0");
    return json_pack("[bo[ooo]]", 1, dec_json(w->j), sdec_json(w->o[0]), sdec_json(w->o[1]),
                     sdec_json(w->o[2]));
}

int xp_step_call(const xp_step_opening *o, const xp_nbr_witness *wit, uint8_t **call,
                 size_t *len, xp_error *err)
{
    *call = NULL;
    *len = 0;
    const char *sig = xp_step_call_signature(o->step.kind);
    if (!sig)
        return xp_error_set(err, XP_EINVAL, "unknown step kind %d", (int)o->step.kind);
    if (wit && wit->present && o->step.kind != XP_STEP_NBR)
        return xp_error_set(err, XP_EINVAL, "a witness goes with an nbr step only");
    const xp_opened_leaf *arg[8], *many[XP_STEP_MAX_INPUTS];
    size_t narg = 0, nmany = 0;
    int rc = step_args(o, arg, &narg, many, &nmany, err);
    if (!rc && o->step.kind == XP_STEP_NBR)
        rc = nbr_entries(o, many, &nmany, err);
    if (rc)
        return rc;
    json_t *args = json_array();
    int bad = !args ||
              json_array_append_new(args, json_pack("[ooo]", hex_json(o->structure_root, 32),
                                                    hex_json(o->weights_root, 32),
                                                    hex_json(o->trace_root, 32))) ||
              json_array_append_new(args, dec_json(o->output.index));
    for (size_t k = 0; !bad && k < narg; k++)
        bad = json_array_append_new(args, arg[k] ? opening_json(arg[k]) : openings_json(many, nmany));
    if (!bad && o->step.kind == XP_STEP_NBR)
        bad = json_array_append_new(args, openings_json(many, nmany)) ||
              json_array_append_new(args, witness_json(wit)) ||
              json_array_append_new(args, opening_json(wit && wit->present ? wit->atom : NULL));
    if (bad) {
        json_decref(args);
        return xp_error_set(err, XP_ENOMEM, "out of memory for a step call");
    }
    rc = xp_abi_encode_call(sig, args, call, len, err);
    json_decref(args);
    return rc;
}

/* ---- trace indices and steps ------------------------------------------------------------------ */

int xp_step_output_index(uint32_t atoms, const xp_step_id *id, uint64_t *index, xp_error *err)
{
    xp_t3_layout t;
    int rc = xp_t3_layout_make(atoms, &t, err);
    if (rc)
        return rc;
    int atom_step = id->kind <= XP_STEP_UPDATE, l = id->layer;
    if (atom_step && id->atom >= atoms)
        return xp_error_set(err, XP_EINVAL, "atom %u is out of range: the trace has %u", id->atom,
                            atoms);
    if ((id->kind == XP_STEP_SELF || id->kind == XP_STEP_PAIR || id->kind == XP_STEP_EDGE ||
         id->kind == XP_STEP_UPDATE) &&
        (l < 0 || l >= XP_CG_NCONV))
        return xp_error_set(err, XP_EINVAL, "layer %d is out of range (0 to %d)", l,
                            XP_CG_NCONV - 1);
    switch (id->kind) {
    case XP_STEP_NBR:
        *index = xp_t3_nbr(&t, id->atom);
        return XP_OK;
    case XP_STEP_EMBED:
        *index = xp_t3_x(&t, 0, id->atom);
        return XP_OK;
    case XP_STEP_SELF:
    case XP_STEP_PAIR:
        *index = xp_t3_p(&t, id->kind == XP_STEP_PAIR, l, id->atom);
        return XP_OK;
    case XP_STEP_EDGE:
        if (id->k < 0 || id->k >= XP_CG_NBR)
            return xp_error_set(err, XP_EINVAL, "neighbour slot %d is out of range (0 to 11)",
                                id->k);
        *index = xp_t3_m(&t, l, id->atom, id->k);
        return XP_OK;
    case XP_STEP_UPDATE:
        *index = xp_t3_x(&t, l + 1, id->atom);
        return XP_OK;
    case XP_STEP_SUM:
        if (l < 1 || l > t.levels || id->atom >= t.count[l])
            return xp_error_set(err, XP_EINVAL, "pooling node (%d, %u) does not exist", l,
                                id->atom);
        *index = xp_t3_sum(&t, l, id->atom);
        return XP_OK;
    case XP_STEP_MEAN:
        *index = t.pool;
        return XP_OK;
    case XP_STEP_HEAD:
        *index = t.out;
        return XP_OK;
    }
    return xp_error_set(err, XP_EINVAL, "unknown step kind %d", (int)id->kind);
}

int xp_step_at_index(uint32_t atoms, uint64_t index, xp_step_id *id, xp_error *err)
{
    xp_t3_layout t;
    int rc = xp_t3_layout_make(atoms, &t, err);
    if (rc)
        return rc;
    memset(id, 0, sizeof *id);
    uint64_t n = t.n;
    if (index >= t.size)
        return xp_error_set(err, XP_EINVAL, "index %llu is beyond the trace of %u atoms (%llu "
                            "leaves)", (unsigned long long)index, atoms, (unsigned long long)t.size);
    if (index < n) {
        id->kind = XP_STEP_NBR;
        id->atom = (uint32_t)index;
    } else if (index < 6 * n) {
        uint64_t l = index / n - 1;
        id->kind = l == 0 ? XP_STEP_EMBED : XP_STEP_UPDATE;
        id->layer = l == 0 ? 0 : (int)l - 1;
        id->atom = (uint32_t)(index % n);
    } else if (index < 14 * n) {
        uint64_t r = index / n - 6;
        id->kind = r % 2 ? XP_STEP_PAIR : XP_STEP_SELF;
        id->layer = (int)(r / 2);
        id->atom = (uint32_t)(index % n);
    } else if (index < 62 * n) {
        uint64_t r = index - 14 * n;
        id->kind = XP_STEP_EDGE;
        id->k = (int)(r % XP_CG_NBR);
        id->layer = (int)(r / XP_CG_NBR / n);
        id->atom = (uint32_t)(r / XP_CG_NBR % n);
    } else if (index < t.pool) {
        id->kind = XP_STEP_SUM;
        for (int h = t.levels; h >= 1; h--)
            if (index >= t.start[h]) {
                id->layer = h;
                id->atom = (uint32_t)(index - t.start[h]);
                break;
            }
    } else {
        id->kind = index == t.pool ? XP_STEP_MEAN : XP_STEP_HEAD;
    }
    return XP_OK;
}

/* ---- the continuation rule -------------------------------------------------------------------- */

static void cont_add(xp_step_cont *c, uint64_t index, int role)
{
    if (role == 1)
        c->move = (int)c->n;
    if (role == 3)
        c->pend = (int)c->n;
    if (role == 2)
        c->cand[c->ncand++] = index;
    c->input[c->n++] = index;
}

int xp_step_continuation(uint32_t atoms, const xp_step_id *id, uint32_t edge_j, xp_step_cont *c,
                         xp_error *err)
{
    memset(c, 0, sizeof *c);
    c->move = -1;
    c->pend = -1;
    uint64_t out;
    xp_t3_layout t;
    int rc = xp_step_output_index(atoms, id, &out, err);
    if (rc || (rc = xp_t3_layout_make(atoms, &t, err)))
        return rc;
    uint32_t i = id->atom;
    int l = id->layer;
    switch (id->kind) {
    case XP_STEP_NBR:
        c->at_nbr = 1;
        break;
    case XP_STEP_EMBED:
        break;
    case XP_STEP_SELF:
    case XP_STEP_PAIR:
        cont_add(c, xp_t3_x(&t, l, i), 1);
        break;
    case XP_STEP_EDGE:
        if (edge_j >= atoms)
            return xp_error_set(err, XP_EINVAL, "the edge's neighbour %u is not an atom (%u)",
                                edge_j, atoms);
        cont_add(c, xp_t3_nbr(&t, i), 3);            /* opened after PN's chain */
        cont_add(c, xp_t3_p(&t, 0, l, i), 2);         /* the challenger's */
        cont_add(c, xp_t3_p(&t, 1, l, edge_j), 1);    /* the claim moves on */
        break;
    case XP_STEP_UPDATE:
        cont_add(c, xp_t3_x(&t, l, i), 1);
        for (int k = 0; k < XP_CG_NBR; k++)
            cont_add(c, xp_t3_m(&t, l, i, k), 2);
        break;
    case XP_STEP_SUM: {
        uint64_t below = l == 1 ? t.n : t.count[l - 1], u0 = (uint64_t)i * XP_T3_FANIN;
        uint64_t u1 = u0 + XP_T3_FANIN < below ? u0 + XP_T3_FANIN : below;
        for (uint64_t u = u0; u < u1; u++)
            cont_add(c, l == 1 ? xp_t3_x(&t, XP_CG_NCONV, u) : xp_t3_sum(&t, l - 1, u),
                     u1 - u0 == 1 ? 1 : 2);
        break;
    }
    case XP_STEP_MEAN:
        cont_add(c, xp_t3_sum(&t, t.levels, 0), 1);
        break;
    case XP_STEP_HEAD:
        cont_add(c, t.pool, 1);
        break;
    }
    c->ends_turn = c->move < 0;
    return XP_OK;
}

/* ---- the witness of a wrong neighbour list ---------------------------------------------------- */

int xp_nbr_left_out(const uint8_t *honest, const uint8_t *opened, uint32_t *j, int32_t o[3])
{
    unsigned hc = honest[5] > XP_CG_NBR ? XP_CG_NBR : honest[5];
    unsigned dc = opened[5] > XP_CG_NBR ? XP_CG_NBR : opened[5];
    for (unsigned k = 0; k < hc; k++) {
        const uint8_t *e = honest + 6 + 20 * k;
        int found = 0;
        for (unsigned q = 0; q < dc && !found; q++)
            found = !memcmp(e, opened + 6 + 20 * q, 16); /* j and the offset */
        if (!found) {
            *j = rd32(e);
            for (int c = 0; c < 3; c++)
                o[c] = (int32_t)rd32(e + 4 + 4 * c);
            return 1;
        }
    }
    return 0;
}
