/* The daemon's round watcher (daemon.h): eth_getLogs of the Rounds contract from a persisted
 * cursor, re-reading the last reorgDepth blocks each pass (every event is applied as an
 * assignment, so reading one twice changes nothing), then settle for this node's targets whose
 * reveal deadline has passed and withdraw of what the node is owed. It runs on the anchor
 * worker's thread with its chain connection: one sender per key in the process, so nonces
 * never race.
 *
 * Its document, in the store's node_state table under "rounds-watch/<chainid>/<Rounds address>"
 * (nodestate.h): {"rounds": address, "cursor": next block to read, "targets": {"R:T": {"round",
 * "target", "mine", "revealDeadline", "done"}}, "withdrawDue"}. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/daemon.h"
#include "xtalproof/keccak.h"
#include "xtalproof/nodestate.h"
#include "xtalproof/predictions.h"
#include "xtalproof/prover.h"
#include "xtalproof/secrets.h"

static const char *const EVENTS[] = {
    "Committed(uint256,uint256,address,bytes32)",
    "ResultPosted(uint256,uint256,int256,uint256,bytes32,bytes32,uint64,uint64)",
    "Settled(uint256,uint256,uint256,uint256,uint256)", "Cancelled(uint256,uint256)",
    "Revealed(uint256,uint256,address,uint256,int256,bytes32,bytes32,bool)"};
enum { EV_COMMITTED, EV_RESULT, EV_SETTLED, EV_CANCELLED, EV_REVEALED, EV_COUNT };

/* Where the watcher keeps its document: the store's node_state table, under a name that holds
 * the chain and the Rounds contract (another deployment starts afresh). */
typedef struct watch_db {
    xp_store *store;
    pthread_mutex_t *lock;
    char name[96];
} watch_db;

static void watch_db_init(watch_db *w, xp_store *store, pthread_mutex_t *lock, const xp_chain *c)
{
    char addr[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(c->d.address[XP_C_ROUNDS], addr);
    w->store = store;
    w->lock = lock;
    snprintf(w->name, sizeof w->name, "rounds-watch/%llu/%s", (unsigned long long)c->d.chain_id,
             addr);
}

/* The document, or a fresh one from the deployment's block; also takes over the JSON file
 * HOME/watch-<chainid>.json of earlier versions once (then removes it). */
static json_t *load(const watch_db *w, const char *home, const xp_chain *c, char *migrated,
                    size_t cap)
{
    char addr[XP_ADDRESS_HEX_LEN], old[4200];
    xp_address_to_checksum(c->d.address[XP_C_ROUNDS], addr);
    json_t *s = NULL;
    pthread_mutex_lock(w->lock);
    int rc = xp_node_state_get(w->store, w->name, &s, NULL);
    pthread_mutex_unlock(w->lock);
    snprintf(old, sizeof old, "%.4096s/watch-%llu.json", home, (unsigned long long)c->d.chain_id);
    if (rc == XP_ENOTFOUND) {
        s = json_load_file(old, JSON_REJECT_DUPLICATES, NULL);
        const char *r = json_string_value(json_object_get(s, "rounds"));
        if (!r || strcmp(r, addr)) { /* none, or of another deployment */
            json_decref(s);
            s = NULL;
        } else {
            snprintf(migrated, cap, "%s", old);
        }
    }
    if (!json_is_object(s) || !json_is_object(json_object_get(s, "targets"))) {
        json_decref(s);
        s = json_pack("{s:s, s:I, s:{}, s:b}", "rounds", addr, "cursor",
                      (json_int_t)c->d.block, "targets", "withdrawDue", 0);
    }
    return s;
}

static int save(const watch_db *w, json_t *s, xp_error *err)
{
    pthread_mutex_lock(w->lock);
    int rc = xp_node_state_put(w->store, w->name, s, err);
    pthread_mutex_unlock(w->lock);
    return rc;
}

/* A 32-byte hex word as a u64 (0 when longer). */
static uint64_t word_u64(const char *hex)
{
    uint8_t b[32];
    if (!hex || xp_hex_decode_exact(hex, b, 32, NULL))
        return 0;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)
        v = v << 8 | b[i];
    return v;
}

static json_t *target_of(json_t *s, uint64_t round, uint64_t t)
{
    char k[48];
    snprintf(k, sizeof k, "%llu:%llu", (unsigned long long)round, (unsigned long long)t);
    json_t *targets = json_object_get(s, "targets"), *e = json_object_get(targets, k);
    if (!e) {
        e = json_pack("{s:I, s:I, s:b, s:I, s:b}", "round", (json_int_t)round, "target",
                      (json_int_t)t, "mine", 0, "revealDeadline", (json_int_t)0, "done", 0);
        json_object_set_new(targets, k, e);
    }
    return e;
}

