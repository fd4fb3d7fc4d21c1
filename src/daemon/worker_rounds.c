/* The daemon's round watcher (daemon.h): eth_getLogs of the Rounds contract from a persisted
 * cursor, re-reading the last reorgDepth blocks each pass (every event is applied as an
 * assignment, so reading one twice changes nothing), then settle for this node's targets whose
 * reveal deadline has passed and withdraw of what the node is owed. It runs on the anchor
 * worker's thread with its chain connection: one sender per key in the process, so nonces
 * never race.
 *
 * Its document, in the store's node_state table under "rounds-watch/<chainid>/<Rounds address>"
 * (nodestate.h), is read into an xp_rounds_state when a pass starts and written from it at
 * every save (worker_internal.h has its keys). */
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
#include "worker_internal.h"

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

/* The document into s, or a fresh one from the deployment's block; also takes over the JSON
 * file HOME/watch-<chainid>.json of earlier versions once (then removes it). */
static void load(const watch_db *w, const char *home, const xp_chain *c, char *migrated,
                 size_t cap, xp_rounds_state *s)
{
    char addr[XP_ADDRESS_HEX_LEN], old[4200];
    xp_address_to_checksum(c->d.address[XP_C_ROUNDS], addr);
    json_t *doc = NULL;
    xp_error e = {0};
    pthread_mutex_lock(w->lock);
    int rc = xp_node_state_get(w->store, w->name, &doc, NULL);
    pthread_mutex_unlock(w->lock);
    snprintf(old, sizeof old, "%.4096s/watch-%llu.json", home, (unsigned long long)c->d.chain_id);
    if (rc == XP_ENOTFOUND) {
        doc = json_load_file(old, JSON_REJECT_DUPLICATES, NULL);
        const char *r = json_string_value(json_object_get(doc, "rounds"));
        if (!r || strcmp(r, addr)) { /* none, or of another deployment */
            json_decref(doc);
            doc = NULL;
        } else {
            snprintf(migrated, cap, "%s", old);
        }
    }
    if (doc && xp_rounds_state_read(doc, s, &e))
        fprintf(stderr, "xtalproof node: rounds: %s: %s; reading again from the deployment's "
                        "block\n", migrated[0] ? migrated : w->name, e.msg);
    else if (doc) {
        json_decref(doc);
        return;
    }
    json_decref(doc);
    memset(s, 0, sizeof *s);
    snprintf(s->rounds, sizeof s->rounds, "%s", addr);
    s->cursor = c->d.block;
}

