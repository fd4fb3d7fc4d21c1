/* xtalproof deploy: the contracts from the committed artifacts, with the node's own
 * client; xtalproof devnet up|down|status|warp: a local anvil with them deployed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/keystore.h"
#include "xtalproof/store.h"

int xp_cli_u64(const char *cmd, const char *name, const char *text, uint64_t *v)
{
    char *end;
    if (!text)
        return 0;
    errno = 0;
    unsigned long long x = strtoull(text, &end, 10);
    if (!*text || *end || *text == '-' || errno)
        return xp_cli_usage("%s: --%s must be a non-negative integer", cmd, name);
    *v = x;
    return 0;
}

void xp_cli_print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(o);
}

void xp_cli_print_doc(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(o);
}

char *xp_cli_tree_dir(const char *env, const char *name, const char *probe)
{
    char exe[4096], cand[4][4200];
    int nc = 0;
    const char *e = env ? getenv(env) : NULL;
    if (e && *e)
        snprintf(cand[nc++], sizeof cand[0], "%s", e);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *s = strrchr(exe, '/');
        if (s) {
            *s = 0;
            snprintf(cand[nc++], sizeof cand[0], "%s/../../%s", exe, name);
            /* installed: PREFIX/bin/xtalproof and PREFIX/share/xtalproof/NAME */
            snprintf(cand[nc++], sizeof cand[0], "%s/../share/xtalproof/%s", exe, name);
        }
    }
    snprintf(cand[nc++], sizeof cand[0], "%s", name);
    for (int i = 0; i < nc; i++) {
        char p[8600];
        snprintf(p, sizeof p, "%.4200s/%.4200s", cand[i], probe);
        if (access(p, R_OK) == 0)
            return strdup(cand[i]);
    }
    return NULL;
}

int xp_cli_chain_open(xp_chain *c, const xp_opt *o, int no, const char *keystore, xp_error *err)
{
    uint8_t priv[32];
    if (keystore) {
        char *pw = NULL;
        int rc = xp_cli_password(xp_cli_get(o, no, "password-file"), 0, &pw, err);
        if (!rc)
            rc = xp_keystore_load(keystore, pw, priv, err);
        xp_cli_password_free(pw);
        if (rc)
            return rc;
    }
    int rc = xp_chain_open(c, xp_cli_get(o, no, "deployment"), xp_cli_get(o, no, "rpc"),
                           keystore ? priv : NULL, err);
    xp_wipe(priv, sizeof priv);
    return rc;
}

/* ---- deploy ----------------------------------------------------------------------------- */

static int load_artifact(const char *dir, const char *name, uint8_t **code, size_t *n,
                         uint8_t hash[32], xp_error *err)
{
    char p[4400], *text;
    size_t len;
    snprintf(p, sizeof p, "%s/bin/%s.bin", dir, name);
    int rc = xp_file_read(p, 1 << 20, &text, &len, err);
    if (rc)
        return rc;
    xp_keccak256(text, len, hash);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        text[--len] = 0;
    *code = malloc(len / 2 + 1);
    rc = *code ? xp_hex_decode(text, len, *code, len / 2 + 1, n, err)
               : xp_error_set(err, XP_ENOMEM, "out of memory");
    free(text);
    if (rc) {
        free(*code);
        *code = NULL;
        xp_error_prefix(err, rc, "%s", p);
    }
    return rc;
}

