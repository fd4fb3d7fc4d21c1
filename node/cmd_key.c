/* xtalproof key new | address | import */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keys.h"
#include "xtalproof/keystore.h"

static int print_address(const uint8_t priv[32])
{
    uint8_t addr[XP_ADDRESS_LEN];
    xp_error err = {0};
    if (xp_privkey_to_address(priv, addr, &err))
        return xp_cli_fail(&err);
    char text[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(addr, text);
    printf("%s\n", text);
    return XP_EXIT_OK;
}

static int save_and_print(const char *keystore, const char *pwfile, int light, uint8_t priv[32])
{
    xp_error err = {0};
    char *pw = NULL;
    int rc = xp_cli_password(pwfile, 1, &pw, &err);
    if (!rc && !pw[0])
        fprintf(stderr, "xtalproof: warning: the password is empty: anyone who can read %s can "
                        "use its key\n", keystore);
    if (!rc)
        rc = xp_keystore_save(keystore, priv, pw,
                              light ? XP_KDF_COST_LIGHT : XP_KDF_COST_STANDARD, &err);
    xp_cli_password_free(pw);
    if (rc) {
        xp_wipe(priv, 32);
        return xp_cli_fail(&err);
    }
    rc = print_address(priv);
    xp_wipe(priv, 32);
    return rc;
}

static int key_new(int argc, char **argv)
{
    xp_opt o[] = {{"keystore", 0, 0}, {"password-file", 0, 0}, {"light-kdf", 1, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("key new", argc, argv, o, 3, pos, 0, &npos))
        return XP_EXIT_USAGE;
    const char *ks = xp_cli_get(o, 3, "keystore");
    if (!ks)
        return xp_cli_usage("key new: --keystore FILE is required");
    uint8_t priv[32];
    xp_error err = {0};
    if (xp_privkey_generate(priv, &err))
        return xp_cli_fail(&err);
    return save_and_print(ks, xp_cli_get(o, 3, "password-file"), !!xp_cli_get(o, 3, "light-kdf"),
                          priv);
}

static int key_address(int argc, char **argv)
{
    xp_opt o[] = {{"keystore", 0, 0}, {"password-file", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("key address", argc, argv, o, 2, pos, 0, &npos))
        return XP_EXIT_USAGE;
    const char *ks = xp_cli_get(o, 2, "keystore");
    if (!ks)
        return xp_cli_usage("key address: --keystore FILE is required");
    xp_error err = {0};
    char *pw = NULL;
    uint8_t priv[32];
    int rc = xp_cli_password(xp_cli_get(o, 2, "password-file"), 0, &pw, &err);
    if (!rc)
        rc = xp_keystore_load(ks, pw, priv, &err);
    xp_cli_password_free(pw);
    if (rc)
        return xp_cli_fail(&err);
    rc = print_address(priv);
    xp_wipe(priv, sizeof priv);
    return rc;
}

static int key_import(int argc, char **argv)
{
    xp_opt o[] = {{"private-key-file", 0, 0},
                  {"keystore", 0, 0},
                  {"password-file", 0, 0},
                  {"light-kdf", 1, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("key import", argc, argv, o, 4, pos, 0, &npos))
        return XP_EXIT_USAGE;
    const char *kf = xp_cli_get(o, 4, "private-key-file"), *ks = xp_cli_get(o, 4, "keystore");
    if (!kf || !ks)
        return xp_cli_usage("key import: --private-key-file F and --keystore FILE are required");
    xp_error err = {0};
    char *text;
    size_t len;
    if (xp_file_read(kf, 4096, &text, &len, &err))
        return xp_cli_fail(&err);
    /* the key is 64 hex digits, optionally 0x-prefixed, with surrounding white space */
    char *s = text, *e = text + len;
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    *e = '\0';
    uint8_t priv[32];
    int rc = xp_hex_decode_exact(s, priv, 32, &err);
    xp_wipe(text, len);
    free(text);
    if (!rc)
        rc = xp_privkey_check(priv, &err);
    if (rc) {
        xp_error_prefix(&err, rc, "private key file %s", kf);
        return xp_cli_fail(&err);
    }
    return save_and_print(ks, xp_cli_get(o, 4, "password-file"), !!xp_cli_get(o, 4, "light-kdf"),
                          priv);
}

int xp_cmd_key(int argc, char **argv)
{
    if (argc < 1)
        return xp_cli_subcommand_usage("key", NULL);
    if (!strcmp(argv[0], "new"))
        return key_new(argc - 1, argv + 1);
    if (!strcmp(argv[0], "address"))
        return key_address(argc - 1, argv + 1);
    if (!strcmp(argv[0], "import"))
        return key_import(argc - 1, argv + 1);
    return xp_cli_subcommand_usage("key", argv[0]);
}
