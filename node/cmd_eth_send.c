/* xtalproof eth send | eth balance: the JSON-RPC client and the journalled sender. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "eth_cmds.h"
#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/eth_send.h"
#include "xtalproof/keys.h"
#include "xtalproof/keystore.h"
#include "xtalproof/rpc.h"

static int parse_uint(const char *cmd, const char *name, const char *v, unsigned long *out)
{
    char *end;
    if (!v)
        return 0;
    *out = strtoul(v, &end, 10);
    if (!*v || *end)
        return xp_cli_usage("%s: --%s must be a non-negative integer", cmd, name);
    return 0;
}

int xp_cmd_eth_balance(int argc, char **argv)
{
    xp_opt o[] = {{"rpc", 0, 0}, {"block", 0, 0}};
    const char *pos[2];
    int npos;
    if (xp_cli_parse("eth balance", argc, argv, o, 2, pos, 2, &npos))
        return XP_EXIT_USAGE;
    const char *url = xp_cli_get(o, 2, "rpc"), *block = xp_cli_get(o, 2, "block");
    if (!url || npos != 1)
        return xp_cli_usage("eth balance: give --rpc URL and one ADDR");
    uint8_t addr[20];
    xp_error err = {0};
    if (xp_address_parse(pos[0], addr, &err))
        return xp_cli_fail(&err);
    xp_rpc_opts ro = {.url = url};
    xp_rpc *rpc;
    if (xp_rpc_new(&ro, &rpc, &err))
        return xp_cli_fail(&err);
    xp_u256 wei;
    int rc = xp_eth_get_balance(rpc, addr, block ? block : "latest", &wei, &err);
    xp_rpc_free(rpc);
    if (rc)
        return xp_cli_fail(&err);
    char d[80];
    xp_u256_to_dec(&wei, d);
    printf("%s\n", d);
    return XP_EXIT_OK;
}

int xp_cmd_eth_send(int argc, char **argv)
{
    xp_opt o[] = {{"rpc", 0, 0},           {"keystore", 0, 0},      {"password-file", 0, 0},
                  {"to", 0, 0},            {"value", 0, 0},         {"data", 0, 0},
                  {"gas", 0, 0},           {"idempotency-key", 0, 0}, {"confirmations", 0, 0},
                  {"journal", 0, 0},       {"timeout", 0, 0},       {"bump-after", 0, 0},
                  {"no-wait", 1, 0},       {"resume-only", 1, 0},   {"rpc-timeout", 0, 0},
                  {"rpc-retries", 0, 0},   {"l2", 0, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[1];
    int npos;
    const char *cmd = "eth send";
    if (xp_cli_parse(cmd, argc, argv, o, no, pos, 0, &npos))
        return XP_EXIT_USAGE;
    const char *url = xp_cli_get(o, no, "rpc"), *ks = xp_cli_get(o, no, "keystore");
    const char *to = xp_cli_get(o, no, "to"), *value = xp_cli_get(o, no, "value");
    const char *data = xp_cli_get(o, no, "data"), *idem = xp_cli_get(o, no, "idempotency-key");
    int resume_only = xp_cli_get(o, no, "resume-only") != NULL;
    const char *l2 = xp_cli_get(o, no, "l2");
    if (l2 && strcmp(l2, "op-stack"))
        return xp_cli_usage("%s: --l2 knows only op-stack, not \"%s\"", cmd, l2);
    if (!url || !ks || (!to && !data && !resume_only))
        return xp_cli_usage("%s: give --rpc URL, --keystore F and --to ADDR (or --data to "
                            "create a contract)",
                            cmd);
    unsigned long gas = 0, conf = 1, timeout = 300, bump_after = 30, rpc_timeout = 10,
                  rpc_retries = 6;
    if (parse_uint(cmd, "gas", xp_cli_get(o, no, "gas"), &gas) ||
        parse_uint(cmd, "rpc-timeout", xp_cli_get(o, no, "rpc-timeout"), &rpc_timeout) ||
        parse_uint(cmd, "rpc-retries", xp_cli_get(o, no, "rpc-retries"), &rpc_retries) ||
        parse_uint(cmd, "confirmations", xp_cli_get(o, no, "confirmations"), &conf) ||
        parse_uint(cmd, "timeout", xp_cli_get(o, no, "timeout"), &timeout) ||
        parse_uint(cmd, "bump-after", xp_cli_get(o, no, "bump-after"), &bump_after))
        return XP_EXIT_USAGE;
    xp_error err = {0};
    xp_send_req req;
    memset(&req, 0, sizeof req);
    req.idem_key = idem;
    req.gas_limit = gas;
    if (to) {
        req.has_to = 1;
        if (xp_address_parse(to, req.to, &err))
            return xp_cli_fail(&err);
    }
    if (value && xp_u256_parse(value, &req.value, &err))
        return xp_cli_fail(&err);
    uint8_t *dbytes = NULL;
    if (data) {
        if (xp_eth_cli_unhex(data, &dbytes, &req.data_len, &err))
            return xp_cli_fail(&err);
        req.data = dbytes;
    }
    char *pw = NULL;
    uint8_t priv[32];
    int rc = xp_cli_password(xp_cli_get(o, no, "password-file"), 0, &pw, &err);
    if (!rc)
        rc = xp_keystore_load(ks, pw, priv, &err);
    xp_cli_password_free(pw);
    if (rc) {
        free(dbytes);
        return xp_cli_fail(&err);
    }
    xp_rpc_opts ro = {.url = url,
                      .timeout_ms = (long)(rpc_timeout ? rpc_timeout : 10) * 1000,
                      .retries = rpc_retries ? (int)rpc_retries : -1};
    xp_rpc *rpc = NULL;
    xp_journal *j = NULL;
    xp_sender *s = NULL;
    xp_sender_opts so = {.confirmations = (unsigned)(conf ? conf : 1),
                         .timeout_ms = (unsigned)(timeout * 1000),
                         .bump_after_ms = (unsigned)(bump_after * 1000),
                         .l2_op_stack = l2 != NULL};
    if ((rc = xp_rpc_new(&ro, &rpc, &err)) ||
        (rc = xp_journal_open(xp_cli_get(o, no, "journal"), &j, &err)) ||
        (rc = xp_sender_new(rpc, j, priv, &so, &s, &err)))
        goto done;
    /* finish what an earlier run left unconfirmed before taking a new nonce */
    unsigned resumed = 0;
    if ((rc = xp_sender_resume(s, &resumed, &err)))
        goto done;
    if (resumed)
        fprintf(stderr, "xtalproof: resumed %u journalled transaction(s)\n", resumed);
    if (resume_only) {
        printf("{\"resumed\":%u}\n", resumed);
        goto done;
    }
    xp_sent sent;
    if ((rc = xp_sender_send(s, &req, &sent, &err)))
        goto done;
    int reused = sent.reused;
    if (!xp_cli_get(o, no, "no-wait") && (rc = xp_sender_wait(s, sent.nonce, &sent, &err)))
        goto done;
    sent.reused = reused;
    char hx[67], from[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(xp_sender_address(s), from);
    printf("{\"from\":\"%s\",\"nonce\":%llu,\"hash\":\"%s\",\"block\":%llu,\"status\":%d,"
           "\"replaced\":%d,\"reused\":%s,\"broadcasts\":%llu}\n",
           from, (unsigned long long)sent.nonce, xp_hex_encode(sent.hash, 32, hx, 1),
           (unsigned long long)sent.block, sent.status, sent.replaced,
           sent.reused ? "true" : "false", (unsigned long long)xp_sender_broadcasts(s));
    if (sent.status == 0) {
        xp_error_set(&err, XP_EINVAL, "transaction %s reverted", hx);
        rc = XP_EINVAL;
    }
done:
    xp_wipe(priv, sizeof priv);
    free(dbytes);
    xp_sender_free(s);
    xp_journal_close(j);
    xp_rpc_free(rpc);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}

