/* verify --rpc, the dispute game: whether the record's reveal was challenged (Disputes'
 * Challenged events of its round and target naming its predictor) and how each dispute ended
 * (Resolved). One check line, "disputed": PASS when never challenged or every dispute went to the
 * defender (or was moot), FAIL when one was lost (the reveal is no prediction any more), SKIP
 * while one is open, or where the deployment has no dispute game. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "../src/eth/ethjson.h" /* xp_eth_jhex, of the same library */
#include "run.h"
#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/eth.h"
#include "xtalproof/prover.h"
#include "xtalproof/rpc.h"

static const char *const OUTCOMES[] = {"open", "defenderWon", "challengerWon", "moot"};
static const char *const REASONS[] = {"none",    "stepFalse", "witnessShown",
                                      "timeout", "conceded",  "revealLostElsewhere"};

static json_t *logs_filter(uint64_t from, const uint8_t addr[XP_ADDRESS_LEN], const char *ev,
                           const uint8_t (*t)[32], const int *which, size_t n)
{
    uint8_t t0[32];
    char h[67], a[XP_ADDRESS_HEX_LEN];
    if (xp_abi_event_topic(ev, t0, NULL))
        return NULL;
    json_t *ts = json_pack("[s]", xp_hex32(t0, h));
    for (size_t k = 0; ts && k < n; k++)
        json_array_append_new(ts, which[k] ? json_string(xp_hex32(t[k], h)) : json_null());
    xp_address_to_checksum(addr, a);
    return json_pack("[{s:s, s:o, s:o, s:s}]", "address", a, "topics", ts, "fromBlock",
                     json_sprintf("0x%llx", (unsigned long long)from), "toBlock", "latest");
}

/* the data of a log as bytes (NULL when not hex); *n its length */
static uint8_t *log_data(json_t *log, size_t *n)
{
    const char *d = json_string_value(json_object_get(log, "data"));
    size_t cap = d ? strlen(d) / 2 + 1 : 0;
    uint8_t *b = d ? malloc(cap) : NULL;
    if (b && xp_hex_decode(d, strlen(d), b, cap, n, NULL)) {
        free(b);
        return NULL;
    }
    return b;
}

static int small_word(const uint8_t *w, uint64_t *v)
{
    for (int k = 0; k < 24; k++)
        if (w[k])
            return -1;
    *v = 0;
    for (int k = 24; k < 32; k++)
        *v = *v << 8 | w[k];
    return 0;
}

/* The outcome and reason of dispute `id` (topic), -1 when it has no Resolved event yet. */
static int outcome_of(xp_rpc *rpc, uint64_t from, const uint8_t disputes[XP_ADDRESS_LEN],
                      const uint8_t id[32], int *reason, xp_error *err)
{
    static const int which[1] = {1};
    json_t *res = NULL;
    int rc = xp_eth_get_logs_params(rpc,
                         logs_filter(from, disputes, "Resolved(uint256,uint8,uint8)",
                                     (const uint8_t(*)[32])id, which, 1),
                         &res, err);
    if (rc)
        return -2;
    int out = -1;
    uint8_t *d = NULL;
    size_t n = 0;
    uint64_t o = 0, r = 0;
    if (json_array_size(res) > 0) {
        d = log_data(json_array_get(res, json_array_size(res) - 1), &n);
        if (!d || n != 64 || small_word(d, &o) || small_word(d + 32, &r) || o > 3 || r > 5) {
            xp_error_set(err, XP_EIO, "a malformed Resolved event");
            out = -2;
        } else {
            out = (int)o;
            *reason = (int)r;
        }
    }
    free(d);
    json_decref(res);
    return out;
}

void xp_verify_disputes(xp_rpc *rpc, const xp_pred_record *r, uint64_t from,
                        xp_verify_report *rep)
{
    uint8_t sel[4], disp[XP_ADDRESS_LEN], *ret = NULL;
    size_t rn = 0;
    xp_error e = {0};
    char a[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(r->rounds, a);
    xp_abi_selector("disputes()", sel, NULL);
    json_t *call = json_pack("{s:s, s:o}", "to", a, "data", xp_eth_jhex(sel, 4));
    int rc = xp_eth_call(rpc, call, "latest", &ret, &rn, &e);
    json_decref(call);
    uint8_t zero[12] = {0};
    if (rc || rn != 32 || memcmp(ret, zero, 12)) {
        free(ret);
        xp_verify_add(rep, "disputed", XP_CHECK_SKIP,
                      "the Rounds contract answers no disputes(): a deployment without the "
                      "dispute game");
        return;
    }
    memcpy(disp, ret + 12, XP_ADDRESS_LEN);
    free(ret);
    uint8_t t[3][32];
    static const int which[3] = {0, 1, 1};
    xp_word_u64(t[1], r->round);
    xp_word_u64(t[2], r->target);
    json_t *logs = NULL;
    if (xp_eth_get_logs_params(rpc,
                    logs_filter(from, disp,
                                "Challenged(uint256,uint256,uint256,uint256,address,address,"
                                "uint256,uint64)",
                                (const uint8_t(*)[32])t, which, 3),
                    &logs, &e)) {
        xp_verify_add(rep, "disputed", XP_CHECK_FAIL, "eth_getLogs: %s", e.msg);
        return;
    }
    char text[XP_ERROR_MAX] = "";
    size_t len = 0, nd = 0;
    int lost = 0, open = 0, bad = 0;
    size_t i;
    json_t *log;
    json_array_foreach(logs, i, log)
    {
        size_t n = 0;
        uint8_t *d = log_data(log, &n), id[32];
        const char *t1 = json_string_value(json_array_get(json_object_get(log, "topics"), 1));
        uint64_t idv = 0;
        if (!d || n != 160 || !t1 || xp_hex_decode_exact(t1, id, 32, NULL) || small_word(id, &idv)) {
            free(d);
            bad = 1;
            break;
        }
        int mine = !memcmp(d + 64 + 12, r->predictor, XP_ADDRESS_LEN);
        free(d);
        if (!mine)
            continue;
        nd++;
        int reason = 0, o = outcome_of(rpc, from, disp, id, &reason, &e);
        if (o == -2) {
            bad = 2;
            break;
        }
        lost |= o == 2;
        open |= o < 0;
        if (len < sizeof text - 80)
            len += (size_t)snprintf(text + len, sizeof text - len, "%sdispute %llu %s%s%s%s",
                                    nd > 1 ? ", " : "", (unsigned long long)idv,
                                    o < 0 ? "open" : OUTCOMES[o], o > 0 ? " (" : "",
                                    o > 0 ? REASONS[reason] : "", o > 0 ? ")" : "");
    }
    json_decref(logs);
    if (bad)
        xp_verify_add(rep, "disputed", XP_CHECK_FAIL, "%s",
                      bad == 2 ? e.msg : "a malformed Challenged event");
    else if (nd == 0)
        xp_verify_add(rep, "disputed", XP_CHECK_PASS, "the reveal was never challenged");
    else if (lost)
        xp_verify_add(rep, "disputed", XP_CHECK_FAIL,
                      "challenged %zu time%s and lost: %s; the reveal is no prediction", nd,
                      nd > 1 ? "s" : "", text);
    else if (open)
        xp_verify_add(rep, "disputed", XP_CHECK_SKIP, "challenged %zu time%s, not decided yet: %s",
                      nd, nd > 1 ? "s" : "", text);
    else
        xp_verify_add(rep, "disputed", XP_CHECK_PASS, "challenged %zu time%s, every one won or "
                      "moot: %s", nd, nd > 1 ? "s" : "", text);
}
