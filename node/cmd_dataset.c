/* xtalproof dataset create | list | show | check | rehash. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keystore.h"
#include "xtalproof/rehash.h"
#include "xtalproof/store.h"
#include "xtalproof/symhash.h"

/* The owner's key from a keystore, decrypted: a wrong or missing password is an error, and a
 * keystore whose "address" field is not its key's address is refused (xp_keystore_decrypt: the
 * field is editable; the key is what proves the owner). */
static int keystore_key(const char *file, const char *pwfile, uint8_t priv[32], xp_error *err)
{
    char *json;
    size_t len;
    xp_keystore ks;
    int rc = xp_file_read(file, XP_KEYSTORE_MAX_BYTES, &json, &len, err);
    if (rc)
        return rc;
    xp_file_warn_shared(file, "keystore");
    rc = xp_keystore_parse(json, len, &ks, err);
    free(json);
    if (rc)
        return xp_error_prefix(err, rc, "%s", file);
    char *pw = NULL;
    if ((rc = xp_cli_password(pwfile, 0, &pw, err)))
        return rc;
    rc = xp_keystore_decrypt(&ks, pw, strlen(pw), priv, err);
    xp_cli_password_free(pw);
    if (rc)
        return xp_error_prefix(err, rc, "%s", file);
    return XP_OK;
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
    uint8_t key[32];
    if (ks && keystore_key(ks, xp_cli_get(o, 4, "password-file"), key, &err))
        return xp_cli_fail(&err);
    xp_store *s;
    int rc = xp_cli_store_open(&s);
    if (rc) {
        xp_wipe(key, sizeof key);
        return rc;
    }
    xp_dataset d;
    rc = xp_dataset_create(s, pos[0], lic, xp_cli_get(o, 4, "description"), ks ? key : NULL,
                           (uint64_t)time(NULL), &d, &err);
    xp_wipe(key, sizeof key);
    if (rc) {
        xp_store_close(s);
        return xp_cli_fail(&err);
    }
    char hex[XP_ADDRESS_HEX_LEN] = "none";
    if (d.has_owner)
        xp_address_to_checksum(d.owner, hex);
    printf("created dataset %s (license %s, owner %s)\n", d.name, d.license, hex);
    xp_store_close(s);
    return XP_EXIT_OK;
}

typedef struct lister {
    xp_store *s;
    int json;
} lister;

static int list_one(void *ctx, const xp_dataset *d)
{
    const lister *l = ctx;
    xp_store *s = l->s;
    xp_version v;
    xp_error err = {0};
    char root[67] = "-";
    if (d->versions && !xp_dataset_version(s, d->id, 0, &v, &err))
        xp_hex_encode(v.root, 32, root, 1);
    if (l->json)
        xp_cli_print_json(json_pack("{s:s, s:s, s:I, s:I, s:s}", "name", d->name, "license",
                                    d->license, "versions", (json_int_t)d->versions, "records",
                                    (json_int_t)d->size, "root", root));
    else
        printf("%-24s %-14s %-8u %-9llu %s\n", d->name, d->license, d->versions,
               (unsigned long long)d->size, root);
    return 0;
}

