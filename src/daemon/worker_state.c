/* The workers' state documents read into their structs and written back (worker_internal.h).
 * Every value is kept as it was written (integers with their 64 bits, strings verbatim, hex and
 * decimal text only in the canonical form the workers write it), so that writing what was read
 * gives the same document. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker_internal.h"
#include "xtalproof/bytes.h"

/* ---- reading values ---------------------------------------------------------------------- */

static int need(const json_t *o, const char *key, const char *where, json_t **v, xp_error *err)
{
    *v = json_object_get(o, key);
    return *v ? 0 : xp_error_set(err, XP_EINVAL, "%s has no \"%s\"", where, key);
}

static int bad_value(const char *where, const char *key, const char *what, xp_error *err)
{
    return xp_error_set(err, XP_EINVAL, "%s: \"%s\" is not %s", where, key, what);
}

/* The keys of o are among keys (NULL-terminated). */
static int only(const json_t *o, const char *const *keys, const char *where, xp_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], k))
            i++;
        if (!keys[i])
            return xp_error_set(err, XP_EINVAL, "%s: unknown key \"%.64s\"", where, k);
    }
    return 0;
}

static int object_at(const json_t *o, const char *key, const char *where, json_t **v, xp_error *err)
{
    if (need(o, key, where, v, err))
        return XP_EINVAL;
    return json_is_object(*v) ? 0 : bad_value(where, key, "an object", err);
}

static int get_i64(const json_t *o, const char *key, const char *where, int64_t *out, xp_error *err)
{
    json_t *v;
    if (need(o, key, where, &v, err))
        return XP_EINVAL;
    if (!json_is_integer(v))
        return bad_value(where, key, "an integer", err);
    *out = (int64_t)json_integer_value(v);
    return 0;
}

/* An unsigned value the workers write as the JSON integer of the same 64 bits. */
static int get_u64(const json_t *o, const char *key, const char *where, uint64_t *out,
                   xp_error *err)
{
    int64_t v = 0;
    int rc = get_i64(o, key, where, &v, err);
    *out = (uint64_t)v;
    return rc;
}

static int get_bool(const json_t *o, const char *key, const char *where, int *out, xp_error *err)
{
    json_t *v;
    if (need(o, key, where, &v, err))
        return XP_EINVAL;
    if (!json_is_boolean(v))
        return bad_value(where, key, "true or false", err);
    *out = json_is_true(v);
    return 0;
}

static int str_fits(const json_t *v, size_t cap)
{
    return json_is_string(v) && json_string_length(v) < cap &&
           strlen(json_string_value(v)) == json_string_length(v);
}

