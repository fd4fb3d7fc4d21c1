/* xtalproof oracle sign | submit: beamtime reports, EIP-712 signatures of the committee's
 * members, and postResult with k of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/keystore.h"

/* the report's folder: where its relative paths start */
static void report_dir(const char *path, char *out, size_t cap)
{
    const char *s = strrchr(path, '/');
    if (s)
        snprintf(out, cap, "%.*s", (int)(s - path), path);
    else
        snprintf(out, cap, ".");
}

static int load_report(const char *path, xp_report *rep, xp_error *err)
{
    char *text;
    size_t len;
    int rc = xp_file_read(path, XP_REPORT_MAX_BYTES, &text, &len, err);
    if (rc)
        return rc;
    rc = xp_report_parse(text, len, rep, err);
    free(text);
    if (rc)
        xp_error_prefix(err, rc, "%s", path);
    return rc;
}

#define MAX_ROUNDS_SEARCHED 256 /* without --round: the last this many rounds */

/* The rounds the command acts on, as xp_chain_round_info objects (with targets): the one of
 * --round, or those among the last MAX_ROUNDS_SEARCHED whose result window is not over. */
static int rounds_of(xp_chain *c, const char *round_opt, json_t **infos, xp_error *err)
{
    *infos = NULL;
    if (round_opt) {
        uint64_t round;
        json_t *info = NULL;
        if (xp_cli_u64("oracle", "round", round_opt, &round))
            return XP_EINVAL;
        int rc = xp_chain_round_info(c, round, 1, &info, err);
        if (!rc)
            *infos = json_pack("[o]", info);
        return rc;
    }
    json_t *blk = NULL;
    uint64_t now = 0;
    int rc = xp_eth_get_block(c->rpc, "latest", 0, &blk, err);
    const char *ts = json_string_value(json_object_get(blk, "timestamp"));
    if (!rc && (!ts || xp_quantity_parse_u64(ts, &now, NULL)))
        rc = xp_error_set(err, XP_EIO, "eth_getBlockByNumber: no timestamp");
    json_decref(blk);
    return rc ? rc : xp_chain_open_rounds(c, now, MAX_ROUNDS_SEARCHED, infos, err);
}

