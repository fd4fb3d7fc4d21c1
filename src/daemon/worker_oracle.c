/* The daemon's oracle role (daemon.h): beamtime reports dropped into a folder are matched to
 * the open round targets they measure, signed with the node's key when it is a member of the
 * round's committee (a signature file in a folder the members share), and posted with
 * postResult once the shared folder holds the committee's threshold of valid signatures and
 * the round's commit phase is over. It runs on the anchor worker's thread and chain
 * connection: one sender per key in the process.
 *
 * Its document, in the store's node_state table under "oracle/<chainid>/<Rounds address>", is
 * read into an xp_oracle_state (worker_internal.h) when a pass starts and written from it at
 * every save:
 *   "roundsSeen": rounds 1..roundsSeen have been read;
 *   "rounds": {"R": {"round", "committee", "property", "start", "end", "targetCount",
 *             "targets": [symhash...]}} for the rounds whose result window (start =
 *             commitDeadline, end = start + resultWindow) is not over;
 *   "files": {"NAME": {"size", "mtime", "error" | "entries": [report tuple fields...]}};
 *   "items": {"DIGEST": {"round", "target", "file", "signed", "done" (the result is on chain,
 *             posted by this node or another), "failures", "error"}}.
 * Signing writes the signature file before "signed" is saved, and posting uses the
 * idempotency key of `xtalproof oracle submit`, so a crash at any point repeats nothing. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/daemon.h"
#include "xtalproof/keys.h"
#include "xtalproof/nodestate.h"
#include "worker_internal.h"

#define SETTLE_NS 2000000000LL /* a report must be left unchanged this long before it is read */
#define ROUNDS_PER_PASS 64     /* new rounds read in one pass */
#define MAX_FAILURES 5         /* postResult attempts refused by the chain before giving up */
#define MAX_SIG_FILES 4096

static const char POST_RESULT[] = "postResult(uint256,uint256,(uint256,bytes32,bytes32,int256,"
                                  "uint256,bytes32,bytes32,uint64),bytes[])";

typedef struct oracle_ctx {
    const xp_node_config *cfg;
    xp_chain *c;
    const uint8_t *priv, *me;
    xp_store *store;
    pthread_mutex_t *lock;
    xp_oracle_stats *st;
    char name[96], sigdir[XP_NODE_PATH_MAX];
    xp_oracle_state s; /* the document */
    json_t *member;    /* per pass: "committee" -> true/false (this node's key), "c:addr" -> bool */
    json_t *threshold; /* per pass: committee -> threshold */
    json_t *sigs;      /* per pass: digest -> [signature hex...], read once when first needed */
    uint64_t now;
} oracle_ctx;

static void note(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "xtalproof node: oracle: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
}

static int save(oracle_ctx *o, xp_error *err)
{
    json_t *doc = xp_oracle_state_write(&o->s);
    if (!doc)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    pthread_mutex_lock(o->lock);
    int rc = xp_node_state_put(o->store, o->name, doc, err);
    pthread_mutex_unlock(o->lock);
    json_decref(doc);
    return rc;
}

static json_t *u64s(uint64_t v)
{
    return json_sprintf("%llu", (unsigned long long)v);
}

/* ---- the reports folder --------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && !strcmp(s + n - k, suf);
}

/* The measurements of one report into f's entries (round left out); XP_* with err otherwise.
 * A measurement whose text is not UTF-8 is passed over: a JSON document cannot hold it. */
