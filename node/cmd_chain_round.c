/* xtalproof round open|show|commit|reveal|settle|withdraw: the Rounds contract. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/prover.h"
#include "xtalproof/store.h"

json_t *xp_cli_jhex(const uint8_t *p, size_t n)
{
    char hx[67];
    return json_string(xp_hex_encode(p, n, hx, 1));
}

json_t *xp_cli_jdec(uint64_t v)
{
    char n[24];
    snprintf(n, sizeof n, "%llu", (unsigned long long)v);
    return json_string(n);
}

static const char *field(json_t *tuple, size_t i)
{
    const char *s = json_string_value(json_array_get(tuple, i));
    return s ? s : "";
}

/* decimal text of a Q16.16 held as decimal text (an int128 or uint128 field) */
static const char *q16_text(const char *dec, char out[40])
{
    xp_q16_format(strtoll(dec, NULL, 10), out);
    return out;
}

static int cmd_show(xp_chain *c, uint64_t round, xp_error *err)
{
    json_t *out = NULL;
    int rc = xp_chain_round_show(c, round, &out, err);
    if (!rc)
        xp_cli_print_doc(out);
    else
        json_decref(out);
    return rc;
}

static int load_record(const char *path, xp_pred_record *r, xp_error *err)
{
    char *text;
    size_t len;
    int rc = xp_file_read(path, XP_PRED_MAX_BYTES, &text, &len, err);
    if (rc)
        return rc;
    rc = xp_pred_record_parse(text, len, r, err);
    free(text);
    if (rc)
        xp_error_prefix(err, rc, "%s", path);
    return rc;
}

static int record_checks(xp_chain *c, const xp_pred_record *r, const char *path, xp_error *err)
{
    if (r->chain_id != c->d.chain_id || memcmp(r->rounds, c->d.address[XP_C_ROUNDS], 20))
        return xp_error_set(err, XP_EINVAL,
                            "%s is for chain %llu and another Rounds contract than this "
                            "deployment's (prove with --chain-id %llu --rounds-contract of the "
                            "deployment)",
                            path, (unsigned long long)r->chain_id,
                            (unsigned long long)c->d.chain_id);
    if (memcmp(r->predictor, xp_sender_address(c->sender), 20))
        return xp_error_set(err, XP_EINVAL,
                            "%s was made by another key than --keystore's (the predictor must "
                            "send the commitment)",
                            path);
    return 0;
}

/* What a commitment binds, checked before any stake is sent (docs/contracts.md, "Round
 * parameters"): the record's crystal is the target's (symhash, and structureRoot for a version-2
 * record); its model's property is the round's, byte for byte as a short name; the model file is
 * registered (the contract refuses at reveal a model registered at or after the commit deadline,
 * and a registration made after the commit could be squatted) with the round's property and, for
 * a version-2 record, the record's weightsRoot; an anchor.modelId is that registration's id. On
 * success *model_id is the registered id. */
