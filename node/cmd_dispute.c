/* xtalproof challenge | dispute show|respond|claim|concede: the dispute game from the command line
 * (docs/operations.md). The moves are library calls (src/chain/dispute*.c); this file parses,
 * finds the files (structure, model) and prints one JSON line per action. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/model.h"
#include "xtalproof/prover.h"
#include "xtalproof/steps.h"

#define MAX_STRUCTURE (16 << 20)
#define MAX_FILES XP_DISPUTE_MAX_FILES

static void print_actions(json_t *actions)
{
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a)
    {
        char *s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s)
            printf("%s\n", s);
        free(s);
    }
    fflush(stdout);
    json_array_clear(actions);
}

/* ---- the files a dispute needs -------------------------------------------------------------- */

/* ---- challenge --------------------------------------------------------------------------------- */

static int challenge_record(xp_chain *c, const char *path, const char *structure,
                            const char *model, int force, json_t *actions, xp_error *err)
{
    char *text = NULL;
    size_t len = 0;
    xp_pred_record r;
    int rc = xp_file_read(path, XP_PRED_MAX_BYTES, &text, &len, err);
    if (!rc)
        rc = xp_pred_record_parse(text, len, &r, err);
    free(text);
    if (rc)
        return xp_error_prefix(err, rc, "%s", path);
    if (!structure)
        return xp_error_set(err, XP_EINVAL, "challenge: give --structure FILE (the record's "
                            "crystal) to re-run the inference");
    if (r.round == 0 || memcmp(r.rounds, c->d.address[XP_C_ROUNDS], XP_ADDRESS_LEN) ||
        r.chain_id != c->d.chain_id)
        return xp_error_set(err, XP_EINVAL, "%s is not a prediction for a round of this "
                            "deployment's Rounds on chain %llu", path,
                            (unsigned long long)c->d.chain_id);
    xp_target_info ti;
    if ((rc = xp_target_facts(c, r.round, r.target, &ti, err)))
        return rc;
    xp_reveal rv;
    uint64_t k = 0;
    for (; k < ti.reveals; k++) {
        if ((rc = xp_reveal_at(c, r.round, r.target, k, &rv, err)))
            return rc;
        if (!memcmp(rv.predictor, r.predictor, XP_ADDRESS_LEN))
            break;
    }
    if (k == ti.reveals)
        return xp_error_set(err, XP_ENOTFOUND, "round %llu target %llu holds no reveal of %s's "
                            "predictor", (unsigned long long)r.round,
                            (unsigned long long)r.target, path);
    xp_model *m = NULL;
    if ((rc = xp_cli_record_model(model, &r, &m, err)))
        return rc;
    xp_dispute_check ck = {r.round, r.target, k, structure, m, force};
    rc = xp_dispute_check_reveal(c, &ck, &rv, actions, err);
    print_actions(actions);
    xp_model_free(m);
    return rc;
}

/* Every reveal of a round (or of one target) whose structure file is at hand. */
static int challenge_round(xp_chain *c, uint64_t round, int has_target, uint64_t only,
                           const xp_dispute_file *files, size_t nfiles, const char *model, int force,
                           json_t *actions, xp_error *err)
{
    json_t *info = NULL;
    int rc = xp_chain_round_info(c, round, 0, &info, err);
    uint64_t n = rc ? 0 : (uint64_t)json_integer_value(json_object_get(info, "targetCount"));
    json_decref(info);
    for (uint64_t t = has_target ? only : 0; !rc && t < (has_target ? only + 1 : n); t++) {
        xp_target_info ti;
        if ((rc = xp_target_facts(c, round, t, &ti, err)))
            break;
        const xp_dispute_file *f = xp_dispute_file_of_root(files, nfiles, ti.structure_root);
        for (uint64_t k = 0; !rc && k < ti.reveals; k++) {
            xp_reveal rv;
            uint8_t wr[32];
            xp_model *m = NULL;
            xp_error e = {0};
            if ((rc = xp_reveal_at(c, round, t, k, &rv, err)))
                break;
            int skip = !f || xp_dispute_weights_root(c, rv.model_id, wr, &e) ||
                       xp_dispute_model_for_root(model, wr, &m, &e);
            if (skip) {
                json_array_append_new(
                    actions, json_pack("{s:s, s:I, s:I, s:I, s:s, s:s}", "action", "check", "round",
                                       (json_int_t)round, "target", (json_int_t)t, "reveal",
                                       (json_int_t)k, "verdict", "skipped", "reason",
                                       f ? e.msg : "no structure file given has the target's "
                                                   "structureRoot"));
                print_actions(actions);
                continue;
            }
            xp_dispute_check ck = {round, t, k, f->path, m, force};
            rc = xp_dispute_check_reveal(c, &ck, &rv, actions, err);
            print_actions(actions);
            xp_model_free(m);
        }
    }
    return rc;
}

