/* xtalproof dataset create | list | show | check | rehash. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/keystore.h"
#include "xtalproof/store.h"
#include "xtalproof/symhash.h"
#include "xtalproof/walk.h"

/* The owner's address from a keystore: its "address" field, else the decrypted key's. */
static int keystore_address(const char *file, const char *pwfile, uint8_t addr[XP_ADDRESS_LEN],
                            xp_error *err)
{
    char *json;
    size_t len;
    xp_keystore ks;
    int rc = xp_file_read(file, XP_KEYSTORE_MAX_BYTES, &json, &len, err);
    if (rc)
        return rc;
    rc = xp_keystore_parse(json, len, &ks, err);
    free(json);
    if (rc)
        return xp_error_prefix(err, rc, "%s", file);
    if (ks.has_address) {
        memcpy(addr, ks.address, XP_ADDRESS_LEN);
        return XP_OK;
    }
    char *pw = NULL;
    uint8_t priv[32];
    if ((rc = xp_cli_password(pwfile, 0, &pw, err)))
        return rc;
    rc = xp_keystore_decrypt(&ks, pw, strlen(pw), priv, err);
    xp_cli_password_free(pw);
    if (!rc)
        rc = xp_privkey_to_address(priv, addr, err);
    xp_wipe(priv, sizeof priv);
    return rc;
}

static int cmd_create(int argc, char **argv)
{
    xp_opt o[] = {
        {"license", 0, 0}, {"description", 0, 0}, {"keystore", 0, 0}, {"password-file", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("dataset create", argc, argv, o, 4, pos, 1, &npos))
        return XP_EXIT_USAGE;
    const char *lic = xp_cli_get(o, 4, "license"), *ks = xp_cli_get(o, 4, "keystore");
    if (npos != 1 || !lic)
        return xp_cli_usage("dataset create: give NAME and --license SPDX");
    xp_error err = {0};
    uint8_t owner[XP_ADDRESS_LEN];
    if (ks && keystore_address(ks, xp_cli_get(o, 4, "password-file"), owner, &err))
        return xp_cli_fail(&err);
    xp_store *s;
    int rc = xp_cli_store_open(&s);
    if (rc)
        return rc;
    xp_dataset d;
    if (xp_dataset_create(s, pos[0], lic, xp_cli_get(o, 4, "description"), ks ? owner : NULL,
                          (uint64_t)time(NULL), &d, &err)) {
        xp_store_close(s);
        return xp_cli_fail(&err);
    }
    char hex[XP_ADDRESS_HEX_LEN] = "none";
    if (d.has_owner)
        xp_address_to_checksum(d.owner, hex);
    printf("created dataset %s (licence %s, owner %s)\n", d.name, d.license, hex);
    xp_store_close(s);
    return XP_EXIT_OK;
}

static int list_one(void *ctx, const xp_dataset *d)
{
    xp_store *s = ctx;
    xp_version v;
    xp_error err = {0};
    char root[67] = "-";
    if (d->versions && !xp_dataset_version(s, d->id, 0, &v, &err))
        xp_hex_encode(v.root, 32, root, 1);
    printf("%-24s %-14s versions %-4u records %-9llu %s\n", d->name, d->license, d->versions,
           (unsigned long long)d->size, root);
    return 0;
}

static int cmd_list(int argc, char **argv)
{
    const char *pos[1];
    int npos;
    if (xp_cli_parse("dataset list", argc, argv, NULL, 0, pos, 0, &npos))
        return XP_EXIT_USAGE;
    xp_store *s;
    int rc = xp_cli_store_open(&s);
    if (rc)
        return rc;
    xp_error err = {0};
    if (xp_dataset_each(s, list_one, s, &err))
        rc = xp_cli_fail(&err);
    xp_store_close(s);
    return rc;
}

/* dataset show|check NAME: the options, the store and the dataset. */
static int open_named(const char *cmd, int argc, char **argv, xp_opt *o, int nopts, xp_store **s,
                      xp_dataset *d)
{
    const char *pos[1];
    int npos;
    if (xp_cli_parse(cmd, argc, argv, o, nopts, pos, 1, &npos))
        return XP_EXIT_USAGE;
    if (npos != 1)
        return xp_cli_usage("%s: give NAME", cmd);
    int rc = xp_cli_store_open(s);
    if (rc)
        return rc;
    xp_error err = {0};
    if (xp_dataset_get(*s, pos[0], d, &err)) {
        xp_store_close(*s);
        return xp_cli_fail(&err);
    }
    return XP_EXIT_OK;
}

static int cmd_show(int argc, char **argv)
{
    xp_opt o[] = {{"json", 1, 0}};
    xp_store *s;
    xp_dataset d;
    int rc = open_named("dataset show", argc, argv, o, 1, &s, &d);
    if (rc)
        return rc;
    xp_error err = {0};
    json_t *j = xp_dataset_json(s, &d, &err);
    if (!j) {
        xp_store_close(s);
        return xp_cli_fail(&err);
    }
    if (xp_cli_get(o, 1, "json")) {
        char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (t)
            printf("%s\n", t);
        free(t);
    } else {
        printf("dataset %s\nlicence %s\n", d.name, d.license);
        if (d.description[0])
            printf("description %s\n", d.description);
        const char *owner = json_string_value(json_object_get(j, "owner"));
        printf("owner %s\nrecords %llu (%lld after the last version)\n", owner ? owner : "none",
               (unsigned long long)d.size,
               (long long)json_integer_value(json_object_get(j, "pending")));
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(j, "versions"), i, v)
        {
            printf("version %-4lld size %-9lld root %s\n",
                   (long long)json_integer_value(json_object_get(v, "version")),
                   (long long)json_integer_value(json_object_get(v, "size")),
                   json_string_value(json_object_get(v, "root")));
        }
    }
    json_decref(j);
    xp_store_close(s);
    return XP_EXIT_OK;
}