static int commit_checks(xp_chain *c, const xp_pred_record *r, const char *path, json_t *rd,
                         uint64_t *model_id, xp_error *err)
{
    char h[67];
    uint8_t rp[32], mine[32];
    if (xp_hex_decode_exact(field(rd, XP_R_PROPERTY), rp, 32, err))
        return XP_EIO;
    char rptext[33];
    if (xp_short_name(r->property, mine, NULL) || memcmp(mine, rp, 32))
        return xp_error_set(err, XP_EINVAL,
                            "%s predicts \"%s\", round %llu asks for \"%s\" (%s): not the same "
                            "property byte for byte, so the reveal would fail; refused",
                            path, r->property, (unsigned long long)r->round,
                            xp_short_text(field(rd, XP_R_PROPERTY), rptext),
                            field(rd, XP_R_PROPERTY));
    json_t *t = NULL;
    int rc = xp_chain_get_target(c, r->round, r->target, &t, err);
    if (rc)
        return rc;
    uint8_t ts[32], troot[32];
    int bad = xp_hex_decode_exact(field(t, XP_T_SYMHASH), ts, 32, NULL) ||
              xp_hex_decode_exact(field(t, XP_T_ROOT), troot, 32, NULL);
    json_decref(t);
    if (bad)
        return xp_error_set(err, XP_EIO, "getTarget answered garbage");
    char h2[67];
    if (memcmp(ts, r->symhash, 32))
        return xp_error_set(err, XP_EINVAL,
                            "%s is for the crystal %s; target %llu of round %llu is %s", path,
                            xp_hex_encode(r->symhash, 32, h, 1), (unsigned long long)r->target,
                            (unsigned long long)r->round, xp_hex_encode(ts, 32, h2, 1));
    if (r->version >= 2 && memcmp(troot, r->structure_root, 32))
        return xp_error_set(err, XP_EINVAL,
                            "%s commits to the structureRoot %s; target %llu of round %llu is the "
                            "committed crystal %s (another cell or setting of the same material)",
                            path, xp_hex_encode(r->structure_root, 32, h, 1),
                            (unsigned long long)r->target, (unsigned long long)r->round,
                            xp_hex_encode(troot, 32, h2, 1));
    /* the model's registration: registration(modelHash) -> (id, weightsRoot), then its facts */
    json_t *a = json_pack("[s]", xp_hex_encode(r->model_hash, 32, h, 1)), *got = NULL;
    rc = xp_chain_call(c, c->d.address[XP_C_MODELS], "registration(bytes32)", a,
                       "(uint256,bytes32)", &got, err);
    json_decref(a);
    if (rc)
        return rc;
    uint64_t id = strtoull(field(got, 0), NULL, 10);
    uint8_t wr[32];
    bad = xp_hex_decode_exact(field(got, 1), wr, 32, NULL);
    json_decref(got);
    if (bad)
        return xp_error_set(err, XP_EIO, "ModelRegistry.registration answered garbage");
    if (id == 0)
        return xp_error_set(err, XP_EINVAL,
                            "the model of %s (%s, modelHash %s) is not registered: register it "
                            "first (`xtalproof model register %s`), a model registered after the "
                            "commit can be squatted and after the commit deadline is refused",
                            path, r->model_name, h, r->model_name);
    if (r->version >= 2 && memcmp(wr, r->weights_root, 32))
        return xp_error_set(err, XP_EINVAL,
                            "model %llu is registered with the weightsRoot %s, not the record's: "
                            "verifiers would refuse it; refused",
                            (unsigned long long)id, xp_hex_encode(wr, 32, h, 1));
    a = json_pack("[o]", xp_cli_jdec(id));
    rc = xp_chain_call(c, c->d.address[XP_C_MODELS], "revealFacts(uint256)", a,
                       "(bytes32,bytes32,uint64)", &got, err);
    json_decref(a);
    if (rc)
        return rc;
    uint8_t mp[32];
    bad = xp_hex_decode_exact(field(got, 1), mp, 32, NULL);
    uint64_t at = strtoull(field(got, 2), NULL, 10);
    char mptext[33];
    if (!bad && memcmp(mp, rp, 32))
        rc = xp_error_set(err, XP_EINVAL,
                          "model %llu is registered for the property \"%s\" (%s), round %llu asks "
                          "for %s: the reveal would fail; refused",
                          (unsigned long long)id, xp_short_text(field(got, 1), mptext),
                          field(got, 1), (unsigned long long)r->round, field(rd, XP_R_PROPERTY));
    else if (!bad && at >= strtoull(field(rd, XP_R_DEADLINE), NULL, 10))
        rc = xp_error_set(err, XP_EINVAL,
                          "model %llu was registered at %llu, not before the commit deadline %s: "
                          "the reveal would fail; refused",
                          (unsigned long long)id, (unsigned long long)at, field(rd, XP_R_DEADLINE));
    json_decref(got);
    if (bad)
        return xp_error_set(err, XP_EIO, "ModelRegistry.revealFacts answered garbage");
    if (rc)
        return rc;
    if (r->has_anchor && r->anchor.has_model_id && r->anchor.model_id != id)
        return xp_error_set(
            err, XP_EINVAL,
            "%s names model id %llu, but its model file is registered as model %llu", path,
            (unsigned long long)r->anchor.model_id, (unsigned long long)id);
    *model_id = id;
    return 0;
}

