/* xtalproof eth …: Ethereum tools in the spirit of Foundry's cast. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eth_cmds.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/rlp.h"
#include "xtalproof/tx.h"

/* Hex text (0x optional) to a malloc'd buffer. */
int xp_eth_cli_unhex(const char *hex, uint8_t **out, size_t *n, xp_error *err)
{
    size_t cap = strlen(hex) / 2 + 1;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    int rc = xp_hex_decode(hex, strlen(hex), buf, cap, n, err);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

static int cmd_keccak(int argc, char **argv)
{
    xp_opt o[] = {{"text", 0, 0}};
    const char *pos[2];
    int npos;
    if (xp_cli_parse("eth keccak", argc, argv, o, 1, pos, 2, &npos))
        return XP_EXIT_USAGE;
    const char *text = xp_cli_get(o, 1, "text");
    if ((text != NULL) + npos != 1)
        return xp_cli_usage("eth keccak: give HEX or --text S");
    uint8_t d[32];
    char hx[67];
    if (text) {
        xp_keccak256(text, strlen(text), d);
    } else {
        uint8_t *buf = NULL;
        size_t n;
        xp_error err = {0};
        if (xp_eth_cli_unhex(pos[0], &buf, &n, &err))
            return xp_cli_fail(&err);
        xp_keccak256(buf, n, d);
        free(buf);
    }
    printf("%s\n", xp_hex_encode(d, 32, hx, 1));
    return XP_EXIT_OK;
}

static int cmd_rlp_decode(int argc, char **argv)
{
    const char *pos[2];
    int npos;
    if (xp_cli_parse("eth rlp-decode", argc, argv, NULL, 0, pos, 2, &npos))
        return XP_EXIT_USAGE;
    if (npos != 1)
        return xp_cli_usage("eth rlp-decode: give one HEX argument");
    uint8_t *buf = NULL;
    size_t n;
    char *js;
    xp_error err = {0};
    if (xp_eth_cli_unhex(pos[0], &buf, &n, &err))
        return xp_cli_fail(&err);
    int rc = xp_rlp_to_json(buf, n, &js, &err);
    free(buf);
    if (rc)
        return xp_cli_fail(&err);
    printf("%s\n", js);
    free(js);
    return XP_EXIT_OK;
}

static int cmd_tx_decode(int argc, char **argv)
{
    xp_opt o[] = {{"chain-id", 0, 0}, {"fork", 0, 0}};
    const char *pos[2];
    int npos;
    if (xp_cli_parse("eth tx-decode", argc, argv, o, 2, pos, 2, &npos))
        return XP_EXIT_USAGE;
    if (npos != 1)
        return xp_cli_usage("eth tx-decode: give one RAWHEX argument");
    /* chain id 1 unless told, as go-ethereum's transaction tool (evm t9n) assumes; 0: any */
    uint64_t chain = 1;
    const char *c = xp_cli_get(o, 2, "chain-id"), *f = xp_cli_get(o, 2, "fork");
    if (c) {
        char *end;
        chain = strtoull(c, &end, 10);
        if (!*c || *end)
            return xp_cli_usage("eth tx-decode: --chain-id must be an integer (0: any)");
    }
    int fork = f ? xp_fork_parse(f) : XP_FORK_CANCUN;
    if (fork < 0)
        return xp_cli_usage("eth tx-decode: --fork must be cancun, prague, osaka or latest");
    uint8_t *buf = NULL;
    size_t n;
    xp_error err = {0};
    if (xp_eth_cli_unhex(pos[0], &buf, &n, &err))
        return xp_cli_fail(&err);
    xp_tx tx;
    uint8_t sender[20], hash[32];
    int rc = xp_tx_parse_raw(buf, n, chain, fork, &tx, sender, hash, &err);
    free(buf);
    if (rc) {
        xp_error_prefix(&err, rc, "invalid transaction");
        return xp_cli_fail(&err);
    }
    char *js = xp_tx_to_json(&tx, sender, hash);
    xp_tx_clear(&tx);
    if (!js) {
        xp_error_set(&err, XP_ENOMEM, "out of memory");
        return xp_cli_fail(&err);
    }
    printf("%s\n", js);
    free(js);
    return XP_EXIT_OK;
}

int xp_cmd_eth(int argc, char **argv)
{
    if (argc < 1)
        return xp_cli_subcommand_usage("eth", NULL);
    const char *sub = argv[0];
    argc--;
    argv++;
    if (!strcmp(sub, "keccak"))
        return cmd_keccak(argc, argv);
    if (!strcmp(sub, "rlp-decode"))
        return cmd_rlp_decode(argc, argv);
    if (!strcmp(sub, "tx-decode"))
        return cmd_tx_decode(argc, argv);
    if (!strcmp(sub, "abi-encode"))
        return xp_cmd_eth_abi_encode(argc, argv);
    if (!strcmp(sub, "send"))
        return xp_cmd_eth_send(argc, argv);
    if (!strcmp(sub, "logs"))
        return xp_cmd_eth_logs(argc, argv);
    if (!strcmp(sub, "balance"))
        return xp_cmd_eth_balance(argc, argv);
    return xp_cli_subcommand_usage("eth", sub);
}
