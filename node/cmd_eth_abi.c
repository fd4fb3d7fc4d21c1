/* xtalproof eth abi-encode SIG ARG...: calldata for a function call. */
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>

#include "cli.h"
#include "eth_cmds.h"
#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"

int xp_cmd_eth_abi_encode(int argc, char **argv)
{
    const char *pos[257];
    int npos;
    if (xp_cli_parse("eth abi-encode", argc, argv, NULL, 0, pos, 257, &npos))
        return XP_EXIT_USAGE;
    if (npos < 1)
        return xp_cli_usage("eth abi-encode: give SIG and its arguments");
    xp_abi_params p;
    xp_error err = {0};
    if (xp_abi_params_parse(pos[0], &p, &err))
        return xp_cli_fail(&err);
    if ((size_t)(npos - 1) != p.n) {
        int n = (int)p.n;
        xp_abi_params_free(&p);
        return xp_cli_usage("eth abi-encode: %s takes %d arguments, %d given", pos[0], n,
                            npos - 1);
    }
    json_t *args = json_array();
    int rc = 0;
    for (size_t i = 0; i < p.n && !rc; i++) {
        json_t *v;
        if ((rc = xp_abi_arg_parse(p.types[i], pos[1 + i], &v, &err)) == 0)
            json_array_append_new(args, v);
        else
            xp_error_prefix(&err, rc, "argument %zu", i + 1);
    }
    xp_abi_params_free(&p);
    uint8_t *out = NULL;
    size_t n = 0;
    if (!rc)
        rc = xp_abi_encode_call(pos[0], args, &out, &n, &err);
    json_decref(args);
    if (rc)
        return xp_cli_fail(&err);
    char *hx = malloc(2 * n + 3);
    if (hx)
        printf("%s\n", xp_hex_encode(out, n, hx, 1));
    free(hx);
    free(out);
    return XP_EXIT_OK;
}
