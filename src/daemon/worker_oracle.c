/* The daemon's oracle role (daemon.h): beamtime reports dropped into a folder are matched to
 * the open round targets they measure, signed with the node's key when it is a member of the
 * round's committee (a signature file in a folder the members share), and posted with
 * postResult once the shared folder holds the committee's threshold of valid signatures and
 * the round's commit phase is over. It runs on the anchor worker's thread and chain
 * connection: one sender per key in the process.
 *
 * Its document, in the store's node_state table under "oracle/<chainid>/<Rounds address>":
 *   "roundsSeen": rounds 1..roundsSeen have been read;
 *   "rounds": {"R": {"committee", "property", "start", "end", "targets": [symhash...]}} for the
 *             rounds whose result window (start = commitDeadline, end = start + resultWindow)
 *             is not over;
 *   "files": {"NAME": {"size", "mtime", "error" | "entries": [report tuple fields...]}};
 *   "items": {"DIGEST": {"round", "target", "file", "signed", "done" (the result is on chain,
 *             posted by this node or another), "failures"}}.
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
    xp_anchor_stats *st;
    char name[96], sigdir[XP_NODE_PATH_MAX];
    json_t *doc;
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
    pthread_mutex_lock(o->lock);
    int rc = xp_node_state_put(o->store, o->name, o->doc, err);
    pthread_mutex_unlock(o->lock);
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

/* The measurements of one report as JSON objects of hex words (round left out). */
static json_t *read_report(const char *dir, const char *path, xp_error *err)
{
    char *text;
    size_t len;
    if (xp_file_read(path, XP_REPORT_MAX_BYTES, &text, &len, err))
        return NULL;
    xp_report rep = {0};
    int rc = xp_report_parse(text, len, &rep, err);
    free(text);
    json_t *out = rc ? NULL : json_array();
    for (size_t i = 0; out && i < rep.n; i++) {
        xp_oracle_report r;
        char h[4][67];
        if ((rc = xp_report_entry(dir, &rep.m[i], &r, err))) {
            xp_error_prefix(err, rc, "measurement %zu", i + 1);
            json_decref(out);
            out = NULL;
            break;
        }
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:I, s:o, s:s, s:s, s:o, s:s, s:s, s:s}", "symhash",
                           xp_hex_encode(r.symhash, 32, h[0], 1), "property",
                           xp_hex_encode(r.property, 32, h[1], 1), "valueQ",
                           (json_int_t)r.value_q, "uncertaintyQ", u64s(r.uncertainty_q),
                           "rawDataHash", xp_hex_encode(r.raw_data_hash, 32, h[2], 1), "facility",
                           xp_hex_encode(r.facility, 32, h[3], 1), "measuredAt",
                           u64s(r.measured_at), "value", rep.m[i].value, "unit", rep.m[i].unit,
                           "propertyName", rep.m[i].property));
    }
    xp_report_free(&rep);
    return out;
}

/* Reads new and changed report files into "files"; forgets the removed ones. */
static void scan_reports(oracle_ctx *o)
{
    json_t *files = json_object_get(o->doc, "files"), *seen = json_object();
    DIR *d = opendir(o->cfg->oracle_reports);
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
        json_object_set_new(seen, n, json_true());
        json_t *f = json_object_get(files, n);
        if (f && json_integer_value(json_object_get(f, "size")) == (json_int_t)sb.st_size &&
            json_integer_value(json_object_get(f, "mtime")) == (json_int_t)mt)
            continue; /* read before, unchanged */
        if (now_ns - mt < SETTLE_NS)
            continue; /* perhaps still being written: a later pass reads it */
        xp_error err = {0};
        json_t *entries = read_report(o->cfg->oracle_reports, path, &err);
        f = json_pack("{s:I, s:I}", "size", (json_int_t)sb.st_size, "mtime", (json_int_t)mt);
        if (entries) {
            json_object_set_new(f, "entries", entries);
            o->st->oracle_reports++;
            fprintf(stderr, "xtalproof node: oracle: read %s: %zu measurement(s)\n", n,
                    json_array_size(entries));
        } else {
            json_object_set_new(f, "error", json_string(err.msg[0] ? err.msg : xp_strerror(err.code)));
            o->st->oracle_bad_reports++;
            note("refused %s: %s", n, err.msg);
        }
        json_object_set_new(files, n, f);
    }
    if (d)
        closedir(d);
    const char *k;
    void *tmp;
    json_t *v;
    json_object_foreach_safe(files, tmp, k, v) if (!json_object_get(seen, k))
        json_object_del(files, k);
    json_decref(seen);
}

