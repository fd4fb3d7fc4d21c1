/* xtalproof version | keccak */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/opensslv.h>
#include <secp256k1.h>
#include <sodium.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/cuda.h"
#include "xtalproof/keccak.h"

int xp_cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return xp_cli_usage("version takes no arguments");
    xp_cuda_info ci;
    xp_cuda_query(&ci);
    printf("xtalproof %s\n", XP_VERSION);
    printf("libsodium %s, %s, jansson %s\n", sodium_version_string(), OPENSSL_VERSION_TEXT,
           JANSSON_VERSION);
    if (ci.compiled)
        printf("cuda: kernels built (runtime %d.%d); %s%s%s\n", ci.runtime_version / 1000,
               (ci.runtime_version % 1000) / 10, ci.status,
               ci.device_count ? ", device 0: " : "", ci.device_name);
    else
        printf("cuda: %s\n", ci.status);
    return XP_EXIT_OK;
}

static void print_digest(const uint8_t d[32], const char *label)
{
    char hex[67];
    xp_hex_encode(d, 32, hex, 1);
    if (label)
        printf("%s  %s\n", hex, label);
    else
        printf("%s\n", hex);
}

int xp_cmd_keccak(int argc, char **argv)
{
    xp_opt o[] = {{"text", 0, 0}, {"hex", 0, 0}};
    const char *pos[256];
    int npos;
    if (xp_cli_parse("keccak", argc, argv, o, 2, pos, 256, &npos))
        return XP_EXIT_USAGE;
    const char *text = xp_cli_get(o, 2, "text"), *hex = xp_cli_get(o, 2, "hex");
    if ((text != NULL) + (hex != NULL) + (npos > 0) != 1)
        return xp_cli_usage("keccak: give exactly one of --text S, --hex H or files");
    uint8_t d[32];
    xp_error err = {0};
    if (text) {
        xp_keccak256(text, strlen(text), d);
        print_digest(d, NULL);
        return XP_EXIT_OK;
    }
    if (hex) {
        size_t cap = strlen(hex) / 2 + 1, n = 0;
        uint8_t *buf = malloc(cap);
        if (!buf || xp_hex_decode(hex, strlen(hex), buf, cap, &n, &err)) {
            free(buf);
            if (!err.msg[0])
                xp_error_set(&err, XP_ENOMEM, "out of memory");
            return xp_cli_fail(&err);
        }
        xp_keccak256(buf, n, d);
        free(buf);
        print_digest(d, NULL);
        return XP_EXIT_OK;
    }
    int status = XP_EXIT_OK;
    for (int i = 0; i < npos; i++) {
        if (xp_keccak256_file(pos[i], d, &err)) {
            status = xp_cli_fail(&err);
            continue;
        }
        print_digest(d, pos[i]);
    }
    return status;
}