/* A string of fewer than cap bytes (no NUL inside), copied. */
static int get_str(const json_t *o, const char *key, const char *where, char *out, size_t cap,
                   xp_error *err)
{
    json_t *v;
    if (need(o, key, where, &v, err))
        return XP_EINVAL;
    if (!str_fits(v, cap)) {
        char what[48];
        snprintf(what, sizeof what, "a string of at most %zu bytes", cap - 1);
        return bad_value(where, key, what, err);
    }
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* "0x" and 64 lowercase hex digits: the form xp_hex_encode writes. */
static int hex32_text(const char *s, uint8_t out[32])
{
    if (strlen(s) != 66 || s[0] != '0' || s[1] != 'x')
        return XP_EINVAL;
    for (size_t i = 2; i < 66; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return XP_EINVAL;
    return xp_hex_decode_exact(s, out, 32, NULL);
}

static int get_hex32(const json_t *o, const char *key, const char *where, uint8_t out[32],
                     xp_error *err)
{
    char text[67];
    if (get_str(o, key, where, text, sizeof text, err))
        return XP_EINVAL;
    return hex32_text(text, out) ? bad_value(where, key, "0x and 64 lowercase hex digits", err) : 0;
}

/* A u64 as decimal text, in the form "%llu" writes. */
static int get_dec(const json_t *o, const char *key, const char *where, uint64_t *out,
                   xp_error *err)
{
    char text[24], again[24];
    if (get_str(o, key, where, text, sizeof text, err))
        return XP_EINVAL;
    *out = strtoull(text, NULL, 10);
    snprintf(again, sizeof again, "%llu", (unsigned long long)*out);
    if (!text[0] || strspn(text, "0123456789") != strlen(text) || strcmp(text, again))
        return bad_value(where, key, "an unsigned 64-bit integer in decimal", err);
    return 0;
}

static json_t *dec(uint64_t v)
{
    return json_sprintf("%llu", (unsigned long long)v);
}

int xp_utf8_ok(const char *s)
{
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

/* Room for one more element of size `size` in *p (count n, capacity *cap). */
static int grow(void **p, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? 2 * *cap : 8;
    void *q = realloc(*p, c * size);
    if (!q)
        return XP_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

static int oom(xp_error *err)
{
    return xp_error_set(err, XP_ENOMEM, "out of memory");
}

/* The readers above for the chain state's part (worker_state_anchor.c). */
int xp_ws_only(const json_t *o, const char *const *keys, const char *where, xp_error *err)
{
    return only(o, keys, where, err);
}

int xp_ws_get_u64(const json_t *o, const char *key, const char *where, uint64_t *out,
                  xp_error *err)
{
    return get_u64(o, key, where, out, err);
}

int xp_ws_get_str(const json_t *o, const char *key, const char *where, char *out, size_t cap,
                  xp_error *err)
{
    return get_str(o, key, where, out, cap, err);
}

int xp_ws_bad_value(const char *where, const char *key, const char *what, xp_error *err)
{
    return bad_value(where, key, what, err);
}

/* ---- the round watcher's document --------------------------------------------------------- */

static size_t slot_of(uint64_t round, uint64_t t, size_t mask)
{
    uint64_t h = (round + 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL ^ t;
    h = (h ^ (h >> 31)) * 0x94d049bb133111ebULL;
    return (size_t)(h ^ (h >> 29)) & mask;
}

/* The index again with room for twice the targets. */
static int reindex(xp_rounds_state *s)
{
    size_t cap = s->index_cap ? s->index_cap : 64;
    while (cap < 2 * (s->ntargets + 1))
        cap *= 2;
    size_t *ix = calloc(cap, sizeof *ix);
    if (!ix)
        return XP_ENOMEM;
    for (size_t i = 0; i < s->ntargets; i++) {
        size_t j = slot_of(s->targets[i].round, s->targets[i].target, cap - 1);
        while (ix[j])
            j = (j + 1) & (cap - 1);
        ix[j] = i + 1;
    }
    free(s->index);
    s->index = ix;
    s->index_cap = cap;
    return 0;
}

xp_round_target *xp_rounds_state_target(xp_rounds_state *s, uint64_t round, uint64_t t, int add)
{
    size_t mask = s->index_cap - 1, j = s->index_cap ? slot_of(round, t, mask) : 0;
    for (; s->index_cap && s->index[j]; j = (j + 1) & mask) {
        xp_round_target *e = &s->targets[s->index[j] - 1];
        if (e->round == round && e->target == t)
            return e;
    }
    if (!add || grow((void **)&s->targets, s->ntargets, &s->cap, sizeof *s->targets))
        return NULL;
    xp_round_target *e = &s->targets[s->ntargets];
    memset(e, 0, sizeof *e);
    e->round = round;
    e->target = t;
    if (2 * (s->ntargets + 1) > s->index_cap) {
        if (reindex(s))
            return NULL;
        mask = s->index_cap - 1;
        for (j = slot_of(round, t, mask); s->index[j]; j = (j + 1) & mask)
            ;
    }
    s->index[j] = ++s->ntargets;
    return e;
}

static int round_target_read(const char *key, const json_t *v, xp_round_target *t, xp_error *err)
{
    static const char *const keys[] = {"round", "target",   "mine", "revealDeadline",
                                       "done",  "revealed", NULL};
    char where[100], want[48];
    snprintf(where, sizeof where, "targets.\"%.48s\"", key);
    if (!json_is_object(v))
        return xp_error_set(err, XP_EINVAL, "%s is not an object", where);
    if (only(v, keys, where, err) || get_u64(v, "round", where, &t->round, err) ||
        get_u64(v, "target", where, &t->target, err) || get_bool(v, "mine", where, &t->mine, err) ||
        get_u64(v, "revealDeadline", where, &t->reveal_deadline, err) ||
        get_bool(v, "done", where, &t->done, err) ||
        (json_object_get(v, "revealed") && get_bool(v, "revealed", where, &t->revealed, err)))
        return XP_EINVAL;
    snprintf(want, sizeof want, "%llu:%llu", (unsigned long long)t->round,
             (unsigned long long)t->target);
    if (strcmp(key, want))
        return xp_error_set(err, XP_EINVAL, "%s: the key of round %s is \"%s\"", where, want, want);
    return 0;
}

int xp_rounds_state_read(const json_t *doc, xp_rounds_state *s, xp_error *err)
{
    static const char *const keys[] = {"rounds", "cursor", "targets", "withdrawDue", NULL};
    static const char where[] = "the document";
    uint8_t a[20];
    json_t *targets, *v;
    const char *k;
    memset(s, 0, sizeof *s);
    if (!json_is_object(doc))
        return xp_error_set(err, XP_EINVAL, "the document is not an object");
    int rc = only(doc, keys, where, err) ||
                     get_str(doc, "rounds", where, s->rounds, sizeof s->rounds, err) ||
                     get_u64(doc, "cursor", where, &s->cursor, err) ||
                     get_bool(doc, "withdrawDue", where, &s->withdraw_due, err) ||
                     object_at(doc, "targets", where, &targets, err)
                 ? XP_EINVAL
                 : 0;
    if (!rc && xp_address_parse(s->rounds, a, NULL))
        rc = bad_value(where, "rounds", "an address", err);
    json_object_foreach(rc ? NULL : targets, k, v)
    {
        xp_round_target t = {0}, *e;
        if ((rc = round_target_read(k, v, &t, err)))
            break;
        if (!(e = xp_rounds_state_target(s, t.round, t.target, 1))) {
            rc = oom(err);
            break;
        }
        *e = t;
    }
    if (rc)
        xp_rounds_state_free(s);
    return rc;
}

json_t *xp_rounds_state_write(const xp_rounds_state *s)
{
    json_t *targets = json_object();
    for (size_t i = 0; targets && i < s->ntargets; i++) {
        const xp_round_target *t = &s->targets[i];
        char k[48];
        snprintf(k, sizeof k, "%llu:%llu", (unsigned long long)t->round,
                 (unsigned long long)t->target);
        json_t *e = json_pack("{s:I, s:I, s:b, s:I, s:b}", "round", (json_int_t)t->round, "target",
                              (json_int_t)t->target, "mine", t->mine, "revealDeadline",
                              (json_int_t)t->reveal_deadline, "done", t->done);
        if (e && t->revealed && json_object_set_new(e, "revealed", json_true())) {
            json_decref(e);
            e = NULL;
        }
        if (json_object_set_new(targets, k, e)) {
            json_decref(targets);
            targets = NULL;
        }
    }
    return targets ? json_pack("{s:s, s:I, s:o, s:b}", "rounds", s->rounds, "cursor",
                               (json_int_t)s->cursor, "targets", targets, "withdrawDue",
                               s->withdraw_due)
                   : NULL;
}

void xp_rounds_state_free(xp_rounds_state *s)
{
    free(s->targets);
    free(s->index);
    memset(s, 0, sizeof *s);
}

/* ---- the oracle's document ---------------------------------------------------------------- */

int xp_oracle_round_read(const json_t *info, xp_oracle_round *r, const char *where, xp_error *err)
{
    static const char *const keys[] = {"round", "committee",   "property", "start",
                                       "end",   "targetCount", "targets",  NULL};
    json_t *targets, *v;
    size_t i;
    memset(r, 0, sizeof *r);
    if (!json_is_object(info))
        return xp_error_set(err, XP_EINVAL, "%s is not an object", where);
    if (only(info, keys, where, err) || get_u64(info, "round", where, &r->round, err) ||
        get_str(info, "committee", where, r->committee, sizeof r->committee, err) ||
        get_str(info, "property", where, r->property, sizeof r->property, err) ||
        get_u64(info, "start", where, &r->start, err) ||
        get_u64(info, "end", where, &r->end, err) ||
        get_u64(info, "targetCount", where, &r->target_count, err) ||
        need(info, "targets", where, &targets, err))
        return XP_EINVAL;
    if (!json_is_array(targets))
        return bad_value(where, "targets", "an array", err);
    if (json_array_size(targets) && !(r->targets = calloc(json_array_size(targets), 67)))
        return oom(err);
    json_array_foreach(targets, i, v)
    {
        if (!str_fits(v, 67)) {
            xp_oracle_round_free(r);
            return xp_error_set(err, XP_EINVAL, "%s: targets[%zu] is not a symhash", where, i);
        }
        memcpy(r->targets[r->ntargets++], json_string_value(v), json_string_length(v) + 1);
    }
    return 0;
}

static json_t *oracle_round_write(const xp_oracle_round *r)
{
    json_t *t = json_array();
    for (size_t i = 0; t && i < r->ntargets; i++)
        if (json_array_append_new(t, json_string(r->targets[i]))) {
            json_decref(t);
            t = NULL;
        }
    return t ? json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:o}", "round", (json_int_t)r->round,
                         "committee", r->committee, "property", r->property, "start",
                         (json_int_t)r->start, "end", (json_int_t)r->end, "targetCount",
                         (json_int_t)r->target_count, "targets", t)
             : NULL;
}

void xp_oracle_round_free(xp_oracle_round *r)
{
    free(r->targets);
    memset(r, 0, sizeof *r);
}

static int oracle_entry_read(const json_t *v, const char *where, xp_oracle_entry *e, xp_error *err)
{
    static const char *const keys[] = {"symhash",     "property",     "valueQ",     "uncertaintyQ",
                                       "rawDataHash", "facility",     "measuredAt", "value",
                                       "unit",        "propertyName", NULL};
    int64_t vq = 0;
    memset(e, 0, sizeof *e);
    if (!json_is_object(v))
        return xp_error_set(err, XP_EINVAL, "%s is not an object", where);
    if (only(v, keys, where, err) || get_hex32(v, "symhash", where, e->r.symhash, err) ||
        get_hex32(v, "property", where, e->r.property, err) ||
        get_i64(v, "valueQ", where, &vq, err) ||
        get_dec(v, "uncertaintyQ", where, &e->r.uncertainty_q, err) ||
        get_hex32(v, "rawDataHash", where, e->r.raw_data_hash, err) ||
        get_hex32(v, "facility", where, e->r.facility, err) ||
        get_dec(v, "measuredAt", where, &e->r.measured_at, err) ||
        get_str(v, "value", where, e->value, sizeof e->value, err) ||
        get_str(v, "unit", where, e->unit, sizeof e->unit, err) ||
        get_str(v, "propertyName", where, e->property_name, sizeof e->property_name, err))
        return XP_EINVAL;
    e->r.value_q = vq;
    return 0;
}

static json_t *oracle_entry_write(const xp_oracle_entry *e)
{
    char h[4][67];
    return json_pack("{s:s, s:s, s:I, s:o, s:s, s:s, s:o, s:s, s:s, s:s}", "symhash",
                     xp_hex_encode(e->r.symhash, 32, h[0], 1), "property",
                     xp_hex_encode(e->r.property, 32, h[1], 1), "valueQ", (json_int_t)e->r.value_q,
                     "uncertaintyQ", dec(e->r.uncertainty_q), "rawDataHash",
                     xp_hex_encode(e->r.raw_data_hash, 32, h[2], 1), "facility",
                     xp_hex_encode(e->r.facility, 32, h[3], 1), "measuredAt", dec(e->r.measured_at),
                     "value", e->value, "unit", e->unit, "propertyName", e->property_name);
}

static int oracle_file_read(const char *name, const json_t *v, xp_oracle_file *f, xp_error *err)
{
    static const char *const keys[] = {"size", "mtime", "entries", "error", NULL};
    char where[300];
    json_t *entries = json_object_get(v, "entries"), *e;
    size_t i;
    snprintf(where, sizeof where, "files.\"%.255s\"", name);
    memset(f, 0, sizeof *f);
    if (strlen(name) >= sizeof f->name)
        return xp_error_set(err, XP_EINVAL, "%s: a file name of over 255 bytes", where);
    snprintf(f->name, sizeof f->name, "%s", name);
    if (!json_is_object(v))
        return xp_error_set(err, XP_EINVAL, "%s is not an object", where);
    if (only(v, keys, where, err) || get_i64(v, "size", where, &f->size, err) ||
        get_i64(v, "mtime", where, &f->mtime, err))
        return XP_EINVAL;
    f->has_error = json_object_get(v, "error") != NULL;
    if (f->has_error && get_str(v, "error", where, f->error, sizeof f->error, err))
        return XP_EINVAL;
    if (entries && (f->has_error || !json_is_array(entries)))
        return xp_error_set(err, XP_EINVAL, "%s: \"entries\" is not an array without \"error\"",
                            where);
    f->refused = !entries;
    if (json_array_size(entries) &&
        !(f->entries = calloc(json_array_size(entries), sizeof *f->entries)))
        return oom(err);
    json_array_foreach(entries, i, e)
    {
        char ew[330];
        snprintf(ew, sizeof ew, "%s.entries[%zu]", where, i);
        if (oracle_entry_read(e, ew, &f->entries[i], err)) {
            xp_oracle_file_free(f);
            return XP_EINVAL;
        }
        f->nentries++;
    }
    return 0;
}

static json_t *oracle_file_write(const xp_oracle_file *f)
{
    json_t *o = json_pack("{s:I, s:I}", "size", (json_int_t)f->size, "mtime", (json_int_t)f->mtime);
    json_t *entries = f->refused ? NULL : json_array();
    if (!o || (!f->refused && !entries)) {
        json_decref(o);
        json_decref(entries);
        return NULL;
    }
    for (size_t i = 0; entries && i < f->nentries; i++)
        json_array_append_new(entries, oracle_entry_write(&f->entries[i]));
    if (entries)
        json_object_set_new(o, "entries", entries);
    else if (f->has_error) /* a message that is not UTF-8 is left out, as it always was */
        json_object_set_new(o, "error", json_string(f->error));
    return o;
}

void xp_oracle_file_free(xp_oracle_file *f)
{
    free(f->entries);
    memset(f, 0, sizeof *f);
}

static int oracle_item_read(const char *key, const json_t *v, xp_oracle_item *it, xp_error *err)
{
    static const char *const keys[] = {"round", "target",   "file",  "signed",
                                       "done",  "failures", "error", NULL};
    char where[100];
    snprintf(where, sizeof where, "items.\"%.66s\"", key);
    memset(it, 0, sizeof *it);
    if (hex32_text(key, it->digest))
        return xp_error_set(err, XP_EINVAL,
                            "%s: the key is not a digest (0x and 64 lowercase hex "
                            "digits)",
                            where);
    if (!json_is_object(v))
        return xp_error_set(err, XP_EINVAL, "%s is not an object", where);
    if (only(v, keys, where, err) || get_u64(v, "round", where, &it->round, err) ||
        get_u64(v, "target", where, &it->target, err) ||
        get_str(v, "file", where, it->file, sizeof it->file, err) ||
        get_bool(v, "signed", where, &it->signed_, err) ||
        get_bool(v, "done", where, &it->done, err) ||
        get_i64(v, "failures", where, &it->failures, err))
        return XP_EINVAL;
    it->has_error = json_object_get(v, "error") != NULL;
    return it->has_error ? get_str(v, "error", where, it->error, sizeof it->error, err) : 0;
}

static json_t *oracle_item_write(const xp_oracle_item *it)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:b, s:b, s:I}", "round", (json_int_t)it->round,
                          "target", (json_int_t)it->target, "file", it->file, "signed", it->signed_,
                          "done", it->done, "failures", (json_int_t)it->failures);
    if (o && it->has_error)
        json_object_set_new(o, "error", json_string(it->error));
    return o;
}