/* creation code ‖ abi.encode(args of the constructor types) */
static int deploy_one(xp_chain *c, const char *dir, int which, const char *ctor, json_t *args,
                      xp_error *err)
{
    uint8_t *code = NULL, *enc = NULL;
    size_t cn = 0, en = 0;
    int rc = load_artifact(dir, xp_contract_names[which], &code, &cn, c->d.artifact[which], err);
    xp_abi_params p = {0};
    if (!rc && ctor) {
        rc = xp_abi_params_parse(ctor, &p, err);
        if (!rc)
            rc = xp_abi_encode(p.types, p.n, args, &enc, &en, err);
        xp_abi_params_free(&p);
    }
    uint8_t *init = rc ? NULL : malloc(cn + en + 1);
    if (!rc && !init)
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!rc) {
        memcpy(init, code, cn);
        if (en)
            memcpy(init + cn, enc, en);
        uint8_t h[32];
        char idem[80];
        xp_keccak256(init, cn + en, h);
        snprintf(idem, sizeof idem, "deploy:");
        xp_hex_encode(h, 32, idem + 7, 1);
        xp_chain_tx tx;
        rc = xp_chain_send_data(c, NULL, init, cn + en, NULL, idem, &tx, err);
        const char *ca =
            rc ? NULL : json_string_value(json_object_get(tx.receipt, "contractAddress"));
        if (!rc && (!ca || xp_address_parse(ca, c->d.address[which], err)))
            rc = xp_error_set(err, XP_EIO, "the receipt names no contract address");
        if (!rc) {
            if (tx.sent.block > c->d.block)
                c->d.block = tx.sent.block;
            char a[XP_ADDRESS_HEX_LEN];
            xp_address_to_checksum(c->d.address[which], a);
            fprintf(stderr, "deploy: %-18s %s  gas %llu%s\n", xp_contract_names[which], a,
                    (unsigned long long)tx.gas_used, tx.sent.reused ? "  (already deployed)" : "");
        }
        xp_chain_tx_clear(&tx);
    }
    if (rc)
        xp_error_prefix(err, rc, "deploying %s", xp_contract_names[which]);
    free(init);
    free(code);
    free(enc);
    json_decref(args);
    return rc;
}

/* Disputes is created by Rounds' constructor: its address from rounds.disputes(), its artifact
 * hash from contracts/bin/Disputes.bin. */
static int find_disputes(xp_chain *c, const char *dir, xp_error *err)
{
    uint8_t *code = NULL;
    size_t cn = 0;
    int rc = load_artifact(dir, "Disputes", &code, &cn, c->d.artifact[XP_C_DISPUTES], err);
    free(code);
    json_t *out = NULL, *none = json_array();
    if (!rc)
        rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], "disputes()", none, "(address)", &out,
                           err);
    json_decref(none);
    const char *a = json_string_value(json_array_get(out, 0));
    if (!rc && (!a || xp_address_parse(a, c->d.address[XP_C_DISPUTES], err)))
        rc = xp_error_set(err, XP_EIO, "Rounds.disputes() gave no address");
    if (!rc)
        fprintf(stderr, "deploy: %-18s %s  (created by Rounds)\n", "Disputes", a);
    json_decref(out);
    return rc ? xp_error_prefix(err, rc, "reading the Disputes address") : XP_OK;
}

