/* An in-memory index of registered structures: "is this one already there?" by symhash (exact),
 * then by the matcher against the protohash bucket, then against the rest of the composition
 * bucket. Three open-addressing tables map 32-byte keys to chains of entries. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/keccak.h"
#include "xtalproof/match.h"

#define NONE ((size_t)-1)

typedef struct entry {
    uint8_t symhash[32], protohash[32];
    xp_match_cell cell;
    uint64_t id;
    size_t next_sym, next_proto, next_comp; /* chains of equal keys */
} entry;

typedef struct table {
    size_t cap; /* a power of two */
    size_t used;
    uint8_t (*keys)[32];
    size_t *head; /* NONE: empty slot */
    size_t *len;  /* chain lengths */
} table;

struct xp_xtal_index {
    xp_match_opts opts;
    entry *e;
    size_t n, cap;
    table sym, proto, comp;
};

static uint64_t key_hash(const uint8_t k[32])
{
    uint64_t h = 0;
    memcpy(&h, k, sizeof h); /* the keys are keccak outputs */
    return h;
}

static int table_init(table *t, size_t cap)
{
    t->cap = cap;
    t->used = 0;
    t->keys = malloc(cap * sizeof *t->keys);
    t->head = malloc(cap * sizeof *t->head);
    t->len = calloc(cap, sizeof *t->len);
    if (!t->keys || !t->head || !t->len)
        return -1;
    for (size_t i = 0; i < cap; i++)
        t->head[i] = NONE;
    return 0;
}

static void table_free(table *t)
{
    free(t->keys);
    free(t->head);
    free(t->len);
}

static size_t table_slot(const table *t, const uint8_t k[32])
{
    size_t mask = t->cap - 1, i = (size_t)key_hash(k) & mask;
    while (t->head[i] != NONE && memcmp(t->keys[i], k, 32))
        i = (i + 1) & mask;
    return i;
}

static int table_grow(table *t)
{
    table nt;
    if (table_init(&nt, t->cap * 2)) {
        table_free(&nt);
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->head[i] != NONE) {
            size_t s = table_slot(&nt, t->keys[i]);
            memcpy(nt.keys[s], t->keys[i], 32);
            nt.head[s] = t->head[i];
            nt.len[s] = t->len[i];
            nt.used++;
        }
    table_free(t);
    *t = nt;
    return 0;
}

/* Puts entry idx at the head of the chain of key k; *next gets the previous head. */
static int table_push(table *t, const uint8_t k[32], size_t idx, size_t *next)
{
    if (2 * (t->used + 1) > t->cap && table_grow(t))
        return -1;
    size_t s = table_slot(t, k);
    if (t->head[s] == NONE) {
        memcpy(t->keys[s], k, 32);
        t->used++;
    }
    *next = t->head[s];
    t->head[s] = idx;
    t->len[s]++;
    return 0;
}

static size_t table_get(const table *t, const uint8_t k[32], size_t *len)
{
    size_t s = table_slot(t, k);
    if (len)
        *len = t->head[s] == NONE ? 0 : t->len[s];
    return t->head[s];
}

static void comp_key(const xp_match_cell *c, uint8_t out[32])
{
    xp_keccak256((const uint8_t *)c->formula, strlen(c->formula), out);
}

xp_xtal_index *xp_xtal_index_new(const xp_match_opts *opts)
{
    xp_xtal_index *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    if (opts)
        x->opts = *opts;
    x->opts.best = 0;
    if (table_init(&x->sym, 64) || table_init(&x->proto, 64) || table_init(&x->comp, 64)) {
        xp_xtal_index_free(x);
        return NULL;
    }
    return x;
}

void xp_xtal_index_free(xp_xtal_index *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n; i++)
        xp_match_cell_clear(&x->e[i].cell);
    free(x->e);
    table_free(&x->sym);
    table_free(&x->proto);
    table_free(&x->comp);
    free(x);
}

int xp_xtal_index_add(xp_xtal_index *x, const uint8_t symhash[32], const uint8_t protohash[32],
                      xp_match_cell *cell, uint64_t id, xp_error *err)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 256;
        entry *e = realloc(x->e, cap * sizeof *e);
        if (!e)
            return xp_error_set(err, XP_ENOMEM, "out of memory");
        x->e = e;
        x->cap = cap;
    }
    entry *en = &x->e[x->n];
    memcpy(en->symhash, symhash, 32);
    memcpy(en->protohash, protohash, 32);
    en->id = id;
    uint8_t ck[32];
    comp_key(cell, ck);
    if (table_push(&x->sym, symhash, x->n, &en->next_sym) ||
        table_push(&x->proto, protohash, x->n, &en->next_proto) ||
        table_push(&x->comp, ck, x->n, &en->next_comp))
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    en->cell = *cell;
    memset(cell, 0, sizeof *cell);
    x->n++;
    return 0;
}

int xp_xtal_index_find(xp_xtal_index *x, const uint8_t symhash[32], const uint8_t protohash[32],
                       const xp_match_cell *cell, xp_index_hit *hit, uint64_t *id,
                       xp_match_result *res, size_t *compared, xp_error *err)
{
    *hit = XP_INDEX_NONE;
    if (compared)
        *compared = 0;
    xp_match_result r;
    memset(&r, 0, sizeof r);
    size_t i = table_get(&x->sym, symhash, NULL);
    if (i != NONE) {
        *hit = XP_INDEX_EXACT;
        if (id)
            *id = x->e[i].id;
        r.same = 1;
        r.rms = r.max_dist = r.rms_angstrom = 0;
        r.supercell = 1;
        if (res)
            *res = r;
        return 0;
    }
    /* the prototype's bucket first, then the rest of the composition's: first the entries
     * most likely to match (as many atoms in the primitive cell, volume per atom within 10%),
     * so that a match in a large bucket is found early; a miss still sees every entry */
    double vpa = cell->n ? cell->volume / (double)cell->n : 0;
    for (int pass = 0; pass < 3; pass++) {
        uint8_t ck[32];
        comp_key(cell, ck);
        size_t j = pass == 0 ? table_get(&x->proto, protohash, NULL) : table_get(&x->comp, ck, NULL);
        while (j != NONE) {
            const entry *en = &x->e[j];
            int likely = en->cell.n == cell->n && en->cell.n &&
                         fabs(en->cell.volume / (double)en->cell.n - vpa) <= 0.1 * vpa;
            if (pass == 0 || (memcmp(en->protohash, protohash, 32) && likely == (pass == 1))) {
                int rc = xp_match_cells(cell, &en->cell, &x->opts, &r, err);
                if (rc)
                    return rc;
                if (compared)
                    (*compared)++;
                if (r.same) {
                    *hit = XP_INDEX_MATCH;
                    if (id)
                        *id = en->id;
                    if (res)
                        *res = r;
                    return 0;
                }
            }
            j = pass == 0 ? en->next_proto : en->next_comp;
        }
    }
    return 0;
}

void xp_xtal_index_stats(const xp_xtal_index *x, xp_index_stats *st)
{
    memset(st, 0, sizeof *st);
    st->entries = x->n;
    st->proto_buckets = x->proto.used;
    st->comp_buckets = x->comp.used;
    for (size_t i = 0; i < x->proto.cap; i++)
        if (x->proto.head[i] != NONE && x->proto.len[i] > st->largest_proto_bucket)
            st->largest_proto_bucket = x->proto.len[i];
    for (size_t i = 0; i < x->comp.cap; i++)
        if (x->comp.head[i] != NONE && x->comp.len[i] > st->largest_comp_bucket)
            st->largest_comp_bucket = x->comp.len[i];
}
