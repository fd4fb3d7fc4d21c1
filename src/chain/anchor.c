/* A dataset version on chain: createDataset or extendDataset (chain.h), shared by
 * `xtalproof anchor` and the node's anchor worker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/keccak.h"
#include "xtalproof/rpc.h"

int xp_dataset_meta_hash(const xp_dataset *d, uint8_t out[32], xp_error *err)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "name", d->name, "license", d->license,
                          "description", d->description);
    char *raw = o ? json_dumps(o, JSON_COMPACT) : NULL, *canon = NULL;
    json_decref(o);
    int rc =
        raw ? xp_meta_canonical(raw, &canon, err) : xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!rc)
        xp_keccak256(canon, strlen(canon), out);
    free(raw);
    free(canon);
    return rc;
}

int xp_chain_anchor(xp_chain *c, const xp_dataset *d, const char *uri, uint64_t size,
                    const uint8_t root[32], const xp_merkle_proof *proof, uint64_t *id,
                    xp_chain_tx *tx, xp_error *err)
{
    const uint8_t *prov = c->d.address[XP_C_PROVENANCE];
    char idem[200], rh[67], num[24], idn[24], defuri[128];
    xp_hex_encode(root, 32, rh, 1);
    /* the key names the dataset and the version: a rerun after a crash finds the journalled
     * transaction instead of sending another */
    snprintf(idem, sizeof idem, "anchor:%s:%llu:%s", d->name, (unsigned long long)size, rh);
    snprintf(num, sizeof num, "%llu", (unsigned long long)size);
    memset(tx, 0, sizeof *tx);
    int rc;
    if (!proof) {
        uint8_t meta[32];
        if ((rc = xp_dataset_meta_hash(d, meta, err)))
            return rc;
        snprintf(defuri, sizeof defuri, "xtalproof:dataset/%s", d->name);
        json_t *args = json_pack("[s, s, o, s]", rh, num, xp_eth_jhex(meta, 32),
                                 uri ? uri : defuri);
        rc = xp_chain_send(c, prov, "createDataset(bytes32,uint64,bytes32,string)", args, NULL,
                           idem, tx, err);
        json_decref(args);
        xp_u256 v;
        if (!rc && !(rc = xp_chain_log_topic(tx->receipt, prov,
                                             "DatasetCreated(uint256,address,bytes32,uint64,"
                                             "bytes32,string)",
                                             1, &v, err)))
            xp_u256_to_u64(&v, id);
        return rc;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < proof->len; i++)
        json_array_append_new(arr, xp_eth_jhex(proof->hash[i], 32));
    snprintf(idn, sizeof idn, "%llu", (unsigned long long)*id);
    json_t *args = json_pack("[s, s, s, o]", idn, rh, num, arr);
    rc = xp_chain_send(c, prov, "extendDataset(uint256,bytes32,uint64,bytes32[])", args, NULL,
                       idem, tx, err);
    json_decref(args);
    return rc;
}

void xp_chain_dataset_key(const xp_dataset *d, char key[67])
{
    static const uint8_t none[XP_ADDRESS_LEN] = {0};
    uint8_t h[32];
    xp_dataset_creation_hash(d->name, d->license, d->description, d->has_owner ? d->owner : none,
                             d->created, h);
    xp_hex_encode(h, 32, key, 1);
}

int xp_chain_entry_is_mine(xp_store *s, const xp_dataset *d, uint64_t size, const char *root,
                           xp_error *err)
{
    uint8_t want[32], have[32];
    if (!root || size > d->size || xp_hex_decode_exact(root, want, 32, NULL))
        return 0;
    if (!size)
        return 1;
    int rc = xp_store_root(s, d->id, size, have, err);
    return rc ? rc : memcmp(want, have, 32) == 0;
}

/* The entry's size and root, as the state holds them. */
static int entry_mine(xp_store *s, const xp_dataset *d, const json_t *e, xp_error *err)
{
    return xp_chain_entry_is_mine(s, d, (uint64_t)json_integer_value(json_object_get(e, "size")),
                                  json_string_value(json_object_get(e, "root")), err);
}

/* Moves map[name] (an entry of version 1) under key, with d's name in it. */
static int move_entry(json_t *map, const char *name, const char *key)
{
    json_t *e = json_object_get(map, name);
    if (!e)
        return 0;
    json_incref(e);
    int bad = json_object_del(map, name) || json_object_set_new(e, "name", json_string(name)) ||
              json_object_set(map, key, e);
    json_decref(e);
    return bad ? XP_ENOMEM : 0;
}

int xp_chain_state_dataset(json_t *state, xp_store *s, const xp_dataset *d, json_t **entry,
                           int *moved, xp_error *err)
{
    char key[67];
    xp_chain_dataset_key(d, key);
    json_t *map = json_object_get(state, "datasets");
    json_t *e = json_object_get(map, key), *old = json_object_get(map, d->name);
    *entry = NULL;
    *moved = 0;
    int mine = e ? entry_mine(s, d, e, err) : old ? entry_mine(s, d, old, err) : 0;
    if (mine < 0)
        return mine;
    if (e && !mine)
        return xp_error_set(err, XP_EEXIST,
                            "the deployment's chain state holds, under the key of this store's "
                            "dataset %s (%s), a dataset anchored from another store: another "
                            "home created a dataset alike to the second (same name, license, "
                            "description and owner); this store's %s is not anchored: create it "
                            "again under another name here, or give this home its own "
                            "deployment file",
                            d->name, key, d->name);
    if (!e && old && mine) {
        json_t *pend = json_object_get(state, "anchorPending");
        if (move_entry(map, d->name, key) || (pend && move_entry(pend, d->name, key)))
            return xp_error_set(err, XP_ENOMEM, "out of memory");
        e = json_object_get(map, key);
        *moved = 1;
    }
    *entry = e;
    return 0;
}