static void apply(json_t *s, json_t *log, const uint8_t t0[EV_COUNT][32], const uint8_t me[20])
{
    json_t *topics = json_object_get(log, "topics");
    uint8_t h[32];
    const char *t0s = json_string_value(json_array_get(topics, 0));
    if (!t0s || xp_hex_decode_exact(t0s, h, 32, NULL))
        return;
    int ev = -1;
    for (int i = 0; i < EV_COUNT; i++)
        if (!memcmp(h, t0[i], 32))
            ev = i;
    if (ev < 0)
        return;
    uint64_t round = word_u64(json_string_value(json_array_get(topics, 1)));
    uint64_t t = word_u64(json_string_value(json_array_get(topics, 2)));
    json_t *e = target_of(s, round, t);
    if (ev == EV_COMMITTED || ev == EV_REVEALED) {
        uint8_t who[32];
        const char *w = json_string_value(json_array_get(topics, 3));
        if (w && !xp_hex_decode_exact(w, who, 32, NULL) && !memcmp(who + 12, me, 20))
            json_object_set_new(e, ev == EV_COMMITTED ? "mine" : "revealed", json_true());
    } else if (ev == EV_RESULT) {
        /* data: value, uncertainty, rawDataHash, facility, measuredAt, revealDeadline */
        const char *d = json_string_value(json_object_get(log, "data"));
        if (d && strlen(d) >= 2 + 6 * 64) {
            char w[67] = "0x";
            memcpy(w + 2, d + 2 + 5 * 64, 64);
            w[66] = '\0';
            json_object_set_new(e, "revealDeadline", json_integer((json_int_t)word_u64(w)));
        }
    } else {
        if (!json_is_true(json_object_get(e, "done")) && json_is_true(json_object_get(e, "mine")))
            json_object_set_new(s, "withdrawDue", json_true());
        json_object_set_new(e, "done", json_true());
    }
}

/* The records of a due target that reveal_own takes: of this node's key, naming a model id. */
typedef struct due {
    const uint8_t *me;
    xp_pred_record *recs;
    size_t n, cap;
} due;

static int take_due(void *arg, const uint8_t hash[32], const char *json, size_t len)
{
    (void)hash;
    due *d = arg;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 8;
        xp_pred_record *p = realloc(d->recs, cap * sizeof *p);
        if (!p)
            return XP_ENOMEM;
        d->recs = p;
        d->cap = cap;
    }
    xp_pred_record *r = &d->recs[d->n];
    if (xp_pred_record_parse(json, len, r, NULL) || memcmp(r->predictor, d->me, 20) ||
        !r->anchor.has_model_id)
        return XP_PRED_SKIP;
    d->n++;
    return XP_PRED_TAKE;
}

/* Reveals this node's commitments whose result is posted and whose reveal window is open:
 * the prediction records of its key in the store's predictions table (`xtalproof prove`,
 * `round commit --model` and POST /v1/predictions put them there), with the salt from the
 * store's secrets table (checked against the record's commitment). */
