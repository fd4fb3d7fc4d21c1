/* What a transaction may cost its sender, and the check against the balance (internal to the
 * sender). */
#ifndef XTALPROOF_SRC_ETH_COST_H
#define XTALPROOF_SRC_ETH_COST_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/eth.h"
#include "xtalproof/rpc.h"
#include "xtalproof/tx.h"

/* The GasPriceOracle predeploy of OP-stack chains. */
#define XP_OP_GAS_PRICE_ORACLE "0x420000000000000000000000000000000000000F"

/* The L1 data fee of an OP-stack chain for the signed transaction raw: getL1Fee(raw) of the
 * GasPriceOracle, in wei. */
int xp_eth_l1_fee(xp_rpc *rpc, const uint8_t *raw, size_t n, xp_u256 *fee, xp_error *err);

/* gas × max_fee (gas_cost) and that + value (cost): the most a transaction may cost before any
 * L1 data fee; 1 when it passes 2^256. */
int xp_eth_max_cost(uint64_t gas, const xp_u256 *max_fee, const xp_u256 *value, xp_u256 *gas_cost,
                    xp_u256 *cost);

/* The most tx (signed, encoded as raw) may cost: gas limit × max fee + value, + the L1 data fee
 * when op_stack; refused with a sentence that names the balance, the cost and the shortfall
 * when the sender's balance ("pending") is lower. */
int xp_eth_cost_check(xp_rpc *rpc, const uint8_t from[20], const xp_tx *tx, const uint8_t *raw,
                      size_t n, int op_stack, xp_error *err);

#endif