static int read_report(const char *dir, const char *path, xp_oracle_file *f, xp_error *err)
{
    char *text;
    size_t len;
    int rc = xp_file_read(path, XP_REPORT_MAX_BYTES, &text, &len, err);
    if (rc)
        return rc;
    xp_report rep = {0};
    rc = xp_report_parse(text, len, &rep, err);
    free(text);
    if (!rc && rep.n && !(f->entries = calloc(rep.n, sizeof *f->entries)))
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rep.n; i++) {
        const xp_measurement *m = &rep.m[i];
        xp_oracle_entry *e = &f->entries[f->nentries];
        if ((rc = xp_report_entry(dir, m, &e->r, err))) {
            xp_error_prefix(err, rc, "measurement %zu", i + 1);
            break;
        }
        if (!xp_utf8_ok(m->value) || !xp_utf8_ok(m->unit) || !xp_utf8_ok(m->property))
            continue;
        snprintf(e->value, sizeof e->value, "%s", m->value);
        snprintf(e->unit, sizeof e->unit, "%s", m->unit);
        snprintf(e->property_name, sizeof e->property_name, "%s", m->property);
        f->nentries++;
    }
    xp_report_free(&rep);
    if (rc) {
        free(f->entries);
        f->entries = NULL;
        f->nentries = 0;
    }
    return rc;
}

static long find_file(const xp_oracle_state *s, const char *name)
{
    for (size_t i = 0; i < s->nfiles; i++)
        if (!strcmp(s->files[i].name, name))
            return (long)i;
    return -1;
}

/* One file of the folder read again: its entries, or why it was refused. */
static void read_file(oracle_ctx *o, const char *n, const char *path, const struct stat *sb,
                      long long mt)
{
    xp_error err = {0};
    xp_oracle_file f;
    memset(&f, 0, sizeof f);
    snprintf(f.name, sizeof f.name, "%s", n);
    f.size = (int64_t)sb->st_size;
    f.mtime = mt;
    if (!read_report(o->cfg->oracle_reports, path, &f, &err)) {
        o->st->reports++;
        fprintf(stderr, "xtalproof node: oracle: read %s: %zu measurement(s)\n", n, f.nentries);
    } else {
        const char *msg = err.msg[0] ? err.msg : xp_strerror(err.code);
        f.refused = 1;
        f.has_error = xp_utf8_ok(msg); /* else left out of the document, as it always was */
        snprintf(f.error, sizeof f.error, "%s", msg);
        o->st->bad_reports++;
        note("refused %s: %s", n, err.msg);
    }
    long at = find_file(&o->s, n);
    if (!xp_utf8_ok(n)) { /* a name a JSON document cannot hold is not kept */
        xp_oracle_file_free(&f);
    } else if (at >= 0) {
        xp_oracle_file_free(&o->s.files[at]);
        o->s.files[at] = f;
    } else {
        xp_oracle_file *p = realloc(o->s.files, (o->s.nfiles + 1) * sizeof *p);
        if (p) {
            p[o->s.nfiles++] = f;
            o->s.files = p;
        } else {
            xp_oracle_file_free(&f);
        }
    }
}

/* Reads new and changed report files into "files"; forgets the removed ones. */
static void scan_reports(oracle_ctx *o)
{
    size_t known = o->s.nfiles;
    char *seen = calloc(known + 1, 1);
    DIR *d = seen ? opendir(o->cfg->oracle_reports) : NULL;
    struct dirent *de;
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    long long now_ns = (long long)wall.tv_sec * 1000000000LL + wall.tv_nsec;
    while (d && (de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] == '.' || (!has_suffix(n, ".json") && !has_suffix(n, ".csv")) ||
            strlen(n) > 255)
            continue;
        char path[XP_NODE_PATH_MAX + 300];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", o->cfg->oracle_reports, n);
        if (stat(path, &sb) || !S_ISREG(sb.st_mode))
            continue;
        long long mt = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
        long at = find_file(&o->s, n);
        if (at >= 0 && (size_t)at < known)
            seen[at] = 1;
        if (at >= 0 && o->s.files[at].size == (int64_t)sb.st_size && o->s.files[at].mtime == mt)
            continue; /* read before, unchanged */
        if (now_ns - mt < SETTLE_NS)
            continue; /* perhaps still being written: a later pass reads it */
        read_file(o, n, path, &sb, mt);
    }
    if (d)
        closedir(d);
    size_t kept = 0;
    for (size_t i = 0; i < o->s.nfiles; i++) {
        if (i < known && !(seen && seen[i]))
            xp_oracle_file_free(&o->s.files[i]);
        else
            o->s.files[kept++] = o->s.files[i];
    }
    o->s.nfiles = kept;
    free(seen);
}

