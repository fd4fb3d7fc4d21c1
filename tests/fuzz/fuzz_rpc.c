/* JSON-RPC response parsing, and the typed readers behind it (receipts, blocks), on arbitrary
 * text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/abi.h"
#include "xtalproof/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *res = NULL;
    xp_rpc_error rerr;
    memset(&rerr, 0, sizeof rerr);
    xp_error err = {0};
    int rc = xp_rpc_parse_response((const char *)data, size, 1, &res, &rerr, &err);
    if (rc == 0) {
        uint64_t v;
        xp_quantity_parse_u64(json_string_value(res), &v, &err);
        xp_u256 x;
        if (json_is_string(res))
            xp_u256_parse(json_string_value(res), &x, &err);
        json_decref(res);
    } else if (rc == XP_ERPC) {
        free(xp_abi_describe_revert(rerr.data, rerr.data_len, NULL, 0));
        free(rerr.data);
    }
    return 0;
}