static int cmd_sign(xp_opt *o, int no, xp_error *err)
{
    const char *rp = xp_cli_get(o, no, "report"), *ks = xp_cli_get(o, no, "keystore");
    const char *rs = xp_cli_get(o, no, "round"), *cm = xp_cli_get(o, no, "committee");
    if (!rp || !ks)
        return xp_error_set(err, XP_EINVAL,
                            "oracle sign: give --report R.json|R.csv --keystore K [--round N]");
    xp_report rep = {0};
    int rc = load_report(rp, &rep, err);
    uint8_t priv[32], me[20], only[20];
    char *pw = NULL;
    if (!rc && cm)
        rc = xp_address_parse(cm, only, err);
    if (!rc)
        rc = xp_cli_password(xp_cli_get(o, no, "password-file"), 0, &pw, err);
    if (!rc)
        rc = xp_keystore_load(ks, pw, priv, err);
    xp_cli_password_free(pw);
    if (!rc)
        rc = xp_privkey_to_address(priv, me, err);
    /* the rounds: --round without a chain (the deployment's committee or --committee), or
     * every open round that has the measurement as a target */
    xp_deployment d;
    xp_chain c;
    int opened = 0;
    json_t *infos = NULL;
    if (!rc && rs) {
        uint64_t round;
        char *dp = xp_deployment_find(xp_cli_get(o, no, "deployment"), err);
        rc = !dp ? XP_ENOTFOUND : xp_deployment_load(dp, &d, err);
        free(dp);
        if (!rc && xp_cli_u64("oracle sign", "round", rs, &round))
            rc = XP_EINVAL;
        char ca[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(cm ? only : d.address[XP_C_COMMITTEE], ca);
        if (!rc)
            infos = json_pack("[{s:I, s:s, s:n}]", "round", (json_int_t)round, "committee", ca,
                              "property");
    } else if (!rc) {
        if (!(rc = xp_cli_chain_open(&c, o, no, NULL, err))) {
            opened = 1;
            d = c.d;
            rc = rounds_of(&c, NULL, &infos, err);
        }
    }
    char dir[4096], hx[3][67], addr[XP_ADDRESS_HEX_LEN], sig_hex[2 * XP_SIG_LEN + 3];
    report_dir(rp, dir, sizeof dir);
    json_t *reports = json_array();
    for (size_t i = 0; !rc && i < rep.n; i++) {
        xp_oracle_report r;
        if ((rc = xp_report_entry(dir, &rep.m[i], &r, err))) {
            xp_error_prefix(err, rc, "measurement %zu", i + 1);
            break;
        }
        size_t k;
        json_t *info;
        int matched = 0;
        json_array_foreach(infos, k, info)
        {
            uint8_t committee[20], dg[32], sig[XP_SIG_LEN];
            int t = rs ? -1 : xp_round_target_of(info, r.symhash, r.property, 0);
            if (rc || (!rs && t < 0) ||
                xp_address_parse(json_string_value(json_object_get(info, "committee")),
                                 committee, NULL) ||
                (cm && memcmp(committee, only, 20)))
                continue;
            matched = 1;
            r.round = (uint64_t)json_integer_value(json_object_get(info, "round"));
            xp_oracle_digest(&r, d.chain_id, committee, dg);
            if ((rc = xp_sign_digest(priv, dg, sig, err)))
                break;
            sig[64] += 27; /* v as 27/28, the form ecrecover and wallets use */
            json_array_append_new(
                reports, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "symhash",
                                   xp_hex_encode(r.symhash, 32, hx[0], 1), "property",
                                   rep.m[i].property, "value", rep.m[i].value, "round",
                                   (json_int_t)r.round, "digest", xp_hex_encode(dg, 32, hx[1], 1),
                                   "signature", xp_hex_encode(sig, XP_SIG_LEN, sig_hex, 1)));
        }
        if (!rc && !matched)
            fprintf(stderr,
                    "oracle sign: measurement %zu (%s, %s) is not a target of an open round; "
                    "not signed\n",
                    i + 1, xp_hex_encode(r.symhash, 32, hx[2], 1), rep.m[i].property);
    }
    xp_wipe(priv, sizeof priv);
    xp_report_free(&rep);
    char comm[XP_ADDRESS_HEX_LEN];
    if (!rc)
        xp_address_to_checksum(me, addr);
    if (!rc && !json_array_size(reports))
        rc = xp_error_set(err, XP_ENOTFOUND,
                          "oracle sign: no measurement of %s is a target of an open round", rp);
    json_t *o2 = NULL;
    if (!rc) {
        o2 = json_pack("{s:i, s:I}", "version", 1, "chainId", (json_int_t)d.chain_id);
        if (rs || cm) { /* one committee (and one round with --round) */
            xp_address_to_checksum(cm ? only : d.address[XP_C_COMMITTEE], comm);
            json_object_set_new(o2, "committee", json_string(comm));
        }
        if (rs)
            json_object_set(o2, "round", json_object_get(json_array_get(infos, 0), "round"));
        json_object_set_new(o2, "signer", json_string(addr));
        json_object_set(o2, "reports", reports);
    }
    json_decref(reports);
    json_decref(infos);
    if (opened)
        xp_chain_close(&c);
    if (rc)
        return rc;
    char *t2 = xp_json_line(o2, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!t2)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    return xp_cli_emit(xp_cli_get(o, no, "out"), t2, "the signature file") ? XP_EIO : 0;
}

/* postResult of one measurement for (round, target), unless its result is in already. */
static int submit_one(xp_chain *c, const xp_oracle_report *r, const xp_measurement *m, int idx,
                      const uint8_t committee[20], json_t *sigs, xp_error *err)
{
    const uint8_t *ra = c->d.address[XP_C_ROUNDS];
    uint8_t dg[32];
    char sh[67], dh[67], th[67], idem[120];
    xp_oracle_digest(r, c->d.chain_id, committee, dg);
    xp_hex_encode(r->symhash, 32, sh, 1);
    xp_hex_encode(dg, 32, dh, 1);
    int status = -1;
    int rc = xp_chain_target_status(c, r->round, (uint64_t)idx, &status, err);
    if (rc)
        return rc;
    if (status != 0) {
        static const char *const why[] = {"", "result already posted", "already settled",
                                          "cancelled (no result in time)"};
        xp_cli_print_json(json_pack("{s:I, s:i, s:s, s:s}", "round", (json_int_t)r->round,
                                    "target", idx, "symhash", sh, "note",
                                    status > 0 && status < 4 ? why[status] : "not open"));
        return 0;
    }
    json_t *list = json_array();
    size_t k;
    json_t *e;
    json_array_foreach(sigs, k, e)
    {
        const char *d2 = json_string_value(json_object_get(e, "digest"));
        const char *s2 = json_string_value(json_object_get(e, "signature"));
        if (d2 && s2 && !strcmp(d2, dh))
            json_array_append_new(list, json_string(s2));
    }
    snprintf(idem, sizeof idem, "postResult:%llu:%d:%s", (unsigned long long)r->round, idx, dh);
    json_t *args = json_pack("[o, o, o, O]", json_sprintf("%llu", (unsigned long long)r->round),
                             json_sprintf("%d", idx), xp_oracle_report_tuple(r), list);
    xp_chain_tx tx;
    rc = xp_chain_send(c, ra,
                       "postResult(uint256,uint256,(uint256,bytes32,bytes32,int256,uint256,"
                       "bytes32,bytes32,uint64),bytes[])",
                       args, NULL, idem, &tx, err);
    json_decref(args);
    if (!rc)
        xp_cli_print_json(json_pack(
            "{s:I, s:i, s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "round", (json_int_t)r->round,
            "target", idx, "symhash", sh, "property", m->property, "value", m->value, "unit",
            m->unit, "signatures", (json_int_t)json_array_size(list), "tx",
            xp_hex_encode(tx.sent.hash, 32, th, 1), "gasUsed", (json_int_t)tx.gas_used));
    json_decref(list);
    xp_chain_tx_clear(&tx);
    return rc;
}

