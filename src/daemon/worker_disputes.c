/* The daemon's dispute roles (docs/operations.md, "Disputes"), one pass on the anchor worker's
 * thread after the round watcher's:
 * - the watchtower re-runs every reveal of every target whose challenge window is open and whose
 *   structure file is in "disputeStructures" (matched by structureRoot; the model by the weights
 *   root of its registration, from the model folders), and challenges each one whose valueQ or
 *   traceRoot is not what the inference gives; it then plays the challenger's moves of its
 *   disputes and claims the defender's missed deadlines;
 * - the defender answers every challenge of the node's own reveals (recomputing the trace from
 *   the structure file and the model) and claims the challenger's missed deadlines.
 * Nothing is stored that the chain does not hold but a memo of what was checked and of how the
 * node's disputes ended (node_state "disputes/<chainid>/<Disputes address>": {"checked":
 * {"R:T:K": verdict}, "ended": {"ID": outcome}, "roundsOver": {"R": true}, the rounds whose
 * every target is settled, cancelled or past its challenge window, not read again}); every transaction goes through the journalled
 * sender under an idempotency key (src/chain/dispute_moves.c), so a pass cut short by a crash
 * sends nothing twice when it runs again. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/daemon.h"
#include "xtalproof/keys.h"
#include "xtalproof/model.h"
#include "xtalproof/nodestate.h"
#include "worker_internal.h"

typedef struct pass {
    const xp_node_config *cfg;
    xp_chain *c;
    uint8_t me[XP_ADDRESS_LEN];
    uint64_t now;
    xp_dispute_file *files;
    size_t nfiles;
    json_t *doc, *checked, *ended, *over; /* the memo */
    xp_rounds_stats *st;
} pass;

/* Every action logged, and counted: challenges and moves. */
static void log_actions(pass *p, json_t *actions)
{
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a)
    {
        const char *what = json_string_value(json_object_get(a, "action"));
        if (what && !strcmp(what, "check"))
            p->st->checked++;
        else if (what && !strcmp(what, "challenge"))
            p->st->challenged++;
        else if (what && json_object_get(a, "tx"))
            p->st->moves++;
        char *s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s)
            fprintf(stderr, "xtalproof node: dispute: %s\n", s);
        free(s);
    }
    json_array_clear(actions);
}

/* ---- the watchtower -------------------------------------------------------------------------- */

static int check_one(pass *p, uint64_t r, uint64_t t, uint64_t k, const xp_dispute_file *f,
                     json_t *actions, xp_error *err)
{
    char key[72];
    snprintf(key, sizeof key, "%llu:%llu:%llu", (unsigned long long)r, (unsigned long long)t,
             (unsigned long long)k);
    if (json_object_get(p->checked, key))
        return XP_OK;
    xp_reveal rv;
    int rc = xp_reveal_at(p->c, r, t, k, &rv, err);
    if (rc)
        return rc;
    const char *verdict = "own";
    if (memcmp(rv.predictor, p->me, XP_ADDRESS_LEN)) {
        uint8_t wr[32];
        xp_model *m = NULL;
        xp_error e = {0};
        if (xp_dispute_weights_root(p->c, rv.model_id, wr, &e) ||
            xp_dispute_model_for_root(NULL, wr, &m, &e)) {
            verdict = "no model";
            fprintf(stderr, "xtalproof node: dispute: reveal %s: %s\n", key, e.msg);
        } else {
            xp_dispute_check ck = {r, t, k, f->path, m, 0};
            rc = xp_dispute_check_reveal(p->c, &ck, &rv, actions, err);
            json_t *first = json_array_get(actions, 0);
            verdict = json_string_value(json_object_get(first, "verdict"));
            verdict = verdict ? verdict : "checked";
            /* remembered only once done: a challenge the chain did not take (the node away, a
             * refusal) is tried again next pass, under the same idempotency key */
            if (!rc)
                json_object_set_new(p->checked, key, json_string(verdict));
            log_actions(p, actions);
            xp_model_free(m);
            return rc;
        }
    }
    json_object_set_new(p->checked, key, json_string(verdict));
    return XP_OK;
}

