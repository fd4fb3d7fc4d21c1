/* The cost of a transaction against its sender's balance, with an OP-stack chain's L1 data
 * fee (docs/operations.md, "Running on a public chain"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cost.h"
#include "ethjson.h"
#include "xtalproof/abi.h"
#include "xtalproof/keys.h"

int xp_eth_l1_fee(xp_rpc *rpc, const uint8_t *raw, size_t n, xp_u256 *fee, xp_error *err)
{
    /* getL1Fee(bytes): selector, the offset 0x20, the length, the bytes padded to 32 */
    size_t padded = (n + 31) / 32 * 32, len = 4 + 64 + padded;
    uint8_t *data = calloc(1, len), *ret = NULL;
    if (!data)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    int rc = xp_abi_selector("getL1Fee(bytes)", data, err);
    xp_word_u64(data + 4, 32);
    xp_word_u64(data + 36, (uint64_t)n);
    memcpy(data + 68, raw, n);
    json_t *call = json_pack("{s:s, s:o}", "to", XP_OP_GAS_PRICE_ORACLE, "data",
                             xp_eth_jhex(data, len));
    size_t rn = 0;
    if (!rc)
        rc = xp_eth_call(rpc, call, "latest", &ret, &rn, err);
    json_decref(call);
    free(data);
    if (!rc && rn != 32)
        rc = xp_error_set(err, XP_EIO,
                          "GasPriceOracle (%s) getL1Fee answered %zu bytes, not one word: is "
                          "this an OP-stack chain?",
                          XP_OP_GAS_PRICE_ORACLE, rn);
    if (!rc)
        xp_u256_from_be(fee, ret, 32);
    else
        xp_error_prefix(err, rc, "the L1 data fee");
    free(ret);
    return rc;
}

int xp_eth_max_cost(uint64_t gas, const xp_u256 *max_fee, const xp_u256 *value, xp_u256 *gas_cost,
                    xp_u256 *cost)
{
    return xp_u256_mul_u64(gas_cost, max_fee, gas) || xp_u256_add(cost, gas_cost, value);
}

int xp_eth_cost_check(xp_rpc *rpc, const uint8_t from[20], const xp_tx *tx, const uint8_t *raw,
                      size_t n, int op_stack, xp_error *err)
{
    xp_u256 gas_cost, cost, l1 = {{0}}, balance;
    if (xp_eth_max_cost(tx->gas_limit, &tx->max_fee, &tx->value, &gas_cost, &cost))
        return xp_error_set(err, XP_EINVAL, "the transaction's cost is beyond 2^256 wei");
    int rc = 0;
    if (op_stack) {
        if ((rc = xp_eth_l1_fee(rpc, raw, n, &l1, err)))
            return rc;
        if (xp_u256_add(&cost, &cost, &l1))
            return xp_error_set(err, XP_EINVAL, "the transaction's cost is beyond 2^256 wei");
    }
    if ((rc = xp_eth_get_balance(rpc, from, "pending", &balance, err)))
        return rc;
    if (xp_u256_cmp(&balance, &cost) >= 0)
        return 0;
    xp_u256 short_by;
    xp_u256_sub(&short_by, &cost, &balance);
    char a[80], b[80], c[80], d[80], e[80], f[80], addr[XP_ADDRESS_HEX_LEN];
    xp_u256_to_dec(&balance, a);
    xp_u256_to_dec(&cost, b);
    xp_u256_to_dec(&short_by, c);
    xp_u256_to_dec(&gas_cost, d);
    xp_u256_to_dec(&tx->value, e);
    xp_u256_to_dec(&l1, f);
    xp_address_to_checksum(from, addr);
    return xp_error_set(err, XP_EINVAL,
                        "insufficient funds: %s holds %s wei, the transaction may cost %s wei "
                        "(gas %llu × max fee = %s, value %s%s%s): short by %s wei",
                        addr, a, b, (unsigned long long)tx->gas_limit, d, e,
                        op_stack ? ", L1 data fee " : "", op_stack ? f : "", c);
}