int xp_cmd_challenge(int argc, char **argv)
{
    xp_opt o[] = {{"deployment", 0, 0}, {"rpc", 0, 0},       {"keystore", 0, 0},
                  {"password-file", 0, 0}, {"structure", 0, 0}, {"model", 0, 0},
                  {"round", 0, 0},      {"target", 0, 0},    {"force", 1, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[MAX_FILES];
    int npos;
    if (xp_cli_parse("challenge", argc, argv, o, no, pos, MAX_FILES, &npos))
        return XP_EXIT_USAGE;
    const char *rs = xp_cli_get(o, no, "round"), *ts = xp_cli_get(o, no, "target");
    const char *ks = xp_cli_get(o, no, "keystore");
    uint64_t round = 0, target = 0;
    if (xp_cli_u64("challenge", "round", rs, &round) ||
        xp_cli_u64("challenge", "target", ts, &target))
        return XP_EXIT_USAGE;
    if (!ks || (!rs && npos != 1) || (rs && !xp_cli_get(o, no, "structure") && npos == 0))
        return xp_cli_usage("challenge: give RECORD.json --structure FILE [--model M], or --round "
                            "R [--target I] --structure FILE|DIR [FILE...]; and --keystore F "
                            "[--force]");
    xp_error err = {0};
    xp_chain c;
    int rc = xp_cli_chain_open(&c, o, no, ks, &err);
    if (rc)
        return xp_cli_fail(&err);
    json_t *actions = json_array();
    int force = xp_cli_get(o, no, "force") != NULL;
    if (!rs) {
        rc = challenge_record(&c, pos[0], xp_cli_get(o, no, "structure"),
                              xp_cli_get(o, no, "model"), force, actions, &err);
    } else {
        xp_dispute_file *files = NULL;
        size_t nf = 0;
        rc = xp_dispute_files(xp_cli_get(o, no, "structure"), pos, npos, &files, &nf, &err);
        if (!rc)
            rc = challenge_round(&c, round, ts != NULL, target, files, nf,
                                 xp_cli_get(o, no, "model"), force, actions, &err);
        free(files);
    }
    print_actions(actions);
    json_decref(actions);
    xp_chain_close(&c);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}

/* ---- dispute ----------------------------------------------------------------------------------- */

/* The chain's time (the latest block's timestamp). */
/* The state and the moves so far, each event with its transaction's gas. */
static int dispute_show(xp_chain *c, uint64_t id, xp_error *err)
{
    xp_dispute d;
    json_t *ev = NULL;
    int rc = xp_dispute_get(c, id, &d, err);
    if (!rc)
        rc = xp_dispute_events(c, id, &ev, err);
    if (rc)
        return rc;
    json_t *gas = json_object(), *o = xp_dispute_json(&d);
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e)
    {
        const char *tx = json_string_value(json_object_get(e, "tx"));
        json_t *g = tx ? json_object_get(gas, tx) : NULL;
        uint8_t h[32];
        if (tx && !g && !xp_hex_decode_exact(tx, h, 32, NULL)) {
            json_t *rcpt = NULL;
            uint64_t used = 0;
            const char *gu = NULL;
            if (!xp_eth_get_receipt(c->rpc, h, &rcpt, NULL) && rcpt &&
                (gu = json_string_value(json_object_get(rcpt, "gasUsed"))) &&
                !xp_quantity_parse_u64(gu, &used, NULL))
                json_object_set_new(gas, tx, g = json_integer((json_int_t)used));
            json_decref(rcpt);
        }
        if (g)
            json_object_set(e, "gasUsed", g);
    }
    json_object_set_new(o, "events", ev);
    json_decref(gas);
    xp_cli_print_json(o);
    return XP_OK;
}

/* timeout after the deadline, close when the reveal was lost in another dispute */
static int dispute_claim(xp_chain *c, uint64_t id, json_t *actions, xp_error *err)
{
    xp_dispute d;
    xp_reveal rv;
    uint64_t now = 0;
    int rc = xp_dispute_get(c, id, &d, err);
    if (!rc && d.outcome != XP_OUTCOME_OPEN)
        return xp_error_set(err, XP_EINVAL, "dispute %llu is over: %s (%s)",
                            (unsigned long long)id, xp_dispute_outcomes[d.outcome],
                            xp_dispute_reasons[d.reason]);
    if (!rc)
        rc = xp_chain_now(c, &now, err);
    if (!rc && now > d.deadline)
        return xp_dispute_timeout(c, id, actions, err);
    if (!rc)
        rc = xp_reveal_at(c, d.round, d.target, d.reveal, &rv, err);
    if (!rc && rv.lost)
        return xp_dispute_close(c, id, actions, err);
    if (!rc)
        rc = xp_error_set(err, XP_EINVAL, "dispute %llu: the %s has until %llu to move (%llu s "
                          "from the latest block) and the reveal is not lost elsewhere: nothing "
                          "to claim yet", (unsigned long long)id,
                          d.turn ? "challenger" : "defender", (unsigned long long)d.deadline,
                          (unsigned long long)(d.deadline - now + 1));
    return rc;
}

static int dispute_respond(xp_chain *c, uint64_t id, const char *structure, const char *model,
                           int force_pick, json_t *actions, xp_error *err)
{
    xp_dispute d;
    int rc = xp_dispute_get(c, id, &d, err);
    if (rc)
        return rc;
    if (!structure)
        return xp_error_set(err, XP_EINVAL, "dispute respond: give --structure FILE (the target's "
                            "crystal)");
    int me = !memcmp(xp_sender_address(c->sender), d.challenger, XP_ADDRESS_LEN);
    if (d.outcome == XP_OUTCOME_OPEN && d.turn == XP_TURN_CHALLENGER && !me)
        return xp_error_set(err, XP_EINVAL, "dispute %llu: it is the challenger's move, and this "
                            "key is not the challenger's", (unsigned long long)id);
    xp_model *m = NULL;
    char *data = NULL;
    size_t len = 0;
    if ((rc = xp_dispute_model_for_root(model, d.weights_root, &m, err)) ||
        (rc = xp_file_read(structure, MAX_STRUCTURE, &data, &len, err))) {
        xp_model_free(m);
        return rc;
    }
    if (d.outcome == XP_OUTCOME_OPEN && d.turn == XP_TURN_CHALLENGER)
        rc = xp_dispute_attack(c, id, m, structure, data, len, force_pick, actions, err);
    else
        rc = xp_dispute_defend(c, id, m, structure, data, len, actions, err);
    free(data);
    xp_model_free(m);
    return rc;
}

int xp_cmd_dispute(int argc, char **argv)
{
    static const char *const SUBS[] = {"show", "respond", "claim", "concede"};
    if (argc < 1)
        return xp_cli_subcommand_usage("dispute", NULL);
    const char *sub = argv[0];
    size_t s = 0;
    while (s < 4 && strcmp(sub, SUBS[s]))
        s++;
    if (s == 4)
        return xp_cli_subcommand_usage("dispute", sub);
    xp_opt o[] = {{"deployment", 0, 0}, {"rpc", 0, 0},   {"keystore", 0, 0},
                  {"password-file", 0, 0}, {"structure", 0, 0}, {"model", 0, 0},
                  {"force-pick", 1, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[1];
    int npos;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "dispute %s", sub);
    if (xp_cli_parse(cmd, argc - 1, argv + 1, o, no, pos, 1, &npos))
        return XP_EXIT_USAGE;
    uint64_t id = 0;
    const char *ks = xp_cli_get(o, no, "keystore");
    if (npos != 1 || xp_cli_u64(cmd, "id", pos[0], &id) || (s && !ks) ||
        (s == 1 && !xp_cli_get(o, no, "structure")))
        return xp_cli_usage("%s: give the dispute's ID%s", cmd,
                            s == 1   ? ", --structure FILE [--model M] [--force-pick] and "
                                       "--keystore F"
                            : s != 0 ? " and --keystore F"
                                     : "");
    xp_error err = {0};
    xp_chain c;
    int rc = xp_cli_chain_open(&c, o, no, s ? ks : NULL, &err);
    if (rc)
        return xp_cli_fail(&err);
    json_t *actions = json_array();
    if (s == 0)
        rc = dispute_show(&c, id, &err);
    else if (s == 1)
        rc = dispute_respond(&c, id, xp_cli_get(o, no, "structure"), xp_cli_get(o, no, "model"),
                             xp_cli_get(o, no, "force-pick") != NULL, actions, &err);
    else if (s == 2)
        rc = dispute_claim(&c, id, actions, &err);
    else
        rc = xp_dispute_concede(&c, id, actions, &err);
    print_actions(actions);
    json_decref(actions);
    xp_chain_close(&c);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}

/* ---- bench dispute ---------------------------------------------------------------------------- */

/* bench dispute: the CPU time of the watchtower's check of one reveal (the inference re-run with
 * its trace root: the comparison itself is two words) and of the defender's answer to each kind
 * of turn (the honest trace checked, then every step of the turn opened and encoded as its
 * verifier call), from the structure file and the model alone, one core. */
int xp_cmd_bench_dispute(int argc, char **argv)
{
    xp_opt o[] = {{"model", 0, 0}, {"repeat", 0, 0}};
    const char *pos[1];
    int npos;
    uint64_t repeat = 5;
    if (xp_cli_parse("bench dispute", argc, argv, o, 2, pos, 1, &npos) ||
        xp_cli_u64("bench dispute", "repeat", xp_cli_get(o, 2, "repeat"), &repeat))
        return XP_EXIT_USAGE;
    if (npos != 1 || !xp_cli_get(o, 2, "model") || repeat < 1 || repeat > 10000)
        return xp_cli_usage("bench dispute: give --model NAME [--repeat 1..10000] and a structure "
                            "FILE");
    xp_error err = {0};
    xp_model *m = NULL;
    char path[4096], *data = NULL;
    size_t len = 0;
    xp_trace3 h;
    memset(&h, 0, sizeof h);
    int rc = xp_model_open(xp_cli_get(o, 2, "model"), &m, path, sizeof path, &err);
    if (!rc)
        rc = xp_file_read(pos[0], MAX_STRUCTURE, &data, &len, &err);
    if (!rc)
        rc = xp_trace3_run(m, pos[0], data, len, &h, &err);
    if (rc) {
        xp_model_free(m);
        free(data);
        return xp_cli_fail(&err);
    }
    uint32_t n = h.atoms, i = n / 2;
    xp_step_id ids[] = {{XP_STEP_UPDATE, 3, i, 0}, /* X[4][i]: the update chain down to X[0][i] */
                        {XP_STEP_EDGE, 3, i, 0},   {XP_STEP_PAIR, 3, i, 0}, /* + chains below */
                        {XP_STEP_NBR, 0, i, 0}};
    const char *names[] = {"first", "chain", "edge", "projection", "nbr"};
    uint64_t claim[5] = {UINT64_MAX};
    for (int k = 0; k < 4 && !rc; k++)
        rc = xp_step_output_index(n, &ids[k], &claim[k + 1], &err);
    xp_trace3_free(&h);
    printf("{\"bench\":\"dispute\",\"model\":\"%s\",\"atoms\":%u,\"repeat\":%llu", m->name, n,
           (unsigned long long)repeat);
    double worst_turn = 0;
    for (int k = -1; k < 5 && !rc; k++) {
        double total = 0, worst = 0;
        size_t steps = 0, bytes = 0;
        for (uint64_t r = 0; r < repeat && !rc; r++) {
            double t0 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
            xp_dispute_calls calls = {0};
            rc = xp_trace3_run(m, pos[0], data, len, &h, &err);
            if (!rc && k >= 0)
                rc = xp_dispute_turn_calls(&h, m, pos[0], data, len, claim[k], &calls, &err);
            double t = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - t0;
            steps = calls.n;
            bytes = 0;
            for (size_t q = 0; q < calls.n; q++)
                bytes += calls.len[q];
            xp_dispute_calls_free(&calls);
            xp_trace3_free(&h);
            total += t;
            worst = t > worst ? t : worst;
        }
        if (k < 0)
            printf(",\"check\":{\"cpu_ms_mean\":%.2f,\"cpu_ms_max\":%.2f},\"turns\":{",
                   1e3 * total / (double)repeat, 1e3 * worst);
        else
            printf("%s\"%s\":{\"steps\":%zu,\"calldata_bytes\":%zu,\"cpu_ms_mean\":%.2f,"
                   "\"cpu_ms_max\":%.2f}",
                   k ? "," : "", names[k], steps, bytes, 1e3 * total / (double)repeat, 1e3 * worst);
        if (k >= 0 && worst > worst_turn)
            worst_turn = worst;
    }
    if (!rc)
        printf("},\"turn_cpu_ms_max\":%.2f}\n", 1e3 * worst_turn);
    free(data);
    xp_model_free(m);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