/* Every reveal of every target in its challenge window whose structure file is at hand. */
static int watch(pass *p, json_t *actions, xp_error *err)
{
    uint64_t count = 0;
    int rc = xp_chain_round_count(p->c, &count, err);
    for (uint64_t r = 1; !rc && r <= count; r++) {
        char rkey[24];
        snprintf(rkey, sizeof rkey, "%llu", (unsigned long long)r);
        if (json_object_get(p->over, rkey))
            continue; /* every target settled, cancelled or past its challenge window */
        int over = 1;
        json_t *info = NULL;
        uint8_t token[XP_ADDRESS_LEN];
        xp_u256 bond;
        uint64_t window = 0, n = 0;
        if ((rc = xp_chain_round_info(p->c, r, 0, &info, err)) ||
            (rc = xp_round_dispute_params(p->c, r, token, &bond, &window, err))) {
            json_decref(info);
            break;
        }
        n = (uint64_t)json_integer_value(json_object_get(info, "targetCount"));
        json_decref(info);
        for (uint64_t t = 0; !rc && t < n; t++) {
            xp_target_info ti;
            if ((rc = xp_target_facts(p->c, r, t, &ti, err)))
                break;
            if (ti.status == 0)
                over = 0; /* no result yet: it may come */
            if (ti.status != 1 || p->now >= ti.reveal_deadline + window)
                continue; /* no result yet, settled, or the window is over */
            over = 0;
            const xp_dispute_file *f = xp_dispute_file_of_root(p->files, p->nfiles,
                                                               ti.structure_root);
            for (uint64_t k = 0; f && !rc && k < ti.reveals; k++)
                rc = check_one(p, r, t, k, f, actions, err);
        }
        if (!rc && over)
            json_object_set_new(p->over, rkey, json_true());
    }
    return rc;
}

/* ---- the node's disputes --------------------------------------------------------------------- */

/* The defender's or the challenger's move, with the dispute's structure file and model. */
static int move(pass *p, const xp_dispute *d, int defend, json_t *actions, xp_error *err)
{
    const xp_dispute_file *f = xp_dispute_file_of_root(p->files, p->nfiles, d->structure_root);
    if (!f)
        return xp_error_set(err, XP_ENOTFOUND, "dispute %llu: no file of disputeStructures has "
                            "the target's structureRoot", (unsigned long long)d->id);
    xp_model *m = NULL;
    char *data = NULL;
    size_t len = 0;
    int rc = xp_dispute_model_for_root(NULL, d->weights_root, &m, err);
    if (!rc)
        rc = xp_file_read(f->path, XP_DISPUTE_MAX_STRUCTURE, &data, &len, err);
    if (!rc && defend)
        rc = xp_dispute_defend(p->c, d->id, m, f->path, data, len, actions, err);
    else if (!rc)
        rc = xp_dispute_attack(p->c, d->id, m, f->path, data, len, 0, actions, err);
    free(data);
    xp_model_free(m);
    return rc;
}

static void ended(pass *p, const xp_dispute *d, int mine_challenger)
{
    char key[24];
    snprintf(key, sizeof key, "%llu", (unsigned long long)d->id);
    if (json_object_get(p->ended, key))
        return;
    int won = d->outcome == XP_OUTCOME_MOOT ||
              (d->outcome == XP_OUTCOME_CHALLENGER_WON) == (mine_challenger != 0);
    if (won)
        p->st->won++;
    else
        p->st->lost++;
    json_object_set_new(p->ended, key, json_string(xp_dispute_outcomes[d->outcome & 3]));
    fprintf(stderr, "xtalproof node: dispute: {\"dispute\":%llu,\"outcome\":\"%s\",\"node\":\"%s\"}\n",
            (unsigned long long)d->id, xp_dispute_outcomes[d->outcome & 3],
            won ? "won" : "lost");
}

/* One dispute of the node's: its move when it is the node's turn, the other side's missed
 * deadline claimed, a dispute of a reveal lost elsewhere closed. */