/* "rounds", "files" and "items" of doc into s. */
static int oracle_maps_read(json_t *rounds, json_t *files, json_t *items, xp_oracle_state *s,
                            xp_error *err)
{
    const char *k;
    json_t *v;
    if ((json_object_size(rounds) &&
         !(s->rounds = calloc(json_object_size(rounds), sizeof *s->rounds))) ||
        (json_object_size(files) &&
         !(s->files = calloc(json_object_size(files), sizeof *s->files))) ||
        (json_object_size(items) &&
         !(s->items = calloc(json_object_size(items), sizeof *s->items))))
        return oom(err);
    s->items_cap = json_object_size(items);
    json_object_foreach(rounds, k, v)
    {
        char where[80], want[24];
        snprintf(where, sizeof where, "rounds.\"%.20s\"", k);
        if (xp_oracle_round_read(v, &s->rounds[s->nrounds], where, err))
            return XP_EINVAL;
        snprintf(want, sizeof want, "%llu", (unsigned long long)s->rounds[s->nrounds++].round);
        if (strcmp(k, want))
            return xp_error_set(err, XP_EINVAL, "%s: the key of round %s is \"%s\"", where, want,
                                want);
    }
    json_object_foreach(files, k, v)
    {
        if (oracle_file_read(k, v, &s->files[s->nfiles], err))
            return XP_EINVAL;
        s->nfiles++;
    }
    json_object_foreach(items, k, v)
    {
        if (oracle_item_read(k, v, &s->items[s->nitems], err))
            return XP_EINVAL;
        s->nitems++;
    }
    return 0;
}