static int cmd_commit_reveal(xp_chain *c, int reveal, const char *path, const char *model_id,
                             xp_error *err)
{
    xp_pred_record r;
    int rc = load_record(path, &r, err);
    if (!rc)
        rc = record_checks(c, &r, path, err);
    if (rc)
        return rc;
    char idem[200], cm[67], rh[67];
    xp_hex_encode(r.commitment, 32, cm, 1);
    snprintf(idem, sizeof idem, "%s:%llu:%llu:%s", reveal ? "reveal" : "commit",
             (unsigned long long)r.round, (unsigned long long)r.target, cm);
    xp_chain_tx tx;
    json_t *terms = NULL; /* what the commitment is made under, printed with it */
    uint64_t mid = 0;
    if (!reveal) {
        json_t *rd = NULL;
        if ((rc = xp_chain_get_round(c, r.round, &rd, err)))
            return rc;
        xp_u256 stake;
        rc = xp_u256_parse(field(rd, XP_R_STAKE), &stake, err);
        if (!rc)
            rc = commit_checks(c, &r, path, rd, &mid, err);
        if (!rc) {
            char tol[40], rdl[24];
            snprintf(rdl, sizeof rdl, "%llu",
                     (unsigned long long)(strtoull(field(rd, XP_R_DEADLINE), NULL, 10) +
                                          strtoull(field(rd, XP_R_RESULT_WINDOW), NULL, 10)));
            terms = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "stake",
                              field(rd, XP_R_STAKE), "commitDeadline", field(rd, XP_R_DEADLINE),
                              "resultWindow", field(rd, XP_R_RESULT_WINDOW), "resultDeadline", rdl,
                              "revealWindow", field(rd, XP_R_REVEAL_WINDOW), "tolerance",
                              q16_text(field(rd, XP_R_TOLERANCE), tol), "rewardPerTarget",
                              field(rd, XP_R_REWARD), "royaltyBps", field(rd, XP_R_ROYALTY));
        }
        json_decref(rd);
        if (rc)
            return rc;
        json_t *args = json_pack("[o, o, s]", xp_cli_jdec(r.round), xp_cli_jdec(r.target), cm);
        rc = xp_chain_send(c, c->d.address[XP_C_ROUNDS], "commit(uint256,uint256,bytes32)", args,
                           &stake, idem, &tx, err);
        json_decref(args);
        if (rc) {
            json_decref(terms);
            return rc;
        }
    } else {
        if (!r.has_salt)
            return xp_error_set(err, XP_EINVAL,
                                "%s has no salt: make it with `xtalproof prove --reveal`", path);
        mid = r.anchor.model_id;
        if (model_id && xp_cli_u64("round reveal", "model-id", model_id, &mid))
            return XP_EINVAL;
        if (!model_id && !r.anchor.has_model_id)
            return xp_error_set(err, XP_EINVAL, "%s names no modelId: give --model-id N", path);
        char vq[24];
        snprintf(vq, sizeof vq, "%lld", (long long)r.value_q);
        json_t *args = json_pack("[o, o, o, s, o, s]", xp_cli_jdec(r.round), xp_cli_jdec(r.target),
                                 xp_cli_jdec(mid), vq, xp_cli_jhex(r.salt, 32),
                                 xp_hex_encode(r.trace_root, 32, rh, 1));
        rc = xp_chain_send(c, c->d.address[XP_C_ROUNDS],
                           "reveal(uint256,uint256,uint256,int256,bytes32,bytes32)", args, NULL,
                           idem, &tx, err);
        json_decref(args);
    }
    if (rc)
        return rc;
    char from[XP_ADDRESS_HEX_LEN], th[67], val[40];
    xp_address_to_checksum(r.predictor, from);
    xp_q16_format(r.value_q, val);
    json_t *out = json_pack("{s:s, s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:b}", "action",
                            reveal ? "reveal" : "commit", "round", (json_int_t)r.round, "target",
                            (json_int_t)r.target, "predictor", from, "model", r.model_name,
                            "modelId", (json_int_t)mid, "commitment", cm, "value", val, "tx",
                            xp_hex_encode(tx.sent.hash, 32, th, 1), "gasUsed",
                            (json_int_t)tx.gas_used, "reused", tx.sent.reused);
    if (terms)
        json_object_update(out, terms);
    json_decref(terms);
    xp_cli_print_json(out);
    xp_chain_tx_clear(&tx);
    return 0;
}

/* No --record: make it with prove (the stored salt gives the same commitment each time) for
 * --model NAME and the structure FILE of --target; prove keeps it in the store (where the
 * node's round watcher finds it) and writes it under $XTALPROOF_HOME/records/ as an export. */