/* ---- the rounds ------------------------------------------------------------------------ */

static const char *field(json_t *tuple, size_t i)
{
    const char *s = json_string_value(json_array_get(tuple, i));
    return s ? s : "0";
}

/* A round as xp_chain_round_info reads it (with its targets or not) into r. */
static int round_info(oracle_ctx *o, uint64_t id, int with_targets, xp_oracle_round *r,
                      xp_error *err)
{
    json_t *info = NULL;
    int rc = xp_chain_round_info(o->c, id, with_targets, &info, err);
    if (!rc)
        rc = xp_oracle_round_read(info, r, "getRound", err);
    json_decref(info);
    return rc;
}

/* Reads the rounds opened since the last pass (their targets are fixed at opening) and forgets
 * those whose result window is over. */
static int refresh_rounds(oracle_ctx *o, xp_error *err)
{
    xp_oracle_state *s = &o->s;
    uint64_t count = 0;
    int rc = xp_chain_round_count(o->c, &count, err);
    uint64_t seen = s->rounds_seen;
    for (uint64_t id = seen + 1; !rc && id <= count && id <= seen + ROUNDS_PER_PASS; id++) {
        xp_oracle_round r;
        if ((rc = round_info(o, id, 0, &r, err)))
            break;
        if (o->now < r.end) { /* again with its targets */
            xp_oracle_round_free(&r);
            if ((rc = round_info(o, id, 1, &r, err)))
                break;
            size_t at = 0;
            while (at < s->nrounds && s->rounds[at].round != r.round)
                at++;
            xp_oracle_round *p = at < s->nrounds ? s->rounds
                                                 : realloc(s->rounds, (at + 1) * sizeof *p);
            if (!p) {
                xp_oracle_round_free(&r);
                rc = xp_error_set(err, XP_ENOMEM, "out of memory");
                break;
            }
            s->rounds = p;
            if (at < s->nrounds)
                xp_oracle_round_free(&p[at]);
            else
                s->nrounds++;
            p[at] = r;
        } else {
            xp_oracle_round_free(&r);
        }
        s->rounds_seen = id;
    }
    size_t kept = 0;
    for (size_t i = 0; i < s->nrounds; i++) {
        if (o->now >= s->rounds[i].end)
            xp_oracle_round_free(&s->rounds[i]);
        else
            s->rounds[kept++] = s->rounds[i];
    }
    s->nrounds = kept;
    return rc;
}

/* The first target index >= from of round rd with this symhash, if the round's property is
 * `property`; -1 otherwise (xp_round_target_of over the struct). */
static int target_of(const xp_oracle_round *rd, const uint8_t symhash[32],
                     const uint8_t property[32], size_t from)
{
    char sh[67], ph[67];
    xp_hex_encode(symhash, 32, sh, 1);
    xp_hex_encode(property, 32, ph, 1);
    if (strcmp(rd->property, ph))
        return -1;
    for (size_t i = from; i < rd->ntargets; i++)
        if (!strcmp(rd->targets[i], sh))
            return (int)i;
    return -1;
}

/* ---- committees ------------------------------------------------------------------------ */