int xp_oracle_state_read(const json_t *doc, xp_oracle_state *s, xp_error *err)
{
    static const char *const keys[] = {"roundsSeen", "rounds", "files", "items", NULL};
    static const char where[] = "the document";
    json_t *rounds, *files, *items;
    memset(s, 0, sizeof *s);
    if (!json_is_object(doc))
        return xp_error_set(err, XP_EINVAL, "the document is not an object");
    int rc = only(doc, keys, where, err) ||
                     get_u64(doc, "roundsSeen", where, &s->rounds_seen, err) ||
                     object_at(doc, "rounds", where, &rounds, err) ||
                     object_at(doc, "files", where, &files, err) ||
                     object_at(doc, "items", where, &items, err)
                 ? XP_EINVAL
                 : oracle_maps_read(rounds, files, items, s, err);
    if (rc)
        xp_oracle_state_free(s);
    return rc;
}

json_t *xp_oracle_state_write(const xp_oracle_state *s)
{
    json_t *rounds = json_object(), *files = json_object(), *items = json_object();
    int bad = !rounds || !files || !items;
    for (size_t i = 0; !bad && i < s->nrounds; i++) {
        char k[24];
        snprintf(k, sizeof k, "%llu", (unsigned long long)s->rounds[i].round);
        bad = json_object_set_new(rounds, k, oracle_round_write(&s->rounds[i])) != 0;
    }
    for (size_t i = 0; !bad && i < s->nfiles; i++)
        bad = json_object_set_new(files, s->files[i].name, oracle_file_write(&s->files[i])) != 0;
    for (size_t i = 0; !bad && i < s->nitems; i++) {
        char k[67];
        xp_hex_encode(s->items[i].digest, 32, k, 1);
        bad = json_object_set_new(items, k, oracle_item_write(&s->items[i])) != 0;
    }
    if (bad) {
        json_decref(rounds);
        json_decref(files);
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:I, s:o, s:o, s:o}", "roundsSeen", (json_int_t)s->rounds_seen, "rounds",
                     rounds, "files", files, "items", items);
}

void xp_oracle_state_free(xp_oracle_state *s)
{
    for (size_t i = 0; i < s->nrounds; i++)
        xp_oracle_round_free(&s->rounds[i]);
    for (size_t i = 0; i < s->nfiles; i++)
        xp_oracle_file_free(&s->files[i]);
    free(s->rounds);
    free(s->files);
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* ---- metrics ------------------------------------------------------------------------------ */

char *xp_worker_metrics_text(const xp_worker_metric *m, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", m[i].name, m[i].help, m[i].name,
                m[i].type, m[i].name, (unsigned long long)m[i].value);
    if (fclose(f)) {
        free(out);
        return NULL;
    }
    return out;
}