static int make_record(xp_chain *c, int reveal, xp_opt *o, int no, const char **pos, int npos,
                       char *path, size_t cap, xp_error *err)
{
    const char *model = xp_cli_get(o, no, "model"), *round = xp_cli_get(o, no, "round");
    const char *target = xp_cli_get(o, no, "target"), *mid = xp_cli_get(o, no, "model-id");
    if (!model || !round || !target || npos != 1)
        return xp_error_set(err, XP_EINVAL,
                            "give --record REC.json, or --model NAME --round R --target I and "
                            "the structure FILE to make it");
    char home[4096], chain[24], addr[XP_ADDRESS_HEX_LEN], rounds[XP_ADDRESS_HEX_LEN], idbuf[24];
    if (xp_home_dir(home, sizeof home, err))
        return XP_EINVAL;
    json_t *state = NULL;
    if (!mid && !xp_chain_state_load(c, &state, NULL)) {
        json_t *id = json_object_get(json_object_get(state, "models"), model);
        if (json_is_integer(id)) {
            snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(id));
            mid = idbuf;
        }
    }
    json_decref(state);
    xp_address_to_checksum(xp_sender_address(c->sender), addr);
    xp_address_to_checksum(c->d.address[XP_C_ROUNDS], rounds);
    snprintf(chain, sizeof chain, "%llu", (unsigned long long)c->d.chain_id);
    char dir[4200];
    snprintf(dir, sizeof dir, "%.4096s/records", home);
    mkdir(dir, 0700);
    snprintf(path, cap, "%s/%s-r%s-t%s-%.48s-%.10s%s.json", dir, chain, round, target, model, addr,
             reveal ? "-revealed" : "");
    unlink(path);
    char *av[24];
    int n = 0;
    av[n++] = "--model", av[n++] = (char *)model;
    av[n++] = "--keystore", av[n++] = (char *)xp_cli_get(o, no, "keystore");
    if (xp_cli_get(o, no, "password-file"))
        av[n++] = "--password-file", av[n++] = (char *)xp_cli_get(o, no, "password-file");
    av[n++] = "--round", av[n++] = (char *)round, av[n++] = "--target", av[n++] = (char *)target;
    av[n++] = "--chain-id", av[n++] = chain, av[n++] = "--rounds-contract", av[n++] = rounds;
    if (mid)
        av[n++] = "--model-id", av[n++] = (char *)mid;
    if (reveal)
        av[n++] = "--reveal";
    av[n++] = "--out", av[n++] = path;
    av[n++] = (char *)pos[0];
    av[n] = NULL;
    if (xp_cmd_prove(n, av) != XP_EXIT_OK)
        return xp_error_set(err, XP_EINVAL, "prove did not make the record (see above)");
    return 0;
}

static int cmd_settle(xp_chain *c, uint64_t round, const char *only, xp_error *err)
{
    json_t *r = NULL;
    int rc = xp_chain_get_round(c, round, &r, err);
    if (rc)
        return rc;
    uint64_t n = strtoull(field(r, XP_R_NTARGETS), NULL, 10), from = 0, to = n;
    json_decref(r);
    if (only) {
        if (xp_cli_u64("round settle", "target", only, &from))
            return XP_EINVAL;
        to = from + 1;
    }
    for (uint64_t i = from; i < to && !rc; i++) {
        json_t *t = NULL;
        if ((rc = xp_chain_get_target(c, round, i, &t, err)))
            break;
        int st = xp_chain_target_state(t);
        json_decref(t);
        if (st >= 2) {
            xp_cli_print_json(json_pack("{s:I, s:I, s:s}", "round", (json_int_t)round, "target",
                                        (json_int_t)i, "note", "already settled or cancelled"));
            continue;
        }
        json_t *args = json_pack("[o, o]", xp_cli_jdec(round), xp_cli_jdec(i));
        char idem[80];
        snprintf(idem, sizeof idem, "settle:%llu:%llu", (unsigned long long)round,
                 (unsigned long long)i);
        xp_chain_tx tx;
        rc = xp_chain_send(c, c->d.address[XP_C_ROUNDS], "settle(uint256,uint256)", args, NULL,
                           idem, &tx, err);
        json_decref(args);
        if (rc)
            break;
        json_t *t2 = NULL;
        if (!(rc = xp_chain_get_target(c, round, i, &t2, err)))
            xp_cli_print_json(
                json_pack("{s:I, s:I, s:s, s:s, s:I}", "round", (json_int_t)round, "target",
                          (json_int_t)i, "status", xp_target_statuses[xp_chain_target_state(t2)],
                          "winners", field(t2, XP_T_WINNERS), "gasUsed", (json_int_t)tx.gas_used));
        json_decref(t2);
        xp_chain_tx_clear(&tx);
    }
    return rc;
}

