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
