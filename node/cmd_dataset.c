/* xtalproof dataset create | list | show | check. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keystore.h"
#include "xtalproof/store.h"

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
    return xp_cli_usage("dataset: expected create, list, show or check");
}