/* distributeRoyalties(ETH, modelId): what winners owe the model's training datasets, credited
 * to the datasets' owners (then withdrawn as any balance) */
static int cmd_royalties(xp_chain *c, const char *model_id, xp_error *err)
{
    uint64_t mid = 0;
    if (!model_id || xp_cli_u64("round royalties", "model-id", model_id, &mid))
        return xp_error_set(err, XP_EINVAL, "round royalties: give --model-id N");
    /* a model that is not registered is said to be none, not "nothing owed" */
    json_t *cnt = NULL, *none = json_array();
    int rc = xp_chain_call(c, c->d.address[XP_C_MODELS], "modelCount()", none, "(uint256)", &cnt,
                           err);
    json_decref(none);
    if (rc)
        return rc;
    uint64_t count = strtoull(field(cnt, 0), NULL, 10);
    json_decref(cnt);
    if (mid == 0 || mid > count)
        return xp_error_set(err, XP_ENOTFOUND,
                            "no model %llu is registered in this deployment's ModelRegistry (it "
                            "holds %llu): check --model-id (`xtalproof deploy show` lists the "
                            "models this home registered)",
                            (unsigned long long)mid, (unsigned long long)count);
    const char *eth = "0x0000000000000000000000000000000000000000";
    json_t *a = json_pack("[s, o]", eth, xp_cli_jdec(mid)), *owed = NULL;
    rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], "royaltyOwed(address,uint256)", a, "(uint256)",
                       &owed, err);
    json_decref(a);
    if (rc)
        return rc;
    char amount[80];
    snprintf(amount, sizeof amount, "%s", field(owed, 0));
    json_decref(owed);
    if (!strcmp(amount, "0")) {
        xp_cli_print_json(json_pack("{s:I, s:s, s:s}", "modelId", (json_int_t)mid, "distributed",
                                    "0", "note", "nothing owed"));
        return 0;
    }
    xp_chain_tx tx;
    json_t *args = json_pack("[s, o]", eth, xp_cli_jdec(mid));
    rc = xp_chain_send(c, c->d.address[XP_C_ROUNDS], "distributeRoyalties(address,uint256)", args,
                       NULL, NULL, &tx, err);
    json_decref(args);
    if (!rc)
        xp_cli_print_json(json_pack("{s:I, s:s, s:I}", "modelId", (json_int_t)mid, "distributed",
                                    amount, "gasUsed", (json_int_t)tx.gas_used));
    xp_chain_tx_clear(&tx);
    return rc;
}

static int cmd_withdraw(xp_chain *c, xp_error *err)
{
    char me[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(xp_sender_address(c->sender), me);
    const char *eth = "0x0000000000000000000000000000000000000000";
    json_t *a = json_pack("[s, s]", eth, me), *bal = NULL;
    int rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], "balanceOf(address,address)", a,
                           "(uint256)", &bal, err);
    json_decref(a);
    if (rc)
        return rc;
    const char *amount = field(bal, 0);
    if (!strcmp(amount, "0")) {
        xp_cli_print_json(json_pack("{s:s, s:s, s:s}", "account", me, "withdrawn", "0", "note",
                                    "nothing to withdraw"));
        json_decref(bal);
        return 0;
    }
    xp_chain_tx tx;
    json_t *args = json_array();
    rc = xp_chain_send(c, c->d.address[XP_C_ROUNDS], "withdraw()", args, NULL, NULL, &tx, err);
    json_decref(args);
    if (!rc)
        xp_cli_print_json(json_pack("{s:s, s:s, s:I}", "account", me, "withdrawn", amount,
                                    "gasUsed", (json_int_t)tx.gas_used));
    xp_chain_tx_clear(&tx);
    json_decref(bal);
    return rc;
}

