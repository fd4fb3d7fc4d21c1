/* What the Rounds contract fixes when a round opens, read for the oracle's matching of
 * measurements to round targets (chain.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"

static const char GET_ROUND[] = "((address,uint64,uint16,address,uint96,address,uint32,uint32,"
                                "uint16,bytes32,uint128,uint128,uint32,uint32,uint96))";
/* symhash, structureRoot, result, revealDeadline, commits, reveals, winners, status,
 * disputesOpen, lost */
static const char GET_TARGET[] =
    "((bytes32,bytes32,int128,uint64,uint16,uint16,uint16,uint8,uint16,uint16))";

static const char *field(json_t *tuple, size_t i)
{
    const char *s = json_string_value(json_array_get(tuple, i));
    return s ? s : "0";
}

static int call(xp_chain *c, const char *sig, uint64_t a, int two, uint64_t b,
                const char *returns, json_t **out, xp_error *err)
{
    json_t *args = two ? json_pack("[o, o]", json_sprintf("%llu", (unsigned long long)a),
                                   json_sprintf("%llu", (unsigned long long)b))
                       : json_pack("[o]", json_sprintf("%llu", (unsigned long long)a));
    int rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], sig, args, returns, out, err);
    json_decref(args);
    return rc;
}

int xp_chain_round_count(xp_chain *c, uint64_t *count, xp_error *err)
{
    json_t *none = json_array(), *out = NULL;
    int rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], "roundCount()", none, "(uint256)", &out,
                           err);
    json_decref(none);
    *count = rc ? 0 : strtoull(field(out, 0), NULL, 10);
    json_decref(out);
    return rc;
}

int xp_chain_target_status(xp_chain *c, uint64_t round, uint64_t target, int *status,
                           xp_error *err)
{
    json_t *t = NULL;
    int rc = call(c, "getTarget(uint256,uint256)", round, 1, target, GET_TARGET, &t, err);
    *status = rc ? -1 : atoi(field(json_array_get(t, 0), 7));
    json_decref(t);
    return rc;
}

int xp_chain_round_info(xp_chain *c, uint64_t round, int with_targets, json_t **out,
                        xp_error *err)
{
    *out = NULL;
    json_t *r = NULL, *targets = json_array();
    int rc = call(c, "getRound(uint256)", round, 0, 0, GET_ROUND, &r, err);
    json_t *t0 = json_array_get(r, 0);
    uint64_t start = strtoull(field(t0, 1), NULL, 10), n = strtoull(field(t0, 2), NULL, 10);
    uint64_t end = start + strtoull(field(t0, 6), NULL, 10);
    for (uint64_t i = 0; !rc && with_targets && i < n; i++) {
        json_t *t = NULL;
        rc = call(c, "getTarget(uint256,uint256)", round, 1, i, GET_TARGET, &t, err);
        json_array_append_new(targets, json_string(field(json_array_get(t, 0), 0)));
        json_decref(t);
    }
    if (!rc)
        *out = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:O}", "round", (json_int_t)round,
                         "committee", field(t0, 5), "property", field(t0, 9), "start",
                         (json_int_t)start, "end", (json_int_t)end, "targetCount", (json_int_t)n,
                         "targets", targets);
    json_decref(targets);
    json_decref(r);
    return rc;
}

int xp_chain_open_rounds(xp_chain *c, uint64_t now, uint64_t max, json_t **out, xp_error *err)
{
    uint64_t count = 0;
    *out = json_array();
    int rc = xp_chain_round_count(c, &count, err);
    for (uint64_t id = count; !rc && id >= 1 && count - id < max; id--) {
        json_t *info = NULL;
        if ((rc = xp_chain_round_info(c, id, 0, &info, err)))
            break;
        if (now < (uint64_t)json_integer_value(json_object_get(info, "end"))) {
            json_decref(info); /* again with its targets */
            if (!(rc = xp_chain_round_info(c, id, 1, &info, err)))
                json_array_insert_new(*out, 0, info);
        } else {
            json_decref(info);
        }
    }
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int xp_round_target_of(json_t *info, const uint8_t symhash[32], const uint8_t property[32],
                       size_t from)
{
    char sh[67], ph[67];
    xp_hex_encode(symhash, 32, sh, 1);
    xp_hex_encode(property, 32, ph, 1);
    const char *rp = json_string_value(json_object_get(info, "property"));
    json_t *targets = json_object_get(info, "targets");
    if (!rp || strcmp(rp, ph))
        return -1;
    for (size_t i = from; i < json_array_size(targets); i++)
        if (!strcmp(json_string_value(json_array_get(targets, i)), sh))
            return (int)i;
    return -1;
}