/* ---- the rounds ------------------------------------------------------------------------ */

static const char *field(json_t *tuple, size_t i)
{
    const char *s = json_string_value(json_array_get(tuple, i));
    return s ? s : "0";
}

/* Reads the rounds opened since the last pass (their targets are fixed at opening) and forgets
 * those whose result window is over. */
static int refresh_rounds(oracle_ctx *o, xp_error *err)
{
    json_t *rounds = json_object_get(o->doc, "rounds");
    uint64_t count = 0;
    int rc = xp_chain_round_count(o->c, &count, err);
    uint64_t seen = (uint64_t)json_integer_value(json_object_get(o->doc, "roundsSeen"));
    for (uint64_t id = seen + 1; !rc && id <= count && id <= seen + ROUNDS_PER_PASS; id++) {
        json_t *info = NULL;
        if ((rc = xp_chain_round_info(o->c, id, 0, &info, err)))
            break;
        if (o->now < (uint64_t)json_integer_value(json_object_get(info, "end"))) {
            json_decref(info); /* again with its targets */
            if ((rc = xp_chain_round_info(o->c, id, 1, &info, err)))
                break;
            char key[24];
            snprintf(key, sizeof key, "%llu", (unsigned long long)id);
            json_object_set(rounds, key, info);
        }
        json_decref(info);
        json_object_set_new(o->doc, "roundsSeen", json_integer((json_int_t)id));
    }
    const char *k;
    void *tmp;
    json_t *v;
    json_object_foreach_safe(rounds, tmp, k, v)
    {
        if (o->now >= (uint64_t)json_integer_value(json_object_get(v, "end")))
            json_object_del(rounds, k);
    }
    return rc;
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
                      const char *committee, json_t *entry, xp_error *err)
{
    uint8_t sig[XP_SIG_LEN];
    int rc = xp_sign_digest(o->priv, dg, sig, err);
    if (rc)
        return rc;
    sig[64] += 27; /* v as 27/28, the form ecrecover and wallets use */
    char dh[67], sh[67], sgh[2 * XP_SIG_LEN + 3], me[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(o->me, me);
    json_t *f = json_pack(
        "{s:i, s:I, s:s, s:I, s:s, s:[{s:s, s:O, s:O, s:I, s:s, s:s}]}", "version", 1,
        "chainId", (json_int_t)o->c->d.chain_id, "committee", committee, "round",
        (json_int_t)r->round, "signer", me, "reports", "symhash",
        xp_hex_encode(r->symhash, 32, sh, 1), "property", json_object_get(entry, "propertyName"),
        "value", json_object_get(entry, "value"), "round", (json_int_t)r->round, "digest",
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

static int read_hex32(json_t *e, const char *key, uint8_t out[32])
{
    return xp_hex_decode_exact(json_string_value(json_object_get(e, key)), out, 32, NULL);
}

static uint64_t str_u64(json_t *e, const char *key)
{
    const char *v = json_string_value(json_object_get(e, key));
    return v ? strtoull(v, NULL, 10) : 0;
}

/* An entry of "files" as the Report of round. */
static int entry_report(json_t *e, uint64_t round, xp_oracle_report *r)
{
    memset(r, 0, sizeof *r);
    r->round = round;
    r->value_q = (int64_t)json_integer_value(json_object_get(e, "valueQ"));
    r->uncertainty_q = str_u64(e, "uncertaintyQ");
    r->measured_at = str_u64(e, "measuredAt");
    return read_hex32(e, "symhash", r->symhash) || read_hex32(e, "property", r->property) ||
           read_hex32(e, "rawDataHash", r->raw_data_hash) || read_hex32(e, "facility", r->facility);
}

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
static int post(oracle_ctx *o, json_t *item, const xp_oracle_report *r, const uint8_t dg[32],
                const char *committee, uint64_t target, xp_error *err)
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
        json_object_set_new(item, "done", json_true()); /* posted by another member meanwhile */
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
        o->st->oracle_posted++;
        json_object_set_new(item, "done", json_true());
        xp_chain_tx_clear(&tx);
        rc = save(o, err);
    } else if (rc != XP_EIO) { /* refused by the chain: counted, retried a few times */
        json_int_t n = json_integer_value(json_object_get(item, "failures")) + 1;
        json_object_set_new(item, "failures", json_integer(n));
        json_object_set_new(item, "error", json_string(err->msg));
        fprintf(stderr, "xtalproof node: oracle: postResult round %llu target %llu refused (%d of %d): %s\n",
                (unsigned long long)r->round, (unsigned long long)target, (int)n, MAX_FAILURES,
                err->msg);
        o->st->oracle_failures++;
        memset(err, 0, sizeof *err);
        rc = save(o, err);
    }
    json_decref(sigs);
    return rc;
}

/* One measurement against one round: sign when a member, post when the time has come. */
static int handle(oracle_ctx *o, const char *file, json_t *e, uint64_t round, json_t *rd,
                  uint64_t target, xp_error *err)
{
    const char *committee = json_string_value(json_object_get(rd, "committee"));
    uint8_t ca[20], dg[32];
    xp_oracle_report r;
    if (!committee || xp_address_parse(committee, ca, NULL) || entry_report(e, round, &r))
        return 0;
    xp_oracle_digest(&r, o->c->d.chain_id, ca, dg);
    char dh[67];
    xp_hex_encode(dg, 32, dh, 1);
    json_t *items = json_object_get(o->doc, "items"), *item = json_object_get(items, dh);
    if (!item) {
        item = json_pack("{s:I, s:I, s:s, s:b, s:b, s:i}", "round", (json_int_t)round, "target",
                         (json_int_t)target, "file", file, "signed", 0, "done", 0, "failures",
                         0);
        json_object_set_new(items, dh, item);
    }
    if (json_is_true(json_object_get(item, "done")) ||
        json_integer_value(json_object_get(item, "failures")) >= MAX_FAILURES)
        return 0;
    if (o->now < (uint64_t)json_integer_value(json_object_get(rd, "start")))
        return 0; /* the commit phase is not over: the value stays unsigned, unshared */
    int rc = 0, yes = 0, open = 0;
    if (!json_is_true(json_object_get(item, "signed"))) {
        if ((rc = target_open(o, round, target, &open, err)))
            return rc;
        if (!open) { /* resulted before this node came to it: nothing to sign */
            json_object_set_new(item, "done", json_true());
            return save(o, err);
        }
        if ((rc = is_member(o, committee, o->me, &yes, err)))
            return rc;
        if (yes) {
            if ((rc = sign_entry(o, &r, dg, committee, e, err)))
                return rc;
            fprintf(stderr, "xtalproof node: oracle: signed %s for round %llu target %llu\n",
                    file, (unsigned long long)round, (unsigned long long)target);
            o->st->oracle_signed++;
        }
        json_object_set_new(item, "signed", json_boolean(yes));
        if ((rc = save(o, err)))
            return rc;
    }
    return o->cfg->oracle_submit ? post(o, item, &r, dg, committee, target, err) : 0;
}

int xp_oracle_pass(const xp_node_config *cfg, xp_chain *c, const uint8_t priv[32],
                   xp_store *store, pthread_mutex_t *lock, xp_anchor_stats *st, xp_error *err)
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
    pthread_mutex_lock(lock);
    int rc = xp_node_state_get(store, o.name, &o.doc, err);
    pthread_mutex_unlock(lock);
    if (rc == XP_ENOTFOUND) {
        memset(err, 0, sizeof *err);
        o.doc = json_pack("{s:i, s:{}, s:{}, s:{}}", "roundsSeen", 0, "rounds", "files", "items");
        rc = 0;
    }
    if (rc)
        return rc;
    o.member = json_object();
    o.threshold = json_object();
    scan_reports(&o);
    /* no readable measurement: nothing to ask the chain this pass */
    size_t measured = 0;
    const char *fk;
    json_t *fv;
    json_object_foreach(json_object_get(o.doc, "files"), fk, fv)
        measured += json_array_size(json_object_get(fv, "entries"));
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
    /* every measurement of every readable report against every round it can be a result of */
    const char *fname, *rid;
    json_t *f, *rd;
    json_object_foreach(rc || !measured ? NULL : json_object_get(o.doc, "files"), fname, f)
    {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(f, "entries"), i, e)
        {
            uint8_t sh[32], pr[32];
            if (read_hex32(e, "symhash", sh) || read_hex32(e, "property", pr))
                continue;
            json_object_foreach(json_object_get(o.doc, "rounds"), rid, rd)
            {
                for (int t = xp_round_target_of(rd, sh, pr, 0); !rc && t >= 0;
                     t = xp_round_target_of(rd, sh, pr, (size_t)t + 1))
                    rc = handle(&o, fname, e, strtoull(rid, NULL, 10), rd, (uint64_t)t, err);
            }
        }
    }
    json_decref(o.sigs);
    json_decref(o.member);
    json_decref(o.threshold);
    json_decref(o.doc);
    return rc;
}