static int play(pass *p, uint64_t id, json_t *actions, xp_error *err)
{
    char key[24];
    snprintf(key, sizeof key, "%llu", (unsigned long long)id);
    if (json_object_get(p->ended, key))
        return XP_OK;
    xp_dispute d;
    int rc = xp_dispute_get(p->c, id, &d, err);
    if (rc)
        return rc;
    int challenger = !memcmp(d.challenger, p->me, XP_ADDRESS_LEN) && p->cfg->watchtower;
    int defender = !memcmp(d.predictor, p->me, XP_ADDRESS_LEN) && p->cfg->defender;
    if (!challenger && !defender)
        return XP_OK;
    if (d.outcome != XP_OUTCOME_OPEN) {
        ended(p, &d, challenger);
        return XP_OK;
    }
    int ours = (d.turn == XP_TURN_DEFENDER) == (defender != 0);
    if (!ours && p->now > d.deadline)
        rc = xp_dispute_timeout(p->c, id, actions, err);
    else if (ours && p->now <= d.deadline) {
        xp_reveal rv;
        if (challenger && !xp_reveal_at(p->c, d.round, d.target, d.reveal, &rv, NULL) && rv.lost)
            rc = xp_dispute_close(p->c, id, actions, err);
        else
            rc = move(p, &d, defender, actions, err);
    }
    log_actions(p, actions);
    if (!rc && !xp_dispute_get(p->c, id, &d, NULL) && d.outcome != XP_OUTCOME_OPEN)
        ended(p, &d, challenger);
    return rc;
}

static int dispute_count(xp_chain *c, uint64_t *n, xp_error *err)
{
    json_t *out = NULL, *args = json_array();
    int rc = xp_chain_call(c, c->d.address[XP_C_DISPUTES], "disputeCount()", args, "(uint256)",
                           &out, err);
    json_decref(args);
    const char *s = rc ? NULL : json_string_value(json_array_get(out, 0));
    char *end = NULL;
    if (!rc && s)
        *n = strtoull(s, &end, 10);
    if (!rc && (!s || !end || *end || strlen(s) > 19))
        rc = xp_error_set(err, XP_EIO, "disputeCount(): not a count");
    json_decref(out);
    return rc;
}

/* ---- the pass ---------------------------------------------------------------------------------- */

int xp_disputes_pass(const xp_node_config *cfg, xp_chain *c, const uint8_t priv[32],
                     xp_store *store, pthread_mutex_t *lock, xp_rounds_stats *st, xp_error *err)
{
    pass p = {.cfg = cfg, .c = c, .st = st};
    char name[96], addr[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(c->d.address[XP_C_DISPUTES], addr);
    snprintf(name, sizeof name, "disputes/%llu/%s", (unsigned long long)c->d.chain_id, addr);
    int rc = xp_privkey_to_address(priv, p.me, err);
    if (!rc)
        rc = xp_chain_now(c, &p.now, err);
    if (!rc)
        rc = xp_dispute_files(cfg->dispute_structures, NULL, 0, &p.files, &p.nfiles, err);
    if (rc)
        return rc;
    pthread_mutex_lock(lock);
    if (xp_node_state_get(store, name, &p.doc, NULL) || !json_is_object(p.doc)) {
        json_decref(p.doc);
        p.doc = json_object();
    }
    pthread_mutex_unlock(lock);
    if (!json_is_object(p.checked = json_object_get(p.doc, "checked")))
        json_object_set_new(p.doc, "checked", p.checked = json_object());
    if (!json_is_object(p.ended = json_object_get(p.doc, "ended")))
        json_object_set_new(p.doc, "ended", p.ended = json_object());
    if (!json_is_object(p.over = json_object_get(p.doc, "roundsOver")))
        json_object_set_new(p.doc, "roundsOver", p.over = json_object());
    json_t *actions = json_array();
    if (!actions)
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!rc && cfg->watchtower)
        rc = watch(&p, actions, err);
    uint64_t n = 0;
    if (!rc)
        rc = dispute_count(c, &n, err);
    for (uint64_t id = 1; !rc && id <= n; id++) {
        xp_error e = {0};
        int r1 = play(&p, id, actions, &e);
        if (r1 == XP_EIO)
            rc = xp_error_set(err, r1, "%s", e.msg); /* the chain went away: next pass */
        else if (r1)
            fprintf(stderr, "xtalproof node: dispute %llu: %s\n", (unsigned long long)id, e.msg);
    }
    json_decref(actions);
    pthread_mutex_lock(lock);
    xp_error e = {0};
    if (xp_node_state_put(store, name, p.doc, &e))
        fprintf(stderr, "xtalproof node: disputes: %s\n", e.msg);
    pthread_mutex_unlock(lock);
    json_decref(p.doc);
    free(p.files);
    return rc;
}