static int save(const watch_db *w, const xp_rounds_state *s, xp_error *err)
{
    json_t *doc = xp_rounds_state_write(s);
    if (!doc)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    pthread_mutex_lock(w->lock);
    int rc = xp_node_state_put(w->store, w->name, doc, err);
    pthread_mutex_unlock(w->lock);
    json_decref(doc);
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

static void apply(xp_rounds_state *s, json_t *log, const uint8_t t0[EV_COUNT][32],
                  const uint8_t me[20])
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
    xp_round_target *e = xp_rounds_state_target(s, round, t, 1);
    if (!e)
        return; /* out of memory */
    if (ev == EV_COMMITTED || ev == EV_REVEALED) {
        uint8_t who[32];
        const char *w = json_string_value(json_array_get(topics, 3));
        if (w && !xp_hex_decode_exact(w, who, 32, NULL) && !memcmp(who + 12, me, 20))
            *(ev == EV_COMMITTED ? &e->mine : &e->revealed) = 1;
    } else if (ev == EV_RESULT) {
        /* data: value, uncertainty, rawDataHash, facility, measuredAt, revealDeadline */
        const char *d = json_string_value(json_object_get(log, "data"));
        if (d && strlen(d) >= 2 + 6 * 64) {
            char w[67] = "0x";
            memcpy(w + 2, d + 2 + 5 * 64, 64);
            w[66] = '\0';
            e->reveal_deadline = word_u64(w);
        }
    } else {
        if (!e->done && e->mine)
            s->withdraw_due = 1;
        e->done = 1;
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
static int reveal_own(xp_store *store, pthread_mutex_t *lock, xp_chain *c, xp_rounds_state *s,
                      const watch_db *w, uint64_t now, xp_rounds_stats *st, xp_error *err)
{
    const uint8_t *me = xp_sender_address(c->sender);
    due d = {.me = me};
    xp_pred_query q = {.by = XP_PRED_BY_ROUNDS, .chain_id = c->d.chain_id, .has_slot = 1};
    memcpy(q.rounds, c->d.address[XP_C_ROUNDS], 20);
    int rc = 0;
    /* the targets it committed to whose result is posted and whose reveal window is open: one
     * range of the store's index by (round, target) each */
    for (size_t i = 0; !rc && i < s->ntargets; i++) {
        const xp_round_target *e = &s->targets[i];
        uint64_t dl = e->reveal_deadline;
        if (!dl || now > dl || !e->mine || e->revealed || e->done)
            continue;
        q.round = e->round;
        q.target = e->target;
        pthread_mutex_lock(lock);
        rc = xp_pred_scan(store, &q, take_due, &d, NULL, NULL, err);
        pthread_mutex_unlock(lock);
    }
    for (size_t i = 0; !rc && i < d.n; i++) {
        const xp_pred_record *r = &d.recs[i];
        xp_round_target *e = xp_rounds_state_target(s, r->round, r->target, 0);
        if (e && e->revealed)
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
        if (e)
            e->revealed = 1;
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

/* The events since the cursor (less reorg_depth blocks) up to block latest applied to s, and
 * the cursor moved past them. */
static int read_events(xp_chain *c, const watch_db *w, xp_rounds_state *s, unsigned reorg_depth,
                       uint64_t latest, const char *migrated, xp_error *err)
{
    const uint8_t *me = xp_sender_address(c->sender);
    uint8_t t0[EV_COUNT][32];
    for (int i = 0; i < EV_COUNT; i++)
        xp_keccak256(EVENTS[i], strlen(EVENTS[i]), t0[i]);
    uint64_t from = s->cursor > reorg_depth ? s->cursor - reorg_depth : 0;
    if (from > latest)
        return 0;
    char addr[XP_ADDRESS_HEX_LEN], hx[EV_COUNT][67];
    xp_address_to_checksum(c->d.address[XP_C_ROUNDS], addr);
    json_t *f = json_pack("{s:s, s:[[s,s,s,s,s]]}", "address", addr, "topics",
                          xp_hex_encode(t0[0], 32, hx[0], 1), xp_hex_encode(t0[1], 32, hx[1], 1),
                          xp_hex_encode(t0[2], 32, hx[2], 1), xp_hex_encode(t0[3], 32, hx[3], 1),
                          xp_hex_encode(t0[4], 32, hx[4], 1)),
           *logs = NULL;
    int rc = xp_eth_get_logs(c->rpc, f, from, latest, 5000, &logs, err);
    json_decref(f);
    size_t i;
    json_t *l;
    json_array_foreach(rc ? NULL : logs, i, l) apply(s, l, t0, me);
    json_decref(logs);
    if (!rc) {
        s->cursor = latest + 1;
        rc = save(w, s, err);
        if (!rc && migrated[0])
            unlink(migrated); /* the store holds it now */
    }
    return rc;
}

/* settle of this node's targets once their reveal deadline has passed */
static int settle_due(xp_chain *c, const watch_db *w, xp_rounds_state *s, uint64_t now,
                      xp_rounds_stats *st, xp_error *err)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < s->ntargets; i++) {
        xp_round_target *e = &s->targets[i];
        uint64_t dl = e->reveal_deadline;
        if (!e->mine || e->done || !dl || now <= dl)
            continue;
        char idem[80], r[24], t[24];
        snprintf(r, sizeof r, "%lld", (long long)e->round);
        snprintf(t, sizeof t, "%lld", (long long)e->target);
        snprintf(idem, sizeof idem, "settle:%s:%s", r, t); /* the key of `round settle` */
        json_t *args = json_pack("[s, s]", r, t);
        xp_chain_tx tx;
        rc = xp_chain_send(c, c->d.address[XP_C_ROUNDS], "settle(uint256,uint256)", args, NULL,
                           idem, &tx, err);
        json_decref(args);
        if (rc && (strstr(err->msg, "ChallengeWindowOpen") || strstr(err->msg, "DisputesOpen"))) {
            rc = 0; /* not yet: the reveals may still be challenged, or a dispute is open */
            continue;
        }
        if (rc)
            break;
        fprintf(stderr, "xtalproof node: rounds: settled round %s target %s in block %llu\n", r,
                t, (unsigned long long)tx.sent.block);
        st->settled++;
        xp_chain_tx_clear(&tx);
        e->done = 1;
        s->withdraw_due = 1;
        rc = save(w, s, err);
    }
    return rc;
}

/* withdraw() of the node's balance in the Rounds contract, once something was settled */
static int withdraw(xp_chain *c, const watch_db *w, xp_rounds_state *s, xp_rounds_stats *st,
                    xp_error *err)
{
    const uint8_t *rounds = c->d.address[XP_C_ROUNDS];
    char mine[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(xp_sender_address(c->sender), mine);
    json_t *a = json_pack("[s, s]", "0x0000000000000000000000000000000000000000", mine),
           *bal = NULL;
    int rc = xp_chain_call(c, rounds, "balanceOf(address,address)", a, "(uint256)", &bal, err);
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
        s->withdraw_due = 0;
        rc = save(w, s, err);
    }
    return rc;
}

int xp_rounds_pass(const char *home, unsigned reorg_depth, xp_chain *c, xp_store *store,
                   pthread_mutex_t *lock, xp_rounds_stats *st, xp_round_target **targets,
                   size_t *n, xp_error *err)
{
    watch_db w;
    watch_db_init(&w, store, lock, c);
    char migrated[4200] = "";
    xp_rounds_state s;
    load(&w, home, c, migrated, sizeof migrated, &s);
    json_t *blk = NULL;
    uint64_t latest = 0, now = 0;
    int rc = xp_eth_get_block(c->rpc, "latest", 0, &blk, err);
    if (!rc) {
        const char *bn = json_string_value(json_object_get(blk, "number"));
        const char *ts = json_string_value(json_object_get(blk, "timestamp"));
        if (!bn || !ts || xp_quantity_parse_u64(bn, &latest, NULL) ||
            xp_quantity_parse_u64(ts, &now, NULL))
            rc = xp_error_set(err, XP_EIO, "eth_getBlockByNumber: no number or timestamp");
    }
    json_decref(blk);
    if (!rc)
        rc = read_events(c, &w, &s, reorg_depth, latest, migrated, err);
    if (!rc)
        rc = reveal_own(store, lock, c, &s, &w, now, st, err);
    if (!rc)
        rc = settle_due(c, &w, &s, now, st, err);
    if (!rc && s.withdraw_due)
        rc = withdraw(c, &w, &s, st, err);
    *targets = s.targets; /* handed over */
    *n = s.ntargets;
    s.targets = NULL;
    xp_rounds_state_free(&s);
    return rc;
}

char *xp_rounds_metrics_render(const xp_rounds_stats *s)
{
    const xp_worker_metric m[] = {
        {"xtalproof_rounds_settled_total", "Round targets settled by the node.", "counter",
         s->settled},
        {"xtalproof_rounds_withdrawals_total", "Withdrawals of the node's round balance.",
         "counter", s->withdrawals},
        {"xtalproof_rounds_revealed_total", "Commitments revealed by the node.", "counter",
         s->revealed},
        {"xtalproof_disputes_checked_total", "Reveals re-run by the watchtower.", "counter",
         s->checked},
        {"xtalproof_disputes_challenged_total", "Challenges sent by the watchtower.", "counter",
         s->challenged},
        {"xtalproof_dispute_moves_total", "Dispute transactions sent by the node.", "counter",
         s->moves},
        {"xtalproof_disputes_won_total", "The node's disputes that ended in its favour.",
         "counter", s->won},
        {"xtalproof_disputes_lost_total", "The node's disputes that ended against it.", "counter",
         s->lost}};
    return xp_worker_metrics_text(m, sizeof m / sizeof m[0]);
}