int xp_cmd_deploy(int argc, char **argv)
{
    xp_opt o[] = {{"rpc", 0, 0},       {"keystore", 0, 0},  {"password-file", 0, 0},
                  {"committee", 0, 0}, {"threshold", 0, 0}, {"out", 0, 0},
                  {"artifacts", 0, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[1];
    int npos;
    const char *cmd = "deploy";
    if (xp_cli_parse(cmd, argc, argv, o, no, pos, 0, &npos))
        return XP_EXIT_USAGE;
    const char *url = xp_cli_get(o, no, "rpc"), *ks = xp_cli_get(o, no, "keystore");
    const char *committee = xp_cli_get(o, no, "committee");
    if (!url || !ks)
        return xp_cli_usage("deploy: give --rpc URL and --keystore F [--password-file P] "
                            "[--committee ADDR,... --threshold K] [--out FILE]");
    uint64_t k = 1;
    if (xp_cli_u64(cmd, "threshold", xp_cli_get(o, no, "threshold"), &k))
        return XP_EXIT_USAGE;
    xp_error err = {0};
    char *dir = xp_cli_tree_dir("XTALPROOF_CONTRACTS", "contracts", "bin/Rounds.bin");
    if (xp_cli_get(o, no, "artifacts")) {
        free(dir);
        dir = strdup(xp_cli_get(o, no, "artifacts"));
    }
    if (!dir) {
        xp_error_set(&err, XP_ENOTFOUND, "no contracts/bin/*.bin found: give --artifacts DIR");
        return xp_cli_fail(&err);
    }
    /* the chain, its genesis, the deployer */
    uint8_t priv[32];
    char *pw = NULL, *out = NULL;
    xp_chain c;
    memset(&c, 0, sizeof c);
    c.state_lock = -1;
    int rc = xp_cli_password(xp_cli_get(o, no, "password-file"), 0, &pw, &err);
    if (!rc)
        rc = xp_keystore_load(ks, pw, priv, &err);
    xp_cli_password_free(pw);
    if (!rc)
        rc = xp_privkey_to_address(priv, c.d.deployer, &err);
    xp_rpc_opts ro = {.url = url, .errors = xp_chain_errors, .nerrors = xp_chain_nerrors};
    json_t *b0 = NULL;
    if (!rc)
        rc = xp_rpc_new(&ro, &c.rpc, &err);
    if (!rc)
        rc = xp_eth_chain_id(c.rpc, &c.d.chain_id, &err);
    if (!rc)
        rc = xp_eth_get_block(c.rpc, "0x0", 0, &b0, &err);
    if (!rc) {
        const char *gh = json_string_value(json_object_get(b0, "hash"));
        rc = gh ? xp_hex_decode_exact(gh, c.d.genesis, 32, &err)
                : xp_error_set(&err, XP_EIO, "block 0 has no hash");
    }
    json_decref(b0);
    snprintf(c.d.rpc, sizeof c.d.rpc, "%s", url);
    if (!rc) {
        out = xp_cli_get(o, no, "out") ? strdup(xp_cli_get(o, no, "out"))
                                       : xp_deployment_default_path(c.d.chain_id, &err);
        if (!out)
            rc = err.code ? err.code : XP_ENOMEM;
    }
    char *jp = rc ? NULL : xp_chain_journal_path(out, c.d.chain_id, c.d.genesis);
    xp_sender_opts so = {.confirmations = 1, .poll_ms = 100, .timeout_ms = 120000};
    if (!rc) {
        char home[4096];
        if (!xp_home_dir(home, sizeof home, NULL))
            mkdir(home, 0700);
        rc = xp_journal_open(jp, &c.journal, &err);
    }
    if (!rc)
        rc = xp_sender_new(c.rpc, c.journal, priv, &so, &c.sender, &err);
    unsigned resumed;
    if (!rc)
        rc = xp_sender_resume(c.sender, &resumed, &err);
    xp_wipe(priv, sizeof priv);
    free(jp);
    /* the committee: the given members, else the deployer alone */
    json_t *members = json_array();
    char a[XP_ADDRESS_HEX_LEN];
    if (!rc && committee) {
        char *copy = strdup(committee), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
            uint8_t m[20];
            if (!(rc = xp_address_parse(t, m, &err))) {
                xp_address_to_checksum(m, a);
                json_array_append_new(members, json_string(a));
            }
        }
        free(copy);
    } else if (!rc) {
        xp_address_to_checksum(c.d.deployer, a);
        json_array_append_new(members, json_string(a));
    }
    char kk[24];
    snprintf(kk, sizeof kk, "%llu", (unsigned long long)k);
    char pa[XP_ADDRESS_HEX_LEN], ma[XP_ADDRESS_HEX_LEN];
    if (!rc)
        rc = deploy_one(&c, dir, XP_C_PROVENANCE, NULL, NULL, &err);
    if (!rc) {
        xp_address_to_checksum(c.d.address[XP_C_PROVENANCE], pa);
        rc = deploy_one(&c, dir, XP_C_MODELS, "(address)", json_pack("[s]", pa), &err);
    }
    if (!rc) {
        xp_address_to_checksum(c.d.deployer, a);
        rc = deploy_one(&c, dir, XP_C_COMMITTEE, "(address,address[],uint256)",
                        json_pack("[s, O, s]", a, members, kk), &err);
    }
    if (!rc)
        rc = deploy_one(&c, dir, XP_C_VERIFIER, NULL, NULL, &err);
    if (!rc) {
        char va[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(c.d.address[XP_C_MODELS], ma);
        xp_address_to_checksum(c.d.address[XP_C_VERIFIER], va);
        rc = deploy_one(&c, dir, XP_C_ROUNDS, "(address,address)", json_pack("[ss]", ma, va),
                        &err);
    }
    if (!rc)
        rc = find_disputes(&c, dir, &err);
    json_decref(members);
    xp_deployment was; /* the optional keys a file there had ("l2", "logsRange") are kept */
    if (!rc && xp_deployment_load(out, &was, NULL) == 0 && was.chain_id == c.d.chain_id) {
        c.d.l2_op_stack = was.l2_op_stack;
        c.d.logs_range = was.logs_range;
    }
    if (!rc)
        rc = xp_deployment_save(out, &c.d, &err);
    if (!rc) {
        char *js = xp_deployment_json(&c.d);
        if (js)
            fputs(js, stdout);
        free(js);
        fprintf(stderr, "deploy: wrote %s\n", out);
    }
    free(out);
    free(dir);
    xp_chain_close(&c);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}

/* ---- devnet ----------------------------------------------------------------------------- */

static int run_script(const char *testnet, const char *script, const char *anvil_dir,
                      const char *port)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", testnet, script);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setenv("ANVIL_DIR", anvil_dir, 1);
        setenv("ANVIL_STATE", "none", 1);
        setenv("ANVIL_PORT", port, 1);
        setenv("ANVIL_CHAIN_ID", "31337", 1);
        execl("/bin/bash", "bash", path, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* anvil prints its dev accounts' private keys at start: "(i) 0x<64 hex>" after "Private Keys" */
static int anvil_keys(const char *log, uint8_t keys[][32], int want, xp_error *err)
{
    char *text;
    size_t len;
    int rc = xp_file_read(log, 1 << 20, &text, &len, err);
    if (rc)
        return rc;
    char *p = strstr(text, "Private Keys");
    int n = 0;
    while (p && n < want) {
        char tag[16];
        snprintf(tag, sizeof tag, "(%d) 0x", n);
        p = strstr(p, tag);
        if (!p)
            break;
        const char *q = p + strlen(tag) - 2;
        char h[67];
        if (strlen(q) < 66)
            break;
        memcpy(h, q, 66);
        h[66] = 0;
        if (xp_hex_decode_exact(h, keys[n], 32, NULL))
            break;
        n++;
        p += strlen(tag);
    }
    free(text);
    if (n < want)
        return xp_error_set(err, XP_EIO, "%s lists %d dev keys, not %d", log, n, want);
    return 0;
}

#define DEVNET_KEYS 8

int xp_cmd_devnet(int argc, char **argv)
{
    if (argc < 1)
        return xp_cli_usage("devnet: expected up, down, status or warp SECONDS");
    const char *sub = argv[0];
    xp_opt o[] = {{"port", 0, 0}};
    const char *pos[2];
    int npos;
    if (xp_cli_parse("devnet", argc - 1, argv + 1, o, 1, pos, 2, &npos))
        return XP_EXIT_USAGE;
    xp_error err = {0};
    char home[4096], dir[4200], adir[4300], portfile[4300], port[16] = "8545";
    if (xp_home_dir(home, sizeof home, &err))
        return xp_cli_fail(&err);
    snprintf(dir, sizeof dir, "%s/devnet", home);
    snprintf(adir, sizeof adir, "%s/anvil", dir);
    snprintf(portfile, sizeof portfile, "%s/port", dir);
    char *pt = NULL;
    size_t pl;
    if (xp_cli_get(o, 1, "port"))
        snprintf(port, sizeof port, "%s", xp_cli_get(o, 1, "port"));
    else if (!xp_file_read(portfile, 64, &pt, &pl, NULL)) {
        pt[strcspn(pt, "\n")] = 0;
        snprintf(port, sizeof port, "%s", pt);
    }
    free(pt);
    char *testnet = xp_cli_tree_dir("XTALPROOF_TESTNET", "testnet", "anvil-up");
    if (!testnet && strcmp(sub, "warp")) {
        xp_error_set(&err, XP_ENOTFOUND, "no testnet/anvil-up found: set XTALPROOF_TESTNET");
        return xp_cli_fail(&err);
    }
    int rc = XP_EXIT_OK;
    if (!strcmp(sub, "up")) {
        mkdir(home, 0700);
        mkdir(dir, 0700);
        if (run_script(testnet, "anvil-up", adir, port) != 0) {
            free(testnet);
            xp_error_set(&err, XP_EIO, "anvil did not start (see %s/anvil.log)", adir);
            return xp_cli_fail(&err);
        }
        xp_file_replace(portfile, port, strlen(port), 0644, NULL);
        char log[4400], kdir[4300], pwf[4300], ks[4400];
        snprintf(log, sizeof log, "%s/anvil.log", adir);
        snprintf(kdir, sizeof kdir, "%s/keys", dir);
        snprintf(pwf, sizeof pwf, "%s/password", dir);
        mkdir(kdir, 0700);
        uint8_t keys[DEVNET_KEYS][32];
        int r = anvil_keys(log, keys, DEVNET_KEYS, &err);
        if (!r)
            r = xp_file_replace(pwf, "devnet\n", 7, 0600, &err);
        char members[3 * XP_ADDRESS_HEX_LEN + 4] = "";
        for (int i = 0; i < DEVNET_KEYS && !r; i++) {
            snprintf(ks, sizeof ks, "%s/account%d.json", kdir, i);
            unlink(ks);
            r = xp_keystore_save(ks, keys[i], "devnet", XP_KDF_COST_LIGHT, &err);
            if (!r && i >= 2 && i <= 4) {
                uint8_t a[20];
                char h[XP_ADDRESS_HEX_LEN];
                xp_privkey_to_address(keys[i], a, NULL);
                xp_address_to_checksum(a, h);
                if (i > 2)
                    strcat(members, ",");
                strcat(members, h);
            }
        }
        xp_wipe(keys, sizeof keys);
        free(testnet);
        if (r)
            return xp_cli_fail(&err);
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%s", port);
        snprintf(ks, sizeof ks, "%s/account0.json", kdir);
        char *dargv[] = {"--rpc",       url,     "--keystore",  ks, "--password-file", pwf,
                         "--committee", members, "--threshold", "2"};
        fprintf(stderr,
                "devnet: anvil on %s; dev keys in %s (password in %s): account0 deploys, "
                "accounts 2-4 are the 2-of-3 oracle committee\n",
                url, kdir, pwf);
        return xp_cmd_deploy(10, dargv);
    }
    if (!strcmp(sub, "down") || !strcmp(sub, "status")) {
        int r =
            run_script(testnet, !strcmp(sub, "down") ? "anvil-down" : "anvil-status", adir, port);
        if (!strcmp(sub, "down")) {
            char *dp = xp_deployment_default_path(31337, NULL);
            if (dp) {
                xp_deployment d;
                if (!xp_deployment_load(dp, &d, NULL)) {
                    char *jp = xp_chain_journal_path(dp, d.chain_id, d.genesis), st[4400];
                    if (jp) {
                        unlink(jp);
                        snprintf(st, sizeof st, "%s-lock", jp);
                        unlink(st);
                    }
                    free(jp);
                    snprintf(st, sizeof st, "%.*s.state.json", (int)strlen(dp) - 5, dp);
                    unlink(st);
                    unlink(dp);
                }
            }
            free(dp);
        }
        rc = r == 0 ? XP_EXIT_OK : XP_EXIT_FAIL;
    } else if (!strcmp(sub, "warp")) {
        /* anvil only: moves the clock forward and mines a block */
        uint64_t secs = 0;
        if (npos != 1 || xp_cli_u64("devnet warp", "SECONDS", pos[0], &secs))
            rc = xp_cli_usage("devnet warp: give SECONDS");
        else {
            xp_chain c;
            json_t *res = NULL;
            int r = xp_chain_open(&c, NULL, NULL, NULL, &err), opened = r == 0;
            if (!r)
                r = xp_rpc_call(c.rpc, "evm_increaseTime", json_pack("[I]", (json_int_t)secs), &res,
                                &err);
            json_decref(res);
            res = NULL;
            if (!r)
                r = xp_rpc_call(c.rpc, "evm_mine", json_array(), &res, &err);
            json_decref(res);
            if (opened)
                xp_chain_close(&c);
            rc = r ? xp_cli_fail(&err) : XP_EXIT_OK;
            if (!r)
                printf("warped %llu s\n", (unsigned long long)secs);
        }
    } else {
        rc = xp_cli_usage("devnet: unknown subcommand \"%s\" (up, down, status, warp)", sub);
    }
    free(testnet);
    return rc;
}