static int reveal_own(xp_store *store, pthread_mutex_t *lock, xp_chain *c, json_t *s,
                      const watch_db *w, uint64_t now, xp_anchor_stats *st, xp_error *err)
{
    const uint8_t *me = xp_sender_address(c->sender);
    due d = {.me = me};
    xp_pred_query q = {.by = XP_PRED_BY_ROUNDS, .chain_id = c->d.chain_id, .has_slot = 1};
    memcpy(q.rounds, c->d.address[XP_C_ROUNDS], 20);
    int rc = 0;
    const char *k;
    json_t *e;
    /* the targets it committed to whose result is posted and whose reveal window is open: one
     * range of the store's index by (round, target) each */
    json_object_foreach(json_object_get(s, "targets"), k, e)
    {
        uint64_t dl = (uint64_t)json_integer_value(json_object_get(e, "revealDeadline"));
        if (rc || !dl || now > dl || !json_is_true(json_object_get(e, "mine")) ||
            json_is_true(json_object_get(e, "revealed")) || json_is_true(json_object_get(e, "done")))
            continue;
        q.round = (uint64_t)json_integer_value(json_object_get(e, "round"));
        q.target = (uint64_t)json_integer_value(json_object_get(e, "target"));
        pthread_mutex_lock(lock);
        rc = xp_pred_scan(store, &q, take_due, &d, NULL, NULL, err);
        pthread_mutex_unlock(lock);
    }
    for (size_t i = 0; !rc && i < d.n; i++) {
        const xp_pred_record *r = &d.recs[i];
        char key_rt[48];
        snprintf(key_rt, sizeof key_rt, "%llu:%llu", (unsigned long long)r->round,
                 (unsigned long long)r->target);
        e = json_object_get(json_object_get(s, "targets"), key_rt);
        if (json_is_true(json_object_get(e, "revealed")))
            continue; /* another record of the same target, revealed just now */
        uint8_t key[32], salt[XP_SECRET_MAX], cm[32];
        size_t sl = 0;
        xp_prove_salt_key(r, key);
        pthread_mutex_lock(lock);
        int bad = xp_secret_get(store, key, salt, &sl, NULL);
        pthread_mutex_unlock(lock);
        if (bad || sl != 32)
            continue;
        xp_pred_record_commitment(r, salt, cm);
        if (memcmp(cm, r->commitment, 32)) {
            xp_wipe(salt, sizeof salt);
            continue; /* another record of the same target: not the one committed */
        }
        char idem[200], cmh[67], sh[67], th[67], vq[24], rs[24], ts[24], ms[24], rh[67];
        uint8_t h[32];
        xp_pred_record_hash(r, h);
        xp_hex_encode(h, 32, rh, 1);
        xp_hex_encode(r->commitment, 32, cmh, 1);
        snprintf(idem, sizeof idem, "reveal:%llu:%llu:%s", (unsigned long long)r->round,
                 (unsigned long long)r->target, cmh); /* the key of `round reveal` */
        snprintf(vq, sizeof vq, "%lld", (long long)r->value_q);
        snprintf(rs, sizeof rs, "%llu", (unsigned long long)r->round);
        snprintf(ts, sizeof ts, "%llu", (unsigned long long)r->target);
        snprintf(ms, sizeof ms, "%llu", (unsigned long long)r->anchor.model_id);
        json_t *args = json_pack("[s, s, s, s, s, s]", rs, ts, ms, vq,
                                 xp_hex_encode(salt, 32, sh, 1),
                                 xp_hex_encode(r->trace_root, 32, th, 1));
        xp_pred_record *pub = &d.recs[i]; /* the revealed form, stored once it is sent */
        memcpy(pub->salt, salt, 32);
        xp_wipe(salt, sizeof salt);
        xp_wipe(sh, sizeof sh);
        xp_chain_tx tx;
        rc = xp_chain_send(c, c->d.address[XP_C_ROUNDS],
                           "reveal(uint256,uint256,uint256,int256,bytes32,bytes32)", args, NULL,
                           idem, &tx, err);
        json_decref(args);
        if (rc)
            break;
        fprintf(stderr,
                "xtalproof node: rounds: revealed round %s target %s (record %.18s...) in block "
                "%llu\n",
                rs, ts, rh, (unsigned long long)tx.sent.block);
        xp_chain_tx_clear(&tx);
        st->revealed++;
        json_object_set_new(e, "revealed", json_true());
        pub->has_salt = 1;
        xp_error e2 = {0};
        pthread_mutex_lock(lock);
        if (xp_pred_put_record(store, pub, NULL, NULL, &e2))
            fprintf(stderr, "xtalproof node: rounds: keeping the revealed record: %s\n", e2.msg);
        pthread_mutex_unlock(lock);
        rc = save(w, s, err);
    }
    for (size_t i = 0; i < d.n; i++)
        xp_wipe(d.recs[i].salt, 32);
    free(d.recs);
    return rc;
}

