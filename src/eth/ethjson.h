/* JSON values for byte strings and numbers, shared by the eth sources (internal). */
#ifndef XTALPROOF_SRC_ETH_ETHJSON_H
#define XTALPROOF_SRC_ETH_ETHJSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/eth.h"
#include "xtalproof/rpc.h" /* xp_eth_jhex */
/* The decimal text of x. */
json_t *xp_eth_jdec(const xp_u256 *x);

#endif