/* Everything a crash could have broken: each record's leaf against its stored leaf node and
 * its symhash index entry, every version's stored root against the root recomputed from the
 * records, and the counts of every table against the dataset's size. */
static int check_dataset(xp_store *s, const xp_dataset *d, xp_error *err)
{
    xp_dataset_counts c;
    int rc = xp_store_counts(s, d->id, &c, err);
    if (rc)
        return rc;
    uint64_t n = d->size, nodes = 2 * n - (uint64_t)__builtin_popcountll(n);
    if (c.records != n || c.leaves != n || c.by_symhash != n || c.by_protohash != n ||
        c.nodes != nodes || c.versions != d->versions)
        return xp_error_set(err, XP_EIO,
                            "dataset %s: size %llu but %llu records, %llu leaves, %llu nodes "
                            "(want %llu), %llu symhash and %llu protohash index entries, %llu "
                            "versions (want %u)",
                            d->name, (unsigned long long)n, (unsigned long long)c.records,
                            (unsigned long long)c.leaves, (unsigned long long)c.nodes,
                            (unsigned long long)nodes, (unsigned long long)c.by_symhash,
                            (unsigned long long)c.by_protohash, (unsigned long long)c.versions,
                            d->versions);
    uint8_t(*leaves)[32] = malloc((n ? n : 1) * 32);
    if (!leaves)
        return xp_error_set(err, XP_ENOMEM, "out of memory checking %s", d->name);
    for (uint64_t i = 0; i < n && !rc; i++) {
        uint8_t data[XP_RECORD_LEN], stored[32];
        xp_record r;
        uint64_t at;
        if ((rc = xp_store_record(s, d->id, i, data, err)) ||
            (rc = xp_record_decode(data, sizeof data, &r, err)) ||
            (rc = xp_store_leaf_hash(s, d->id, i, stored, err)) ||
            (rc = xp_store_find(s, d->id, r.symhash, &at, err)))
            break;
        xp_merkle_leaf_hash(data, sizeof data, leaves[i]);
        if (memcmp(stored, leaves[i], 32) || at != i)
            rc = xp_error_set(err, XP_EIO,
                              "dataset %s: record %llu disagrees with its leaf "
                              "node or its symhash index",
                              d->name, (unsigned long long)i);
    }
    uint64_t prev = 0;
    for (uint32_t v = 1; v <= d->versions && !rc; v++) {
        xp_version ver;
        uint8_t root[32], stored[32];
        if ((rc = xp_dataset_version(s, d->id, v, &ver, err)) ||
            (rc = xp_merkle_root((const uint8_t(*)[32])leaves, ver.size, root, err)) ||
            (rc = xp_store_root(s, d->id, ver.size, stored, err)))
            break;
        if (ver.size <= prev || ver.size > n || memcmp(root, ver.root, 32) ||
            memcmp(stored, ver.root, 32))
            rc = xp_error_set(err, XP_EIO,
                              "dataset %s: version %u (size %llu) does not match "
                              "the root of its records",
                              d->name, v, (unsigned long long)ver.size);
        prev = ver.size;
    }
    free(leaves);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    xp_store *s;
    xp_dataset d;
    int rc = open_named("dataset check", argc, argv, NULL, 0, &s, &d);
    if (rc)
        return rc;
    xp_error err = {0};
    if (check_dataset(s, &d, &err)) {
        xp_store_close(s);
        return xp_cli_fail(&err);
    }
    printf("dataset %s: %llu records and %u versions check out\n", d.name,
           (unsigned long long)d.size, d.versions);
    xp_store_close(s);
    return XP_EXIT_OK;
}