static int cmd_list(int argc, char **argv)
{
    xp_opt o[] = {{"json", 1, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("dataset list", argc, argv, o, 1, pos, 0, &npos))
        return XP_EXIT_USAGE;
    lister l = {NULL, xp_cli_get(o, 1, "json") != NULL};
    int rc = xp_cli_store_open(&l.s);
    if (rc)
        return rc;
    if (!l.json)
        printf("%-24s %-14s %-8s %-9s %s\n", "name", "license", "versions", "records",
               "root (latest version)");
    xp_error err = {0};
    if (xp_dataset_each(l.s, list_one, &l, &err))
        rc = xp_cli_fail(&err);
    xp_store_close(l.s);
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
        printf("dataset %s\nlicense %s\n", d.name, d.license);
        if (d.description[0])
            printf("description %s\n", d.description);
        const char *owner = json_string_value(json_object_get(j, "owner"));
        int proven = json_is_true(json_object_get(j, "ownerProven"));
        printf("owner %s%s\nrecords %llu (%lld after the last version)\n", owner ? owner : "none",
               !owner ? "" : proven ? " (proven: it signed the creation)"
                                    : " (owner not proven: no valid creation signature)",
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

static int cmd_check(int argc, char **argv)
{
    xp_store *s;
    xp_dataset d;
    int rc = open_named("dataset check", argc, argv, NULL, 0, &s, &d);
    if (rc)
        return rc;
    xp_error err = {0};
    if (xp_dataset_check(s, &d, &err)) {
        xp_store_close(s);
        return xp_cli_fail(&err);
    }
    printf("dataset %s: %llu %s and %u %s check out\n", d.name, (unsigned long long)d.size,
           xp_cli_plural(d.size, "record", "records"), d.versions,
           xp_cli_plural(d.versions, "version", "versions"));
    int owner = xp_dataset_owner_status(&d, &err);
    if (owner == XP_OWNER_PROVEN)
        printf("dataset %s: its owner signed its creation\n", d.name);
    else if (owner == XP_OWNER_NOT_PROVEN)
        printf("dataset %s: owner not proven: the entry was made before creation signatures "
               "and carries none, so its owner (and its records' contributor) is not to be "
               "trusted\n",
               d.name);
    xp_store_close(s);
    return XP_EXIT_OK;
}

/* ---- dataset rehash: the records of a dataset keyed again with the current symhash --------- */

static void emit_json(json_t *o)
{
    char *t = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (t)
        printf("%s\n", t);
    free(t);
    json_decref(o);
}

/* One line per file or record: JSON lines with --json, else the lines a person needs. */
static void rehash_line(void *ctx, const xp_rehash_event *ev)
{
    const char *dataset = ((const char *const *)ctx)[0];
    int json = ((const char *const *)ctx)[1] != NULL;
    int quiet = ((const char *const *)ctx)[2] != NULL;
    if (quiet && ev->status != XP_REHASH_FAILED && ev->status != XP_REHASH_NOT_REGISTERED)
        return;
    char sym[67], from[67];
    xp_hex_encode(ev->symhash, 32, sym, 1);
    xp_hex_encode(ev->from, 32, from, 1);
    switch (ev->status) {
    case XP_REHASH_FAILED:
        if (json)
            emit_json(json_pack("{s:s, s:s, s:s}", "file", ev->file, "status", "failed", "error",
                                ev->error));
        else
            printf("failed %s\n", ev->error);
        break;
    case XP_REHASH_NOT_REGISTERED:
        if (json)
            emit_json(json_pack("{s:s, s:s}", "file", ev->file, "status", "not registered"));
        else
            printf("not registered %s: no record of %s has its bytes\n", ev->file, dataset);
        break;
    case XP_REHASH_CURRENT:
        if (json)
            emit_json(json_pack("{s:s, s:I, s:s, s:s}", "file", ev->file, "record",
                                (json_int_t)ev->record, "status", "current", "symhash", sym));
        break;
    case XP_REHASH_REKEYED:
    case XP_REHASH_DUPLICATE: {
        int dup = ev->status == XP_REHASH_DUPLICATE;
        if (json)
            emit_json(json_pack("{s:s, s:I, s:s, s:s, s:s, s:I}", "file", ev->file, "record",
                                (json_int_t)ev->record, "status", dup ? "duplicate" : "rekeyed",
                                "from", from, "symhash", sym, "index", (json_int_t)ev->index));
        else if (dup)
            printf("record %llu (%s): its crystal is already record %llu under the current "
                   "symhash %s\n",
                   (unsigned long long)ev->record, ev->file, (unsigned long long)ev->index, sym);
        else
            printf("record %llu (%s): re-keyed as record %llu, symhash %s (was %s)\n",
                   (unsigned long long)ev->record, ev->file, (unsigned long long)ev->index, sym,
                   from);
        break;
    }
    case XP_REHASH_NOT_GIVEN:
        if (json)
            emit_json(json_pack("{s:I, s:s, s:s}", "record", (json_int_t)ev->record, "status",
                                "not given", "symhash", from));
        break;
    }
}

static int cmd_rehash(int argc, char **argv)
{
    xp_opt o[] = {{"json", 1, 0}, {"quiet", 1, 0}};
    const char *pos[4096];
    int npos;
    if (xp_cli_parse("dataset rehash", argc, argv, o, 2, pos, 4096, &npos))
        return XP_EXIT_USAGE;
    if (npos < 2)
        return xp_cli_usage("dataset rehash: give NAME and the registered files (PATH...)");
    xp_error err = {0};
    xp_store *s;
    xp_dataset d;
    int rc = xp_cli_store_open(&s);
    if (rc)
        return rc;
    if (xp_dataset_get(s, pos[0], &d, &err)) {
        xp_store_close(s);
        return xp_cli_fail(&err);
    }
    int json = xp_cli_get(o, 2, "json") != NULL;
    const char *ctx[3] = {d.name, json ? "json" : NULL, xp_cli_get(o, 2, "quiet")};
    xp_rehash_summary g;
    if (xp_dataset_rehash(s, &d, pos + 1, (size_t)npos - 1, XP_CLI_MAX_FILE, (uint64_t)time(NULL),
                          rehash_line, (void *)ctx, &g, &err)) {
        xp_store_close(s);
        return xp_cli_fail(&err);
    }
    xp_store_close(s);
    char root[67] = "-";
    if (g.v.number)
        xp_hex_encode(g.v.root, 32, root, 1);
    if (json)
        emit_json(json_pack(
            "{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:s}", "dataset", d.name,
            "symhashVersion", XP_SYMHASH_VERSION, "records", (json_int_t)g.records, "files",
            (json_int_t)g.files, "rekeyed", (json_int_t)g.rekeyed, "merged", (json_int_t)g.merged,
            "current", (json_int_t)g.current, "notGiven", (json_int_t)g.not_given, "notRegistered",
            (json_int_t)g.not_registered, "newVersion", g.new_version, "version",
            (json_int_t)g.v.number, "size", (json_int_t)g.v.size, "root", root));
    else
        printf("%s: %llu %s read, %llu %s given: re-keyed %llu as new records with "
               "symhash version %d (the old records keep their leaves); %llu were one crystal "
               "with a record already there; %llu already current; %llu records' files not "
               "given; %llu files not registered here; %s %u, size %llu, root %s\n",
               d.name, (unsigned long long)g.records, xp_cli_plural(g.records, "record", "records"),
               (unsigned long long)g.files, xp_cli_plural(g.files, "file", "files"),
               (unsigned long long)g.rekeyed, XP_SYMHASH_VERSION, (unsigned long long)g.merged,
               (unsigned long long)g.current, (unsigned long long)g.not_given,
               (unsigned long long)g.not_registered,
               g.new_version ? "new version" : "version unchanged", g.v.number,
               (unsigned long long)g.v.size, root);
    return g.failed ? XP_EXIT_FAIL : XP_EXIT_OK;
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