/* Whether `who` is a member of the committee (cached for the pass). */
static int is_member(oracle_ctx *o, const char *committee, const uint8_t who[20], int *yes,
                     xp_error *err)
{
    char key[2 * XP_ADDRESS_HEX_LEN + 2], wh[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(who, wh);
    snprintf(key, sizeof key, "%s:%s", committee, wh);
    json_t *hit = json_object_get(o->member, key);
    if (hit) {
        *yes = json_is_true(hit);
        return 0;
    }
    uint8_t ca[20];
    json_t *out = NULL, *args = json_pack("[s]", wh);
    int rc = xp_address_parse(committee, ca, err);
    if (!rc)
        rc = xp_chain_call(o->c, ca, "isMember(address)", args, "(bool)", &out, err);
    json_decref(args);
    if (!rc) {
        *yes = json_is_true(json_array_get(out, 0));
        json_object_set_new(o->member, key, json_boolean(*yes));
    }
    json_decref(out);
    return rc;
}

static int threshold_of(oracle_ctx *o, const char *committee, uint64_t *k, xp_error *err)
{
    json_t *hit = json_object_get(o->threshold, committee);
    if (hit) {
        *k = (uint64_t)json_integer_value(hit);
        return 0;
    }
    uint8_t ca[20];
    json_t *out = NULL, *none = json_array();
    int rc = xp_address_parse(committee, ca, err);
    if (!rc)
        rc = xp_chain_call(o->c, ca, "threshold()", none, "(uint256)", &out, err);
    json_decref(none);
    if (!rc) {
        *k = strtoull(field(out, 0), NULL, 10);
        json_object_set_new(o->threshold, committee, json_integer((json_int_t)*k));
    }
    json_decref(out);
    return rc;
}

/* ---- signature files ------------------------------------------------------------------- */

/* Every signature of the shared folder by digest: files in the form `xtalproof oracle sign`
 * writes ({"reports": [{"digest", "signature"}...]}); others are passed over. */
static void read_signatures(oracle_ctx *o)
{
    o->sigs = json_object();
    DIR *d = opendir(o->sigdir);
    struct dirent *de;
    size_t files = 0;
    while (d && (de = readdir(d)) && files < MAX_SIG_FILES) {
        if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".json"))
            continue;
        char path[XP_NODE_PATH_MAX + 300], *text;
        size_t len;
        snprintf(path, sizeof path, "%s/%.255s", o->sigdir, de->d_name);
        if (xp_file_read(path, XP_REPORT_MAX_BYTES, &text, &len, NULL))
            continue;
        files++;
        json_t *f = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL), *e;
        free(text);
        size_t i;
        json_array_foreach(json_object_get(f, "reports"), i, e)
        {
            const char *dg = json_string_value(json_object_get(e, "digest"));
            const char *sg = json_string_value(json_object_get(e, "signature"));
            if (!dg || !sg || strlen(dg) != 66 || strlen(sg) != 2 + 2 * XP_SIG_LEN)
                continue;
            json_t *list = json_object_get(o->sigs, dg);
            if (!list)
                json_object_set_new(o->sigs, dg, list = json_array());
            json_array_append_new(list, json_string(sg));
        }
        json_decref(f);
    }
    if (d)
        closedir(d);
}

/* Writes this node's signature of one report entry for (round, target) into the shared
 * folder, in the form of `xtalproof oracle sign`. */
