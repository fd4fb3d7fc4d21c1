/* xtalproof bench tx: signing and encoding speed of EIP-1559 transactions on one core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "xtalproof/tx.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int xp_cmd_bench_tx(int argc, char **argv)
{
    xp_opt o[] = {{"count", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("bench tx", argc, argv, o, 1, pos, 0, &npos))
        return XP_EXIT_USAGE;
    long count = 20000;
    const char *c = xp_cli_get(o, 1, "count");
    if (c && (count = strtol(c, NULL, 10)) <= 0)
        return xp_cli_usage("bench tx: --count must be a positive integer");
    uint8_t key[32];
    memset(key, 0x46, 32);
    uint8_t data[68] = {0xa9, 0x05, 0x9c, 0xbb}; /* an ERC-20 transfer's size */
    xp_tx tx = {0};
    tx.type = XP_TX_1559;
    tx.chain_id = 31337;
    tx.gas_limit = 60000;
    tx.has_to = 1;
    memset(tx.to, 0x35, 20);
    xp_u256_from_u64(&tx.max_fee, 30000000000ull);
    xp_u256_from_u64(&tx.max_priority, 1000000000ull);
    xp_error err = {0};
    size_t bytes = 0;
    double t0 = now();
    for (long i = 0; i < count; i++) {
        tx.nonce = (uint64_t)i;
        data[67] = (uint8_t)i;
        if (xp_tx_set_data(&tx, data, sizeof data, &err) || xp_tx_sign(&tx, key, &err))
            return xp_cli_fail(&err);
        xp_rlp_buf b;
        xp_rlp_buf_init(&b);
        if (xp_tx_encode(&tx, &b, &err))
            return xp_cli_fail(&err);
        bytes += b.len;
        xp_rlp_buf_free(&b);
    }
    double dt = now() - t0;
    xp_tx_clear(&tx);
    printf("{\"bench\":\"tx\",\"type\":2,\"count\":%ld,\"seconds\":%.3f,\"tx_per_s\":%.0f,"
           "\"bytes_per_tx\":%.1f}\n",
           count, dt, count / dt, (double)bytes / count);
    return XP_EXIT_OK;
}
