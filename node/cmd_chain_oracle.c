/* xtalproof oracle sign | submit: beamtime reports, EIP-712 signatures of the committee's
 * members, and postResult with k of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int to_report(const char *dir, uint64_t round, const xp_measurement *m, xp_oracle_report *r,
                     xp_error *err)
{
    int rc = xp_report_entry(dir, m, r, err);
    r->round = round;
    return rc;
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
        xp_error_prefix(err, "%s", path);
    return rc;
}

static int cmd_sign(xp_opt *o, int no, xp_error *err)
{
    const char *rp = xp_cli_get(o, no, "report"), *ks = xp_cli_get(o, no, "keystore");
    const char *rs = xp_cli_get(o, no, "round");
    uint64_t round = 0;
    if (!rp || !ks || !rs)
        return xp_error_set(err, XP_EINVAL,
                            "oracle sign: give --report R.json|R.csv --round N --keystore K");
    if (xp_cli_u64("oracle sign", "round", rs, &round))
        return XP_EINVAL;
    xp_deployment d;
    char *dp = xp_deployment_find(xp_cli_get(o, no, "deployment"), err);
    if (!dp)
        return XP_ENOTFOUND;
    int rc = xp_deployment_load(dp, &d, err);
    free(dp);
    const char *cm = xp_cli_get(o, no, "committee");
    if (!rc && cm)
        rc = xp_address_parse(cm, d.address[XP_C_COMMITTEE], err);
    xp_report rep = {0};
    if (!rc)
        rc = load_report(rp, &rep, err);
    uint8_t priv[32], me[20];
    char *pw = NULL;
    if (!rc)
        rc = xp_cli_password(xp_cli_get(o, no, "password-file"), 0, &pw, err);
    if (!rc)
        rc = xp_keystore_load(ks, pw, priv, err);
    xp_cli_password_free(pw);
    if (!rc)
        rc = xp_privkey_to_address(priv, me, err);
    char dir[4096], hx[3][67], addr[XP_ADDRESS_HEX_LEN], sig_hex[2 * XP_SIG_LEN + 3];
    report_dir(rp, dir, sizeof dir);
    json_t *reports = json_array();
    for (size_t i = 0; !rc && i < rep.n; i++) {
        xp_oracle_report r;
        uint8_t dg[32], sig[XP_SIG_LEN];
        if ((rc = to_report(dir, round, &rep.m[i], &r, err))) {
            xp_error_prefix(err, "measurement %zu", i + 1);
            break;
        }
        xp_oracle_digest(&r, d.chain_id, d.address[XP_C_COMMITTEE], dg);
        if ((rc = xp_sign_digest(priv, dg, sig, err)))
            break;
        sig[64] += 27; /* v as 27/28, the form ecrecover and wallets use */
        json_array_append_new(reports,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "symhash",
                                        xp_hex_encode(r.symhash, 32, hx[0], 1), "property",
                                        rep.m[i].property, "value", rep.m[i].value, "digest",
                                        xp_hex_encode(dg, 32, hx[1], 1), "signature",
                                        xp_hex_encode(sig, XP_SIG_LEN, sig_hex, 1)));
    }
    xp_wipe(priv, sizeof priv);
    xp_report_free(&rep);
    if (rc) {
        json_decref(reports);
        return rc;
    }
    char comm[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(me, addr);
    xp_address_to_checksum(d.address[XP_C_COMMITTEE], comm);
    json_t *o2 = json_pack("{s:i, s:I, s:s, s:I, s:s, s:o}", "version", 1, "chainId",
                           (json_int_t)d.chain_id, "committee", comm, "round", (json_int_t)round,
                           "signer", addr, "reports", reports);
    char *text = json_dumps(o2, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o2);
    if (!text)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    size_t n = strlen(text);
    char *t2 = realloc(text, n + 2);
    if (!t2) {
        free(text);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    t2[n] = '\n';
    t2[n + 1] = 0;
    return xp_cli_emit(xp_cli_get(o, no, "out"), t2, "the signature file") ? XP_EIO : 0;
}

static int cmd_submit(xp_opt *o, int no, const char **pos, int npos, xp_error *err)
{
    const char *rp = xp_cli_get(o, no, "report"), *ks = xp_cli_get(o, no, "keystore");
    const char *rs = xp_cli_get(o, no, "round");
    uint64_t round = 0;
    if (!rp || !ks || !rs || npos < 1)
        return xp_error_set(err, XP_EINVAL,
                            "oracle submit: give --report R --round N --keystore K and the "
                            "signature files");
    if (xp_cli_u64("oracle submit", "round", rs, &round))
        return XP_EINVAL;
    xp_report rep = {0};
    int rc = load_report(rp, &rep, err);
    if (rc)
        return rc;
    /* the signatures, by digest */
    json_t *sigs = json_array();
    for (int i = 0; i < npos && !rc; i++) {
        json_error_t je;
        json_t *f = json_load_file(pos[i], JSON_REJECT_DUPLICATES, &je);
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
    if (!rc &&
        !(rc = xp_cli_chain_open(&c, xp_cli_get(o, no, "deployment"), xp_cli_get(o, no, "rpc"), ks,
                                 xp_cli_get(o, no, "password-file"), err)))
        opened = 1;
    json_t *rd = NULL, *targets = NULL;
    const uint8_t *ra = opened ? c.d.address[XP_C_ROUNDS] : NULL;
    if (!rc) {
        json_t *a = json_pack("[I]", (json_int_t)round);
        json_array_set_new(a, 0, json_sprintf("%llu", (unsigned long long)round));
        rc = xp_chain_call(&c, ra, "getRound(uint256)", a,
                           "((address,uint64,uint16,address,uint96,address,uint32,uint32,uint16,"
                           "bytes32,uint128,uint128))",
                           &rd, err);
        json_decref(a);
    }
    uint8_t committee[20];
    if (!rc)
        rc = xp_address_parse(json_string_value(json_array_get(json_array_get(rd, 0), 5)),
                              committee, err);
    uint64_t nt =
        rc ? 0 : strtoull(json_string_value(json_array_get(json_array_get(rd, 0), 2)), NULL, 10);
    targets = json_array();
    for (uint64_t i = 0; !rc && i < nt; i++) {
        json_t *a = json_pack("[o, o]", json_sprintf("%llu", (unsigned long long)round),
                              json_sprintf("%llu", (unsigned long long)i)),
               *t = NULL;
        rc = xp_chain_call(&c, ra, "getTarget(uint256,uint256)", a,
                           "((bytes32,int128,uint64,uint16,uint16,uint16,uint8))", &t, err);
        json_decref(a);
        if (!rc)
            json_array_append(targets, json_array_get(t, 0));
        json_decref(t);
    }
    char dir[4096];
    report_dir(rp, dir, sizeof dir);
    for (size_t i = 0; !rc && i < rep.n; i++) {
        xp_oracle_report r;
        uint8_t dg[32];
        char sh[67], dh[67], th[67];
        if ((rc = to_report(dir, round, &rep.m[i], &r, err)))
            break;
        xp_oracle_digest(&r, c.d.chain_id, committee, dg);
        xp_hex_encode(r.symhash, 32, sh, 1);
        xp_hex_encode(dg, 32, dh, 1);
        size_t ti;
        json_t *t;
        int idx = -1;
        json_array_foreach(targets, ti, t) if (!strcmp(json_string_value(json_array_get(t, 0)), sh))
            idx = (int)ti;
        if (idx < 0) {
            fprintf(stderr,
                    "oracle submit: measurement %zu (%s) is not a target of round %llu; "
                    "skipped\n",
                    i + 1, sh, (unsigned long long)round);
            continue;
        }
        const char *st = json_string_value(json_array_get(json_array_get(targets, (size_t)idx), 6));
        if (st && strcmp(st, "0")) {
            xp_cli_print_json(json_pack("{s:I, s:i, s:s, s:s}", "round", (json_int_t)round,
                                        "target", idx, "symhash", sh, "note",
                                        "result already posted"));
            continue;
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
        char idem[120];
        snprintf(idem, sizeof idem, "postResult:%llu:%d:%s", (unsigned long long)round, idx, dh);
        json_t *args = json_pack("[o, i, o, O]", json_sprintf("%llu", (unsigned long long)round),
                                 idx, xp_oracle_report_tuple(&r), list);
        json_array_set_new(args, 1, json_sprintf("%d", idx));
        xp_chain_tx tx;
        rc = xp_chain_send(&c, ra,
                           "postResult(uint256,uint256,(uint256,bytes32,bytes32,int256,uint256,"
                           "bytes32,bytes32,uint64),bytes[])",
                           args, NULL, idem, &tx, err);
        json_decref(args);
        if (!rc)
            xp_cli_print_json(json_pack(
                "{s:I, s:i, s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "round", (json_int_t)round,
                "target", idx, "symhash", sh, "property", rep.m[i].property, "value",
                rep.m[i].value, "unit", rep.m[i].unit, "signatures",
                (json_int_t)json_array_size(list), "tx", xp_hex_encode(tx.sent.hash, 32, th, 1),
                "gasUsed", (json_int_t)tx.gas_used));
        json_decref(list);
        xp_chain_tx_clear(&tx);
    }
    json_decref(targets);
    json_decref(rd);
    json_decref(sigs);
    xp_report_free(&rep);
    if (opened)
        xp_chain_close(&c);
    return rc;
}

int xp_cmd_oracle(int argc, char **argv)
{
    if (argc < 1)
        return xp_cli_usage("oracle: expected sign or submit");
    const char *sub = argv[0];
    xp_opt o[] = {{"deployment", 0, 0},    {"rpc", 0, 0},      {"keystore", 0, 0},
                  {"password-file", 0, 0}, {"report", 0, 0},   {"round", 0, 0},
                  {"out", 0, 0},           {"committee", 0, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[64];
    int npos;
    if (xp_cli_parse("oracle", argc - 1, argv + 1, o, no, pos, 64, &npos))
        return XP_EXIT_USAGE;
    xp_error err = {0};
    int rc;
    if (!strcmp(sub, "sign"))
        rc = cmd_sign(o, no, &err);
    else if (!strcmp(sub, "submit"))
        rc = cmd_submit(o, no, pos, npos, &err);
    else
        return xp_cli_usage("oracle: unknown subcommand \"%s\" (sign, submit)", sub);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