int xp_rounds_pass(const char *home, unsigned reorg_depth, xp_chain *c, xp_store *store,
                   pthread_mutex_t *lock, xp_anchor_stats *st, json_t **targets, xp_error *err)
{
    const uint8_t *me = xp_sender_address(c->sender);
    const uint8_t *rounds = c->d.address[XP_C_ROUNDS];
    watch_db w;
    watch_db_init(&w, store, lock, c);
    char migrated[4200] = "";
    json_t *s = load(&w, home, c, migrated, sizeof migrated), *logs = NULL, *blk = NULL;
    uint8_t t0[EV_COUNT][32];
    uint64_t latest = 0, now = 0;
    int rc = 0;
    for (int i = 0; !rc && i < EV_COUNT; i++)
        xp_keccak256(EVENTS[i], strlen(EVENTS[i]), t0[i]);
    if (!rc)
        rc = xp_eth_get_block(c->rpc, "latest", 0, &blk, err);
    if (!rc) {
        const char *n = json_string_value(json_object_get(blk, "number"));
        const char *ts = json_string_value(json_object_get(blk, "timestamp"));
        if (!n || !ts || xp_quantity_parse_u64(n, &latest, NULL) ||
            xp_quantity_parse_u64(ts, &now, NULL))
            rc = xp_error_set(err, XP_EIO, "eth_getBlockByNumber: no number or timestamp");
    }
    uint64_t cursor = (uint64_t)json_integer_value(json_object_get(s, "cursor"));
    uint64_t from = cursor > reorg_depth ? cursor - reorg_depth : 0;
    if (!rc && from <= latest) {
        char addr[XP_ADDRESS_HEX_LEN], hx[EV_COUNT][67];
        xp_address_to_checksum(rounds, addr);
        json_t *f = json_pack("{s:s, s:[[s,s,s,s,s]]}", "address", addr, "topics",
                              xp_hex_encode(t0[0], 32, hx[0], 1),
                              xp_hex_encode(t0[1], 32, hx[1], 1),
                              xp_hex_encode(t0[2], 32, hx[2], 1),
                              xp_hex_encode(t0[3], 32, hx[3], 1),
                              xp_hex_encode(t0[4], 32, hx[4], 1));
        rc = xp_eth_get_logs(c->rpc, f, from, latest, 5000, &logs, err);
        json_decref(f);
        size_t i;
        json_t *l;
        json_array_foreach(rc ? NULL : logs, i, l) apply(s, l, t0, me);
        if (!rc) {
            json_object_set_new(s, "cursor", json_integer((json_int_t)latest + 1));
            rc = save(&w, s, err);
            if (!rc && migrated[0])
                unlink(migrated); /* the store holds it now */
        }
    }
    if (!rc)
        rc = reveal_own(store, lock, c, s, &w, now, st, err);
    /* settle this node's targets once their reveal deadline has passed */
    const char *k;
    json_t *e;
    json_object_foreach(rc ? NULL : json_object_get(s, "targets"), k, e)
    {
        uint64_t dl = (uint64_t)json_integer_value(json_object_get(e, "revealDeadline"));
        if (!json_is_true(json_object_get(e, "mine")) || json_is_true(json_object_get(e, "done")) ||
            !dl || now <= dl)
            continue;
        char idem[80], r[24], t[24];
        snprintf(r, sizeof r, "%lld", (long long)json_integer_value(json_object_get(e, "round")));
        snprintf(t, sizeof t, "%lld", (long long)json_integer_value(json_object_get(e, "target")));
        snprintf(idem, sizeof idem, "settle:%s:%s", r, t); /* the key of `round settle` */
        json_t *args = json_pack("[s, s]", r, t);
        xp_chain_tx tx;
        rc = xp_chain_send(c, rounds, "settle(uint256,uint256)", args, NULL, idem, &tx, err);
        json_decref(args);
        if (rc)
            break;
        fprintf(stderr, "xtalproof node: rounds: settled round %s target %s in block %llu\n", r,
                t, (unsigned long long)tx.sent.block);
        st->settled++;
        xp_chain_tx_clear(&tx);
        json_object_set_new(e, "done", json_true());
        json_object_set_new(s, "withdrawDue", json_true());
        if ((rc = save(&w, s, err)))
            break;
    }
    if (!rc && json_is_true(json_object_get(s, "withdrawDue"))) {
        char mine[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(me, mine);
        json_t *a = json_pack("[s, s]", "0x0000000000000000000000000000000000000000", mine),
               *bal = NULL;
        rc = xp_chain_call(c, rounds, "balanceOf(address,address)", a, "(uint256)", &bal, err);
        json_decref(a);
        const char *amount = json_string_value(json_array_get(bal, 0));
        if (!rc && amount && strcmp(amount, "0")) {
            json_t *args = json_array();
            xp_chain_tx tx;
            /* no key: a second withdraw of nothing is refused by gas estimation, unsigned */
            rc = xp_chain_send(c, rounds, "withdraw()", args, NULL, NULL, &tx, err);
            json_decref(args);
            if (!rc) {
                fprintf(stderr, "xtalproof node: rounds: withdrew %s wei in block %llu\n", amount,
                        (unsigned long long)tx.sent.block);
                st->withdrawals++;
            }
            xp_chain_tx_clear(&tx);
        }
        json_decref(bal);
        if (!rc) {
            json_object_set_new(s, "withdrawDue", json_false());
            rc = save(&w, s, err);
        }
    }
    *targets = json_deep_copy(json_object_get(s, "targets"));
    json_decref(blk);
    json_decref(logs);
    json_decref(s);
    return rc;
}