static int cmd_submit(xp_opt *o, int no, const char **pos, int npos, xp_error *err)
{
    const char *rp = xp_cli_get(o, no, "report"), *ks = xp_cli_get(o, no, "keystore");
    const char *rs = xp_cli_get(o, no, "round");
    if (!rp || !ks || npos < 1)
        return xp_error_set(err, XP_EINVAL,
                            "oracle submit: give --report R --keystore K [--round N] and the "
                            "signature files");
    xp_report rep = {0};
    int rc = load_report(rp, &rep, err);
    if (rc)
        return rc;
    /* the signatures, by digest */
    json_t *sigs = json_array();
    for (int i = 0; i < npos && !rc; i++) {
        json_error_t je;
        json_t *f = xp_json_load_file(pos[i], JSON_REJECT_DUPLICATES, &je);
        json_t *rr = json_object_get(f, "reports");
        if (!json_is_array(rr))
            rc =
                xp_error_set(err, XP_EINVAL, "%s is not a signature file of `oracle sign`", pos[i]);
        size_t k;
        json_t *e;
        json_array_foreach(rr, k, e) json_array_append(sigs, e);
        json_decref(f);
    }
    xp_chain c;
    int opened = 0;
    json_t *infos = NULL;
    if (!rc &&
        !(rc = xp_cli_chain_open(&c, o, no, ks, err))) {
        opened = 1;
        rc = rounds_of(&c, rs, &infos, err);
    }
    char dir[4096], sh[67];
    report_dir(rp, dir, sizeof dir);
    for (size_t i = 0; !rc && i < rep.n; i++) {
        xp_oracle_report r;
        if ((rc = xp_report_entry(dir, &rep.m[i], &r, err)))
            break;
        size_t k;
        json_t *info;
        int matched = 0;
        json_array_foreach(infos, k, info)
        {
            uint8_t committee[20];
            if (rc || xp_address_parse(json_string_value(json_object_get(info, "committee")),
                                       committee, NULL))
                continue;
            r.round = (uint64_t)json_integer_value(json_object_get(info, "round"));
            /* a symhash may be a target twice in one round: each gets the result */
            for (int t = xp_round_target_of(info, r.symhash, r.property, 0); !rc && t >= 0;
                 t = xp_round_target_of(info, r.symhash, r.property, (size_t)t + 1)) {
                matched = 1;
                rc = submit_one(&c, &r, &rep.m[i], t, committee, sigs, err);
            }
        }
        if (!rc && !matched)
            fprintf(stderr,
                    "oracle submit: measurement %zu (%s) is not a target of %s; skipped\n", i + 1,
                    xp_hex_encode(r.symhash, 32, sh, 1), rs ? "that round" : "an open round");
    }
    json_decref(infos);
    json_decref(sigs);
    xp_report_free(&rep);
    if (opened)
        xp_chain_close(&c);
    return rc;
}

int xp_cmd_oracle(int argc, char **argv)
{
    if (argc < 1)
        return xp_cli_subcommand_usage("oracle", NULL);
    const char *sub = argv[0];
    xp_opt o[] = {{"deployment", 0, 0},    {"rpc", 0, 0},      {"keystore", 0, 0},
                  {"password-file", 0, 0}, {"report", 0, 0},   {"round", 0, 0},
                  {"out", 0, 0},           {"committee", 0, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[64];
    int npos;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "oracle %s", sub);
    if (xp_cli_parse(cmd, argc - 1, argv + 1, o, no, pos, 64, &npos))
        return XP_EXIT_USAGE;
    xp_error err = {0};
    int rc;
    /* what is missing is said before a password is asked for, as a usage error */
    int is_sign = !strcmp(sub, "sign");
    if ((is_sign || !strcmp(sub, "submit")) &&
        (!xp_cli_get(o, no, "report") || !xp_cli_get(o, no, "keystore") || (!is_sign && npos < 1)))
        return xp_cli_usage("%s", is_sign ? "oracle sign: give --report R.json|R.csv --keystore K "
                                            "[--round N]"
                                          : "oracle submit: give --report R --keystore K "
                                            "[--round N] and the signature files");
    if (is_sign)
        rc = cmd_sign(o, no, &err);
    else if (!strcmp(sub, "submit"))
        rc = cmd_submit(o, no, pos, npos, &err);
    else
        return xp_cli_subcommand_usage("oracle", sub);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
