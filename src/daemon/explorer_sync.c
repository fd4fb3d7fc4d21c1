/* What changed on the chain since the explorer's cache (explorer_cache.c) was at a block: the
 * newest block the cache was at that the chain still holds, found by hash (so a reorg at the
 * same height, or deeper, is seen), and the logs of the deployment's contracts after it, reduced
 * to the contracts, rounds and disputes they touch. A round's answer (`round show`) changes only
 * by a transaction to Rounds or Disputes, and each of those logs an event naming the round (topic
 * 1 of every Rounds event but RoyaltiesDistributed and Withdrawn, which touch no round; topic 2
 * of Disputes' Challenged) or the dispute (topic 1 of Disputes' other events). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"
#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keys.h"
#include "xtalproof/rpc.h"

static const char *const NO_ROUND[] = {"RoyaltiesDistributed(address,uint256,uint256)",
                                       "Withdrawn(address,address,uint256)"};
static const char CHALLENGED[] =
    "Challenged(uint256,uint256,uint256,uint256,address,address,uint256,uint64)";

static int hex_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!s || strncmp(s, "0x", 2) || !s[2])
        return 1;
    *v = strtoull(s + 2, &end, 16);
    return *end != 0;
}

/* The block of tag (its number, hash and parent's hash); *missing when the chain has none. */
static int block_at(xp_chain *ch, const char *tag, xp_xhead *h, uint8_t parent[32], int *missing,
                    xp_error *err)
{
    json_t *b = NULL;
    int rc = xp_eth_get_block(ch->rpc, tag, 0, &b, err);
    if (rc)
        return rc;
    *missing = json_is_null(b);
    if (!*missing &&
        (hex_u64(json_string_value(json_object_get(b, "number")), &h->n) ||
         xp_hex_decode_exact(json_string_value(json_object_get(b, "hash")), h->hash, 32, NULL) ||
         xp_hex_decode_exact(json_string_value(json_object_get(b, "parentHash")), parent, 32,
                             NULL)))
        rc = xp_error_set(err, XP_EIO, "eth_getBlockByNumber(%s): a block without number or hashes",
                          tag);
    json_decref(b);
    return rc;
}

int xp_xsync_latest(xp_chain *ch, xp_xhead *head, uint8_t parent[32], xp_error *err)
{
    int missing = 0;
    int rc = block_at(ch, "latest", head, parent, &missing, err);
    if (!rc && missing)
        rc = xp_error_set(err, XP_EIO, "eth_getBlockByNumber(latest): no block");
    return rc;
}

void xp_xchanges_free(xp_xchanges *c)
{
    free(c->rounds);
    free(c->disputes);
    memset(c, 0, sizeof *c);
}

/* Adds the number of a topic (a 32-byte hex word) to v; one above 64 bits, or none, is a log
 * the cache cannot place: every round goes. */
static int add_id(const char *topic, uint64_t **v, size_t *n, xp_xchanges *c)
{
    uint8_t w[32];
    static const uint8_t zero[24];
    if (!topic || xp_hex_decode_exact(topic, w, 32, NULL) || memcmp(w, zero, 24)) {
        c->all_rounds = 1;
        return 0;
    }
    uint64_t id = 0;
    for (int k = 24; k < 32; k++)
        id = id << 8 | w[k];
    uint64_t *m = realloc(*v, (*n + 1) * sizeof *m);
    if (!m)
        return 1;
    m[(*n)++] = id;
    *v = m;
    return 0;
}

/* topic 0 equals the topic of signature sig */
static int is_event(const uint8_t t0[32], const char *sig)
{
    uint8_t t[32];
    return !xp_abi_event_topic(sig, t, NULL) && !memcmp(t, t0, 32);
}

/* One log: its contract, and the round or dispute it names. */
static int place(const xp_chain *ch, json_t *log, xp_xchanges *c, xp_error *err)
{
    uint8_t addr[XP_ADDRESS_LEN], t0[32];
    json_t *topics = json_object_get(log, "topics");
    const char *a = json_string_value(json_object_get(log, "address"));
    if (!a || xp_address_parse(a, addr, NULL) ||
        xp_hex_decode_exact(json_string_value(json_array_get(topics, 0)), t0, 32, NULL))
        return xp_error_set(err, XP_EIO, "eth_getLogs: a log without address or topic");
    int k = 0;
    while (k < XP_C_COUNT && memcmp(ch->d.address[k], addr, XP_ADDRESS_LEN))
        k++;
    if (k == XP_C_COUNT)
        return 0;
    c->contracts |= 1u << k;
    int bad = 0;
    if (k == XP_C_ROUNDS && !is_event(t0, NO_ROUND[0]) && !is_event(t0, NO_ROUND[1]))
        bad = add_id(json_string_value(json_array_get(topics, 1)), &c->rounds, &c->nrounds, c);
    else if (k == XP_C_DISPUTES && is_event(t0, CHALLENGED))
        bad = add_id(json_string_value(json_array_get(topics, 2)), &c->rounds, &c->nrounds, c);
    else if (k == XP_C_DISPUTES)
        bad = add_id(json_string_value(json_array_get(topics, 1)), &c->disputes, &c->ndisputes, c);
    return bad ? xp_error_set(err, XP_ENOMEM, "out of memory") : 0;
}

/* The logs of the deployment's contracts in blocks from..to, placed. */
static int read_logs(xp_chain *ch, uint64_t from, uint64_t to, xp_xchanges *c, xp_error *err)
{
    json_t *addrs = json_array(), *logs = NULL;
    for (int k = 0; k < XP_C_COUNT; k++) {
        char h[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(ch->d.address[k], h);
        json_array_append_new(addrs, json_string(h));
    }
    json_t *f = json_pack("{s:o}", "address", addrs);
    int rc = f ? xp_eth_get_logs(ch->rpc, f, from, to, 0, &logs, err)
               : xp_error_set(err, XP_ENOMEM, "out of memory");
    json_decref(f);
    size_t i;
    json_t *log;
    json_array_foreach(logs, i, log)
    {
        if (rc)
            break;
        rc = place(ch, log, c, err);
    }
    json_decref(logs);
    return rc;
}

int xp_xsync_read(xp_chain *ch, const xp_xhead *heads, size_t nheads, const xp_xhead *head,
                  const uint8_t parent[32], xp_xchanges *c, xp_error *err)
{
    memset(c, 0, sizeof *c);
    c->restart = 1;
    /* the newest block the cache was at that the chain holds: most often the latest block's
     * parent, known without a call; else each one asked for by number, newest first */
    for (size_t i = nheads; i-- > 0 && c->restart;) {
        const xp_xhead *k = &heads[i];
        int same = 0, missing = 0, rc = 0;
        if (k->n == head->n) {
            same = !memcmp(k->hash, head->hash, 32);
        } else if (k->n + 1 == head->n) {
            same = !memcmp(k->hash, parent, 32);
        } else if (k->n < head->n) {
            char tag[24];
            xp_xhead at;
            uint8_t p[32];
            snprintf(tag, sizeof tag, "0x%llx", (unsigned long long)k->n);
            if ((rc = block_at(ch, tag, &at, p, &missing, err)))
                return rc;
            same = !missing && !memcmp(at.hash, k->hash, 32);
        }
        if (same) {
            c->restart = 0;
            c->base = k->n;
        }
    }
    if (!c->restart && head->n - c->base > XP_XCACHE_SPAN)
        c->restart = 1;
    if (c->restart || head->n == c->base)
        return 0;
    int rc = read_logs(ch, c->base + 1, head->n, c, err);
    if (rc)
        xp_xchanges_free(c);
    return rc;
}