int xp_cmd_eth_logs(int argc, char **argv)
{
    xp_opt o[] = {{"rpc", 0, 0},  {"address", 0, 0}, {"event", 0, 0},
                  {"from", 0, 0}, {"to", 0, 0},      {"step", 0, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[1];
    int npos;
    const char *cmd = "eth logs";
    if (xp_cli_parse(cmd, argc, argv, o, no, pos, 0, &npos))
        return XP_EXIT_USAGE;
    const char *url = xp_cli_get(o, no, "rpc"), *addr = xp_cli_get(o, no, "address");
    const char *event = xp_cli_get(o, no, "event");
    unsigned long from = 0, to = 0, step = 1000;
    if (!url)
        return xp_cli_usage("%s: give --rpc URL", cmd);
    if (parse_uint(cmd, "from", xp_cli_get(o, no, "from"), &from) ||
        parse_uint(cmd, "to", xp_cli_get(o, no, "to"), &to) ||
        parse_uint(cmd, "step", xp_cli_get(o, no, "step"), &step))
        return XP_EXIT_USAGE;
    xp_error err = {0};
    xp_rpc_opts ro = {.url = url};
    xp_rpc *rpc;
    if (xp_rpc_new(&ro, &rpc, &err))
        return xp_cli_fail(&err);
    uint64_t head = to;
    int rc = 0;
    if (!xp_cli_get(o, no, "to"))
        rc = xp_eth_block_number(rpc, &head, &err);
    json_t *filter = json_object(), *logs = NULL;
    uint8_t t0[32];
    char hx[67];
    if (!rc && addr) {
        uint8_t a[20];
        if (!(rc = xp_address_parse(addr, a, &err)))
            json_object_set_new(filter, "address", json_string(xp_hex_encode(a, 20, hx, 1)));
    }
    if (!rc && event && !(rc = xp_abi_event_topic(event, t0, &err)))
        json_object_set_new(filter, "topics", json_pack("[s]", xp_hex_encode(t0, 32, hx, 1)));
    if (!rc)
        rc = xp_eth_get_logs(rpc, filter, from, head, step ? step : 1000, &logs, &err);
    json_decref(filter);
    xp_rpc_free(rpc);
    if (rc)
        return xp_cli_fail(&err);
    /* one JSON line per log: block, tx hash, address, and the decoded event when given */
    size_t i;
    json_t *l;
    json_array_foreach(logs, i, l)
    {
        json_t *out = json_pack("{s:O?, s:O?, s:O?}", "block", json_object_get(l, "blockNumber"),
                                "tx", json_object_get(l, "transactionHash"), "address",
                                json_object_get(l, "address"));
        if (event) {
            json_t *tj = json_object_get(l, "topics");
            size_t nt = json_array_size(tj);
            uint8_t(*topics)[32] = calloc(nt ? nt : 1, 32);
            const char *ds = json_string_value(json_object_get(l, "data"));
            uint8_t *data = NULL;
            size_t dn = 0;
            json_t *dec = NULL;
            int bad = !topics || !ds || xp_eth_cli_unhex(ds, &data, &dn, &err);
            for (size_t k = 0; !bad && k < nt; k++)
                bad = xp_hex_decode_exact(json_string_value(json_array_get(tj, k)), topics[k],
                                          32, &err) != 0;
            if (!bad && xp_abi_decode_log(event, (const uint8_t(*)[32])topics, nt, data, dn,
                                          &dec, &err) == 0)
                json_object_set_new(out, "event", dec);
            else
                json_object_set_new(out, "error", json_string(err.msg));
            free(topics);
            free(data);
        }
        char *s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(out);
    }
    json_decref(logs);
    return XP_EXIT_OK;
}
