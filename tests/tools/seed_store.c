/* Writes records as an older xtalproof would have: for the tests of `dataset rehash`, which
 * need records keyed by a symhash this version no longer computes. Appends one record to the
 * dataset (created with licence CC0-1.0 if missing) in the store under HOME: contentSha256 of
 * FILE's bytes, the symhash given (protohash: keccak of it), timestamp 1700000000, the parent
 * given (or none) and the metadata JSON given (or none); then cuts a version.
 * usage: seed_store HOME DATASET FILE SYMHASH PARENT|- META|- */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/store.h"

static int die(const xp_error *err)
{
    fprintf(stderr, "seed_store: %s\n", err->msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: seed_store HOME DATASET FILE SYMHASH PARENT|- META|-\n");
        return 2;
    }
    xp_error err = {0};
    xp_store *s;
    if (xp_store_open(argv[1], 0, &s, &err))
        return die(&err);
    xp_dataset d;
    if (xp_dataset_get(s, argv[2], &d, &err) &&
        xp_dataset_create(s, argv[2], "CC0-1.0", NULL, NULL, 1700000000u, &d, &err))
        return die(&err);
    char *data;
    size_t len;
    if (xp_file_read(argv[3], 1 << 26, &data, &len, &err))
        return die(&err);
    xp_record r;
    memset(&r, 0, sizeof r);
    r.version = XP_RECORD_VERSION;
    SHA256((const unsigned char *)data, len, r.content_sha256);
    free(data);
    if (xp_hex_decode_exact(argv[4], r.symhash, 32, &err))
        return die(&err);
    xp_keccak256(r.symhash, 32, r.protohash);
    if (strcmp(argv[5], "-") && xp_hex_decode_exact(argv[5], r.parent, 32, &err))
        return die(&err);
    r.timestamp = 1700000000u;
    if (strcmp(argv[6], "-")) {
        char *canon;
        if (xp_meta_canonical(argv[6], &canon, &err))
            return die(&err);
        xp_keccak256(canon, strlen(canon), r.meta_hash);
        if (xp_store_put_meta(s, r.meta_hash, canon, &err))
            return die(&err);
        free(canon);
    }
    uint8_t status;
    uint64_t index;
    xp_version v;
    int cut;
    if (xp_store_append(s, d.id, &r, 1, &status, &index, &err) ||
        xp_store_cut_version(s, d.id, 1700000000u, &v, &cut, &err))
        return die(&err);
    printf("%llu\n", (unsigned long long)index);
    xp_store_close(s);
    return 0;
}