/* ---- dataset rehash: the records of a dataset keyed again with the current symhash ---------
 *
 * A record's leaf bytes never change (the log is append-only and its roots may be anchored),
 * so re-keying appends: for each record whose registered file is given again (found by its
 * contentSha256), the file is hashed with the current symhash and protohash, and a record with
 * the new keys is appended. It keeps the old record's contributor, timestamp and parent (a
 * parent re-keyed in the same run takes its new symhash), and its metadata gains
 * "rehashedFrom": {"record": i, "symhash": old} (docs/formats.md, "Re-keying a dataset"). A
 * new version is cut over the grown log. Running it again adds nothing. */

typedef struct rh_plan {
    uint64_t from;   /* the old record's index */
    xp_record r;     /* the new record */
    char *file;
} rh_plan;

typedef struct rehash {
    xp_store *s;
    xp_dataset d;
    int json;
    xp_record *recs; /* every record of the dataset */
    uint64_t n;
    struct rh_sha {
        uint8_t sha[32];
        uint64_t index;
    } *by_sha; /* the records' contentSha256, sorted */
    unsigned char *seen; /* per record: its file was given */
    rh_plan *plan;
    size_t nplan, cap;
    uint64_t files, unknown, failed, current;
} rehash;

static int sha_cmp(const void *a, const void *b)
{
    const struct rh_sha *x = a, *y = b;
    int c = memcmp(x->sha, y->sha, 32);
    return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

static void emit_json(json_t *o)
{
    char *t = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (t)
        printf("%s\n", t);
    free(t);
    json_decref(o);
}

/* The first record with this contentSha256 and how many there are. */
static uint64_t sha_range(const rehash *g, const uint8_t sha[32], uint64_t *count)
{
    uint64_t lo = 0, hi = g->n;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (memcmp(g->by_sha[mid].sha, sha, 32) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t end = lo;
    while (end < g->n && !memcmp(g->by_sha[end].sha, sha, 32))
        end++;
    *count = end - lo;
    return lo;
}

/* The metadata of the new record: the old one's, with "rehashedFrom". */
static int rehash_meta(rehash *g, uint64_t from, const xp_record *old, uint8_t out[32],
                       xp_error *err)
{
    static const uint8_t zero[32] = {0};
    json_t *obj = NULL;
    if (memcmp(old->meta_hash, zero, 32)) {
        char *text = NULL;
        if (xp_store_get_meta(g->s, old->meta_hash, &text, err) == 0) {
            obj = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
            free(text);
        }
        if (!obj || !json_is_object(obj)) {
            json_decref(obj);
            return xp_error_set(err, XP_EIO, "record %llu: its metadata is not in the store",
                                (unsigned long long)from);
        }
    } else {
        obj = json_object();
    }
    char sym[67];
    xp_hex_encode(old->symhash, 32, sym, 1);
    json_object_set_new(obj, "rehashedFrom",
                        json_pack("{s:I, s:s}", "record", (json_int_t)from, "symhash", sym));
    char *raw = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    char *canon = NULL;
    int rc = raw ? xp_meta_canonical(raw, &canon, err)
                 : xp_error_set(err, XP_ENOMEM, "out of memory");
    free(raw);
    if (rc)
        return rc;
    xp_keccak256(canon, strlen(canon), out);
    rc = xp_store_put_meta(g->s, out, canon, err);
    free(canon);
    return rc;
}

static int rehash_file(void *ctx, const char *file, xp_error *err)
{
    rehash *g = ctx;
    g->files++;
    char *data;
    size_t len;
    xp_error ferr = {0};
    if (xp_file_read(file, XP_CLI_MAX_FILE, &data, &len, &ferr)) {
        g->failed++;
        if (g->json)
            emit_json(json_pack("{s:s, s:s, s:s}", "file", file, "status", "failed", "error",
                                ferr.msg));
        else
            printf("failed %s\n", ferr.msg);
        return 0;
    }
    uint8_t sha[32];
    SHA256((const unsigned char *)data, len, sha);
    uint64_t count, first = sha_range(g, sha, &count);
    if (!count) {
        free(data);
        g->unknown++;
        if (g->json)
            emit_json(json_pack("{s:s, s:s}", "file", file, "status", "not registered"));
        else
            printf("not registered %s: no record of %s has its bytes\n", file, g->d.name);
        return 0;
    }
    xp_file_ids ids;
    int rc = xp_file_ids_of_mem(file, data, len, NULL, &ids, &ferr);
    free(data);
    if (rc) {
        g->failed++;
        if (g->json)
            emit_json(json_pack("{s:s, s:s, s:s}", "file", file, "status", "failed", "error",
                                ferr.msg));
        else
            printf("failed %s\n", ferr.msg);
        return 0;
    }
    /* the structures of the file against its records: in order when they are as many, else
     * each structure with the file's first record */
    for (size_t k = 0; k < ids.n; k++) {
        uint64_t at = g->by_sha[first + (count == ids.n ? k : 0)].index;
        if (g->seen[at] && count == ids.n)
            continue; /* the same file given twice */
        g->seen[at] = 1;
        const xp_record *old = &g->recs[at];
        char sym[67], from[67];
        xp_hex_encode(ids.symhash[k], 32, sym, 1);
        xp_hex_encode(old->symhash, 32, from, 1);
        if (!memcmp(old->symhash, ids.symhash[k], 32)) {
            g->current++;
            if (g->json)
                emit_json(json_pack("{s:s, s:I, s:s, s:s}", "file", file, "record",
                                    (json_int_t)at, "status", "current", "symhash", sym));
            continue;
        }
        if (g->nplan == g->cap) {
            size_t cap = g->cap ? 2 * g->cap : 64;
            rh_plan *p = realloc(g->plan, cap * sizeof *p);
            if (!p) {
                xp_file_ids_free(&ids);
                return xp_error_set(err, XP_ENOMEM, "out of memory");
            }
            g->plan = p;
            g->cap = cap;
        }
        rh_plan *p = &g->plan[g->nplan];
        p->from = at;
        p->r = *old;
        memcpy(p->r.symhash, ids.symhash[k], 32);
        memcpy(p->r.protohash, ids.protohash[k], 32);
        if (!(p->file = strdup(file)) || (rc = rehash_meta(g, at, old, p->r.meta_hash, err))) {
            free(p->file);
            xp_file_ids_free(&ids);
            return rc ? rc : xp_error_set(err, XP_ENOMEM, "out of memory");
        }
        g->nplan++;
    }
    xp_file_ids_free(&ids);
    return 0;
}

static int plan_cmp(const void *a, const void *b)
{
    const rh_plan *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

static int cmd_rehash(int argc, char **argv)
{
    xp_opt o[] = {{"json", 1, 0}};
    const char *pos[4096];
    int npos;
    if (xp_cli_parse("dataset rehash", argc, argv, o, 1, pos, 4096, &npos))
        return XP_EXIT_USAGE;
    if (npos < 2)
        return xp_cli_usage("dataset rehash: give NAME and the registered files (PATH...)");
    rehash g;
    memset(&g, 0, sizeof g);
    g.json = xp_cli_get(o, 1, "json") != NULL;
    xp_error err = {0};
    int rc = xp_cli_store_open(&g.s);
    if (rc)
        return rc;
    if ((rc = xp_dataset_get(g.s, pos[0], &g.d, &err)))
        goto fail;
    g.n = g.d.size;
    g.recs = malloc((g.n ? g.n : 1) * sizeof *g.recs);
    g.by_sha = malloc((g.n ? g.n : 1) * sizeof *g.by_sha);
    g.seen = calloc(g.n ? g.n : 1, 1);
    if (!g.recs || !g.by_sha || !g.seen) {
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
        goto fail;
    }
    for (uint64_t i = 0; i < g.n; i++) {
        uint8_t leaf[XP_RECORD_LEN];
        if ((rc = xp_store_record(g.s, g.d.id, i, leaf, &err)) ||
            (rc = xp_record_decode(leaf, sizeof leaf, &g.recs[i], &err)))
            goto fail;
        memcpy(g.by_sha[i].sha, g.recs[i].content_sha256, 32);
        g.by_sha[i].index = i;
    }
    qsort(g.by_sha, g.n, sizeof *g.by_sha, sha_cmp);
    for (int i = 1; i < npos; i++)
        if ((rc = xp_walk(pos[i], rehash_file, &g, &err)))
            goto fail;
    /* in the order of the old records; a parent re-keyed here takes its new symhash */
    qsort(g.plan, g.nplan, sizeof *g.plan, plan_cmp);
    for (size_t i = 0; i < g.nplan; i++)
        for (size_t j = 0; j < g.nplan; j++)
            if (!memcmp(g.plan[i].r.parent, g.recs[g.plan[j].from].symhash, 32)) {
                memcpy(g.plan[i].r.parent, g.plan[j].r.symhash, 32);
                break;
            }
    uint64_t added = 0, dups = 0, missing = 0;
    for (size_t at = 0; at < g.nplan;) {
        size_t m = g.nplan - at < 1024 ? g.nplan - at : 1024;
        xp_record batch[1024];
        uint8_t status[1024];
        uint64_t index[1024];
        for (size_t k = 0; k < m; k++)
            batch[k] = g.plan[at + k].r;
        if ((rc = xp_store_append(g.s, g.d.id, batch, m, status, index, &err)))
            goto fail;
        for (size_t k = 0; k < m; k++) {
            const rh_plan *p = &g.plan[at + k];
            char sym[67], from[67];
            xp_hex_encode(p->r.symhash, 32, sym, 1);
            xp_hex_encode(g.recs[p->from].symhash, 32, from, 1);
            int dup = status[k] == XP_APPEND_DUPLICATE;
            added += !dup;
            dups += dup;
            if (g.json)
                emit_json(json_pack("{s:s, s:I, s:s, s:s, s:s, s:I}", "file", p->file, "record",
                                    (json_int_t)p->from, "status", dup ? "duplicate" : "rekeyed",
                                    "from", from, "symhash", sym, "index", (json_int_t)index[k]));
            else if (dup)
                printf("record %llu (%s): its crystal is already record %llu under the current "
                       "symhash %s\n", (unsigned long long)p->from, p->file,
                       (unsigned long long)index[k], sym);
            else
                printf("record %llu (%s): re-keyed as record %llu, symhash %s (was %s)\n",
                       (unsigned long long)p->from, p->file, (unsigned long long)index[k], sym,
                       from);
        }
        at += m;
    }
    for (uint64_t i = 0; i < g.n; i++)
        if (!g.seen[i]) {
            missing++;
            char from[67];
            xp_hex_encode(g.recs[i].symhash, 32, from, 1);
            if (g.json)
                emit_json(json_pack("{s:I, s:s, s:s}", "record", (json_int_t)i, "status",
                                    "not given", "symhash", from));
        }
    xp_version v;
    int cut;
    if ((rc = xp_store_cut_version(g.s, g.d.id, (uint64_t)time(NULL), &v, &cut, &err)))
        goto fail;
    char root[67] = "-";
    if (v.number)
        xp_hex_encode(v.root, 32, root, 1);
    if (g.json)
        emit_json(json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:s}",
                            "dataset", g.d.name, "symhashVersion", XP_SYMHASH_VERSION, "records",
                            (json_int_t)g.n, "files", (json_int_t)g.files, "rekeyed",
                            (json_int_t)added, "merged", (json_int_t)dups, "current",
                            (json_int_t)g.current, "notGiven", (json_int_t)missing,
                            "notRegistered", (json_int_t)g.unknown, "newVersion", cut, "version",
                            (json_int_t)v.number, "size", (json_int_t)v.size, "root", root));
    else
        printf("%s: %llu records read, %llu files given: re-keyed %llu as new records with "
               "symhash version %d (the old records keep their leaves); %llu were one crystal "
               "with a record already there; %llu already current; %llu records' files not "
               "given; %llu files not registered here; %s %u, size %llu, root %s\n",
               g.d.name, (unsigned long long)g.n, (unsigned long long)g.files,
               (unsigned long long)added, XP_SYMHASH_VERSION, (unsigned long long)dups,
               (unsigned long long)g.current, (unsigned long long)missing,
               (unsigned long long)g.unknown, cut ? "new version" : "version unchanged",
               v.number, (unsigned long long)v.size, root);
    rc = g.failed ? XP_EXIT_FAIL : XP_EXIT_OK;
    goto done;
fail:
    rc = xp_cli_fail(&err);
done:
    for (size_t i = 0; i < g.nplan; i++)
        free(g.plan[i].file);
    free(g.plan);
    free(g.recs);
    free(g.by_sha);
    free(g.seen);
    xp_store_close(g.s);
    return rc;
}

int xp_cmd_dataset(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "create"))
        return cmd_create(argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "list"))
        return cmd_list(argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "show"))
        return cmd_show(argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "check"))
        return cmd_check(argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "rehash"))
        return cmd_rehash(argc - 1, argv + 1);
    return xp_cli_usage("dataset: expected create, list, show, check or rehash");
}