static int sign_entry(oracle_ctx *o, const xp_oracle_report *r, const uint8_t dg[32],
                      const char *committee, const xp_oracle_entry *entry, xp_error *err)
{
    uint8_t sig[XP_SIG_LEN];
    int rc = xp_sign_digest(o->priv, dg, sig, err);
    if (rc)
        return rc;
    sig[64] += 27; /* v as 27/28, the form ecrecover and wallets use */
    char dh[67], sh[67], sgh[2 * XP_SIG_LEN + 3], me[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(o->me, me);
    json_t *f = json_pack(
        "{s:i, s:I, s:s, s:I, s:s, s:[{s:s, s:s, s:s, s:I, s:s, s:s}]}", "version", 1,
        "chainId", (json_int_t)o->c->d.chain_id, "committee", committee, "round",
        (json_int_t)r->round, "signer", me, "reports", "symhash",
        xp_hex_encode(r->symhash, 32, sh, 1), "property", entry->property_name,
        "value", entry->value, "round", (json_int_t)r->round, "digest",
        xp_hex_encode(dg, 32, dh, 1), "signature",
        xp_hex_encode(sig, XP_SIG_LEN, sgh, 1));
    char *text = f ? json_dumps(f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(f);
    if (!text)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    char path[XP_NODE_PATH_MAX + 200];
    snprintf(path, sizeof path, "%s/%s-%s.json", o->sigdir, dh + 2, me);
    if (mkdir(o->sigdir, 0700) && errno != EEXIST)
        rc = xp_error_set(err, XP_EIO, "cannot create %s: %s", o->sigdir, strerror(errno));
    if (!rc)
        rc = xp_file_replace(path, text, strlen(text), 0644, err);
    free(text);
    if (!rc && o->sigs) { /* already read this pass: add it */
        json_t *list = json_object_get(o->sigs, dh);
        if (!list)
            json_object_set_new(o->sigs, dh, list = json_array());
        json_array_append_new(list, json_string(sgh));
    }
    return rc;
}

/* The distinct members' valid signatures of dg from the shared folder, as postResult's
 * bytes[] (JSON hex strings). */
static int gather(oracle_ctx *o, const uint8_t dg[32], const char *committee, json_t **out,
                  xp_error *err)
{
    char dh[67];
    xp_hex_encode(dg, 32, dh, 1);
    if (!o->sigs)
        read_signatures(o);
    *out = json_array();
    uint8_t signers[64][20];
    size_t ns = 0, i;
    json_t *s;
    json_array_foreach(json_object_get(o->sigs, dh), i, s)
    {
        uint8_t sig[XP_SIG_LEN], who[20];
        int yes = 0, dup = 0;
        if (xp_hex_decode_exact(json_string_value(s), sig, XP_SIG_LEN, NULL) ||
            xp_recover_address(dg, sig, who, NULL))
            continue; /* not a signature of this digest (or a malleable twin) */
        for (size_t j = 0; j < ns; j++)
            dup |= !memcmp(signers[j], who, 20);
        if (dup || ns == 64)
            continue;
        int rc = is_member(o, committee, who, &yes, err);
        if (rc)
            return rc;
        if (!yes)
            continue;
        memcpy(signers[ns++], who, 20);
        json_array_append(*out, s);
    }
    return 0;
}

/* ---- one pass ------------------------------------------------------------------------- */

/* Whether a round's target still waits for its result (status Open). */
static int target_open(oracle_ctx *o, uint64_t round, uint64_t target, int *open, xp_error *err)
{
    int status = -1;
    int rc = xp_chain_target_status(o->c, round, target, &status, err);
    *open = status == 0;
    return rc;
}

/* postResult for an item once k members' signatures are in the shared folder and the commit
 * phase is over; the target's status first, so a result posted by another member (or a
 * cancelled target) ends the item. */
static int post(oracle_ctx *o, xp_oracle_item *item, const xp_oracle_report *r,
                const uint8_t dg[32], const char *committee, uint64_t target, xp_error *err)
{
    const uint8_t *ra = o->c->d.address[XP_C_ROUNDS];
    uint64_t k = 0;
    json_t *sigs = NULL;
    int rc = threshold_of(o, committee, &k, err);
    if (!rc)
        rc = gather(o, dg, committee, &sigs, err);
    if (rc || json_array_size(sigs) < k || !k) {
        json_decref(sigs);
        return rc;
    }
    int open = 0;
    char dh[67], th[67], idem[120];
    xp_hex_encode(dg, 32, dh, 1);
    if (!(rc = target_open(o, r->round, target, &open, err)) && !open) {
        item->done = 1; /* posted by another member meanwhile */
        json_decref(sigs);
        return save(o, err);
    }
    snprintf(idem, sizeof idem, "postResult:%llu:%llu:%s", (unsigned long long)r->round,
             (unsigned long long)target, dh); /* the key of `xtalproof oracle submit` */
    json_t *args = json_pack("[o, o, o, O]", u64s(r->round), u64s(target),
                             xp_oracle_report_tuple(r), sigs);
    xp_chain_tx tx;
    memset(&tx, 0, sizeof tx);
    if (!rc)
        rc = xp_chain_send(o->c, ra, POST_RESULT, args, NULL, idem, &tx, err);
    json_decref(args);
    if (!rc) {
        fprintf(stderr,
                "xtalproof node: oracle: posted round %llu target %llu with %zu signature(s) in "
                "block %llu (tx %s)\n",
                (unsigned long long)r->round, (unsigned long long)target, json_array_size(sigs),
                (unsigned long long)tx.sent.block, xp_hex_encode(tx.sent.hash, 32, th, 1));
        o->st->posted++;
        item->done = 1;
        xp_chain_tx_clear(&tx);
        rc = save(o, err);
    } else if (rc != XP_EIO) { /* refused by the chain: counted, retried a few times */
        int64_t n = ++item->failures;
        if (xp_utf8_ok(err->msg)) { /* else the last sentence stays */
            item->has_error = 1;
            snprintf(item->error, sizeof item->error, "%s", err->msg);
        }
        fprintf(stderr, "xtalproof node: oracle: postResult round %llu target %llu refused (%d of %d): %s\n",
                (unsigned long long)r->round, (unsigned long long)target, (int)n, MAX_FAILURES,
                err->msg);
        o->st->failures++;
        memset(err, 0, sizeof *err);
        rc = save(o, err);
    }
    json_decref(sigs);
    return rc;
}

/* The item of digest dg, made (not signed, not done) when there is none; NULL: out of memory. */
static xp_oracle_item *item_of(oracle_ctx *o, const uint8_t dg[32], const char *file,
                               uint64_t round, uint64_t target)
{
    xp_oracle_state *s = &o->s;
    for (size_t i = 0; i < s->nitems; i++)
        if (!memcmp(s->items[i].digest, dg, 32))
            return &s->items[i];
    if (s->nitems == s->items_cap) {
        size_t cap = s->items_cap ? 2 * s->items_cap : 16;
        xp_oracle_item *p = realloc(s->items, cap * sizeof *p);
        if (!p)
            return NULL;
        s->items = p;
        s->items_cap = cap;
    }
    xp_oracle_item *it = &s->items[s->nitems++];
    memset(it, 0, sizeof *it);
    memcpy(it->digest, dg, 32);
    it->round = round;
    it->target = target;
    snprintf(it->file, sizeof it->file, "%s", file);
    return it;
}

/* One measurement against one round: sign when a member, post when the time has come. */
static int handle(oracle_ctx *o, const char *file, const xp_oracle_entry *e,
                  const xp_oracle_round *rd, uint64_t target, xp_error *err)
{
    const char *committee = rd->committee;
    uint8_t ca[20], dg[32];
    xp_oracle_report r = e->r;
    r.round = rd->round;
    if (xp_address_parse(committee, ca, NULL))
        return 0;
    xp_oracle_digest(&r, o->c->d.chain_id, ca, dg);
    xp_oracle_item *item = item_of(o, dg, file, r.round, target);
    if (!item)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    if (item->done || item->failures >= MAX_FAILURES)
        return 0;
    if (o->now < rd->start)
        return 0; /* the commit phase is not over: the value stays unsigned, unshared */
    int rc = 0, yes = 0, open = 0;
    if (!item->signed_) {
        if ((rc = target_open(o, r.round, target, &open, err)))
            return rc;
        if (!open) { /* resulted before this node came to it: nothing to sign */
            item->done = 1;
            return save(o, err);
        }
        if ((rc = is_member(o, committee, o->me, &yes, err)))
            return rc;
        if (yes) {
            if ((rc = sign_entry(o, &r, dg, committee, e, err)))
                return rc;
            fprintf(stderr, "xtalproof node: oracle: signed %s for round %llu target %llu\n",
                    file, (unsigned long long)r.round, (unsigned long long)target);
            o->st->signed_targets++;
        }
        item->signed_ = yes;
        if ((rc = save(o, err)))
            return rc;
    }
    return o->cfg->oracle_submit ? post(o, item, &r, dg, committee, target, err) : 0;
}

/* The document into o->s (a fresh one when there is none). */
static int load(oracle_ctx *o, xp_error *err)
{
    json_t *doc = NULL;
    pthread_mutex_lock(o->lock);
    int rc = xp_node_state_get(o->store, o->name, &doc, err);
    pthread_mutex_unlock(o->lock);
    if (rc == XP_ENOTFOUND) {
        memset(err, 0, sizeof *err);
        memset(&o->s, 0, sizeof o->s);
        return 0;
    }
    if (!rc && (rc = xp_oracle_state_read(doc, &o->s, err)))
        xp_error_prefix(err, rc, "store: node state \"%s\"", o->name);
    json_decref(doc);
    return rc;
}

/* Every measurement of every readable report against every round it can be a result of. */
static int handle_all(oracle_ctx *o, xp_error *err)
{
    int rc = 0;
    for (size_t fi = 0; !rc && fi < o->s.nfiles; fi++) {
        const xp_oracle_file *f = &o->s.files[fi];
        for (size_t i = 0; !rc && i < f->nentries; i++) {
            const xp_oracle_entry *e = &f->entries[i];
            for (size_t ri = 0; !rc && ri < o->s.nrounds; ri++) {
                const xp_oracle_round *rd = &o->s.rounds[ri];
                for (int t = target_of(rd, e->r.symhash, e->r.property, 0); !rc && t >= 0;
                     t = target_of(rd, e->r.symhash, e->r.property, (size_t)t + 1))
                    rc = handle(o, f->name, e, rd, (uint64_t)t, err);
            }
        }
    }
    return rc;
}

int xp_oracle_pass(const xp_node_config *cfg, xp_chain *c, const uint8_t priv[32],
                   xp_store *store, pthread_mutex_t *lock, xp_oracle_stats *st, xp_error *err)
{
    oracle_ctx o;
    memset(&o, 0, sizeof o);
    o.cfg = cfg;
    o.c = c;
    o.priv = priv;
    o.me = xp_sender_address(c->sender);
    o.store = store;
    o.lock = lock;
    o.st = st;
    char ra[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(c->d.address[XP_C_ROUNDS], ra);
    snprintf(o.name, sizeof o.name, "oracle/%llu/%s", (unsigned long long)c->d.chain_id, ra);
    if (cfg->oracle_signatures[0])
        snprintf(o.sigdir, sizeof o.sigdir, "%s", cfg->oracle_signatures);
    else
        snprintf(o.sigdir, sizeof o.sigdir, "%.4000s/signatures", cfg->oracle_reports);
    int rc = load(&o, err);
    if (rc)
        return rc;
    o.member = json_object();
    o.threshold = json_object();
    scan_reports(&o);
    /* no readable measurement: nothing to ask the chain this pass */
    size_t measured = 0;
    for (size_t i = 0; i < o.s.nfiles; i++)
        measured += o.s.files[i].nentries;
    json_t *blk = NULL;
    if (measured) {
        rc = xp_eth_get_block(c->rpc, "latest", 0, &blk, err);
        const char *ts = json_string_value(json_object_get(blk, "timestamp"));
        if (!rc && (!ts || xp_quantity_parse_u64(ts, &o.now, NULL)))
            rc = xp_error_set(err, XP_EIO, "eth_getBlockByNumber: no timestamp");
        json_decref(blk);
        if (!rc)
            rc = refresh_rounds(&o, err);
    }
    if (!rc)
        rc = save(&o, err);
    if (!rc && measured)
        rc = handle_all(&o, err);
    json_decref(o.sigs);
    json_decref(o.member);
    json_decref(o.threshold);
    xp_oracle_state_free(&o.s);
    return rc;
}

char *xp_oracle_metrics_render(const xp_oracle_stats *s)
{
    const xp_worker_metric m[] = {
        {"xtalproof_oracle_reports_total", "Beamtime report files read by the oracle role.",
         "counter", s->reports},
        {"xtalproof_oracle_bad_reports_total", "Report files refused (unreadable, malformed).",
         "counter", s->bad_reports},
        {"xtalproof_oracle_signed_total", "Round targets signed with the node's key.", "counter",
         s->signed_targets},
        {"xtalproof_oracle_posted_total", "Results posted with postResult.", "counter",
         s->posted},
        {"xtalproof_oracle_failures_total", "postResult attempts refused by the chain.",
         "counter", s->failures}};
    return xp_worker_metrics_text(m, sizeof m / sizeof m[0]);
}