int xp_cmd_round(int argc, char **argv)
{
    if (argc < 1)
        return xp_cli_usage("round: expected open, show, commit, reveal, settle, royalties or "
                            "withdraw");
    const char *sub = argv[0];
    xp_opt o[] = {{"deployment", 0, 0},     {"rpc", 0, 0},           {"keystore", 0, 0},
                  {"password-file", 0, 0},  {"round", 0, 0},         {"target", 0, 0},
                  {"record", 0, 0},         {"model-id", 0, 0},      {"property", 0, 0},
                  {"reward", 0, 0},         {"stake", 0, 0},         {"tolerance", 0, 0},
                  {"commit-window", 0, 0},  {"result-window", 0, 0}, {"reveal-window", 0, 0},
                  {"royalty-bps", 0, 0},    {"committee", 0, 0},     {"model", 0, 0},
                  {"idempotency-key", 0, 0}, {"challenge-window", 0, 0},
                  {"move-window", 0, 0},    {"bond", 0, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[XP_REPORT_MAX_ROWS];
    int npos;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "round %s", sub);
    if (xp_cli_parse(cmd, argc - 1, argv + 1, o, no, pos, XP_REPORT_MAX_ROWS, &npos))
        return XP_EXIT_USAGE;
    int is_show = !strcmp(sub, "show"), is_open = !strcmp(sub, "open");
    const char *ks = xp_cli_get(o, no, "keystore");
    uint64_t round = 0;
    const char *rs = xp_cli_get(o, no, "round");
    if (is_show && !rs && npos == 1)
        rs = pos[0];
    if (xp_cli_u64(cmd, "round", rs, &round))
        return XP_EXIT_USAGE;
    static const char *const SUBS[] = {"open",   "show",      "commit",  "reveal",
                                       "settle", "royalties", "withdraw"};
    size_t k = 0;
    while (k < sizeof SUBS / sizeof SUBS[0] && strcmp(sub, SUBS[k]))
        k++;
    if (k == sizeof SUBS / sizeof SUBS[0])
        return xp_cli_unknown("round subcommand", sub, SUBS, k);
    /* what is missing is said before a password is asked for */
    if (is_open && (!xp_cli_get(o, no, "property") || !xp_cli_get(o, no, "reward") ||
                    !xp_cli_get(o, no, "tolerance") || npos < 1))
        return xp_cli_usage("round open: give --property P --reward WEI (per target) --tolerance "
                            "X, the targets (structure files, or SYMHASH:STRUCTUREROOT) and "
                            "--keystore F");
    if (!is_show && !ks)
        return xp_cli_usage("%s: give --keystore F", cmd);
    if ((is_show || !strcmp(sub, "settle")) && !rs)
        return xp_cli_usage("%s: give --round R", cmd);
    if ((!strcmp(sub, "commit") || !strcmp(sub, "reveal")) && !xp_cli_get(o, no, "record") &&
        !xp_cli_get(o, no, "model"))
        return xp_cli_usage("%s: give --record RECORD.json (made by `xtalproof prove%s`), or "
                            "--model NAME --target I and the structure FILE",
                            cmd, strcmp(sub, "reveal") ? "" : " --reveal");
    xp_error err = {0};
    xp_chain c;
    int rc = xp_cli_chain_open(&c, o, no, is_show ? NULL : ks, &err);
    if (rc)
        return xp_cli_fail(&err);
    if (is_open)
        rc = xp_round_open(&c, o, no, pos, npos, &err);
    else if (is_show)
        rc = cmd_show(&c, round, &err);
    else if (!strcmp(sub, "commit") || !strcmp(sub, "reveal")) {
        int rev = !strcmp(sub, "reveal");
        char made[4600];
        const char *rec = xp_cli_get(o, no, "record");
        if (!rec && !(rc = make_record(&c, rev, o, no, pos, npos, made, sizeof made, &err)))
            rec = made;
        if (!rc)
            rc = cmd_commit_reveal(&c, rev, rec, xp_cli_get(o, no, "model-id"), &err);
    } else if (!strcmp(sub, "settle"))
        rc = cmd_settle(&c, round, xp_cli_get(o, no, "target"), &err);
    else if (!strcmp(sub, "royalties"))
        rc = cmd_royalties(&c, xp_cli_get(o, no, "model-id"), &err);
    else
        rc = cmd_withdraw(&c, &err);
    xp_chain_close(&c);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
