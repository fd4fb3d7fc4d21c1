/* Every structure of a file hashed (symhash, protohash) with the file's SHA-256: what a dataset
 * record is made of, for the register command and the node's API alike. */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"

int xp_file_ids_of_mem(const char *name, const char *data, size_t len, const xp_read_opts *opts,
                       xp_file_ids *ids, xp_error *err)
{
    memset(ids, 0, sizeof *ids);
    SHA256((const unsigned char *)data, len, ids->sha256);
    xp_structure_list list;
    int rc = xp_read_structures_mem(name, data, len, opts, &list, err);
    if (rc)
        return rc;
    if (list.n == 0) {
        xp_structure_list_free(&list);
        return xp_error_set(err, XP_EINVAL, "%s holds no structure", name);
    }
    ids->symhash = calloc(list.n, 32);
    ids->protohash = calloc(list.n, 32);
    if (!ids->symhash || !ids->protohash)
        rc = xp_error_set(err, XP_ENOMEM, "out of memory hashing %s", name);
    for (size_t i = 0; !rc && i < list.n; i++) {
        xp_xtal_id id;
        if ((rc = xp_xtal_identify(list.items[i], NULL, &id, err))) {
            xp_error_prefix(err, rc, "%s", name);
            break;
        }
        memcpy(ids->symhash[i], id.symhash, 32);
        memcpy(ids->protohash[i], id.protohash, 32);
        xp_xtal_id_clear(&id);
    }
    ids->n = list.n;
    xp_structure_list_free(&list);
    if (rc)
        xp_file_ids_free(ids);
    return rc;
}

int xp_file_ids_of_file(const char *path, size_t max, xp_file_ids *ids, xp_error *err)
{
    memset(ids, 0, sizeof *ids);
    char *data;
    size_t len;
    int rc = xp_file_read(path, max, &data, &len, err);
    if (rc)
        return rc;
    rc = xp_file_ids_of_mem(path, data, len, NULL, ids, err);
    free(data);
    return rc;
}

void xp_file_ids_free(xp_file_ids *ids)
{
    free(ids->symhash);
    free(ids->protohash);
    memset(ids, 0, sizeof *ids);
}
