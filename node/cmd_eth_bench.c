/* xtalproof bench tx: signing and encoding speed of EIP-1559 transactions on one core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "xtalproof/tx.h"

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
    double t0 = xp_clock_seconds(CLOCK_MONOTONIC);
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
    double dt = xp_clock_seconds(CLOCK_MONOTONIC) - t0;
    xp_tx_clear(&tx);
    printf("{\"bench\":\"tx\",\"type\":2,\"count\":%ld,\"seconds\":%.3f,\"tx_per_s\":%.0f,"
           "\"bytes_per_tx\":%.1f}\n",
           count, dt, count / dt, (double)bytes / count);
    return XP_EXIT_OK;
}

/* ---- bench chain ----------------------------------------------------------------------- */

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xtalproof/bytes.h"
#include "xtalproof/eth_send.h"
#include "xtalproof/keys.h"
#include "xtalproof/keystore.h"
#include "xtalproof/rpc.h"

extern char **environ;

/* anvil's first development key: only meaningful on a local development chain */
static const char ANVIL_KEY[] = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

static pid_t start_anvil(const char *bin, int port, xp_error *err)
{
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    char *args[] = {(char *)bin, "--host", "127.0.0.1", "--port", ps, "--chain-id", "31337",
                    "--silent", NULL};
    pid_t pid;
    if (posix_spawnp(&pid, bin, NULL, NULL, args, environ)) {
        xp_error_set(err, XP_EIO, "cannot start %s (give --anvil PATH or --rpc URL)", bin);
        return -1;
    }
    return pid;
}

static int sign_batch(const uint8_t key[32], uint64_t chain, uint64_t nonce0, long n,
                      const xp_u256 *fee, const xp_u256 *tip, xp_rlp_buf *raws, xp_error *err)
{
    xp_tx tx = {0};
    tx.type = XP_TX_1559;
    tx.chain_id = chain;
    tx.gas_limit = 21000;
    tx.has_to = 1;
    memset(tx.to, 0x42, 20);
    tx.max_fee = *fee;
    tx.max_priority = *tip;
    for (long i = 0; i < n; i++) {
        tx.nonce = nonce0 + (uint64_t)i;
        xp_u256_from_u64(&tx.value, (uint64_t)i + 1);
        xp_rlp_buf_init(&raws[i]);
        int rc = xp_tx_sign(&tx, key, err);
        if (!rc)
            rc = xp_tx_encode(&tx, &raws[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

static int send_all(xp_rpc *rpc, xp_rlp_buf *raws, long n, xp_error *err)
{
    uint8_t h[32];
    for (long i = 0; i < n; i++) {
        int rc = xp_eth_send_raw(rpc, raws[i].p, raws[i].len, h, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* waits until the sender's mined nonce reaches target */
static int wait_nonce(xp_rpc *rpc, const uint8_t from[20], uint64_t target, xp_error *err)
{
    for (int i = 0; i < 60000; i++) {
        uint64_t n;
        int rc = xp_eth_get_transaction_count(rpc, from, "latest", &n, err);
        if (rc)
            return rc;
        if (n >= target)
            return 0;
        struct timespec ts = {0, 2000000L};
        nanosleep(&ts, NULL);
    }
    return xp_error_set(err, XP_EIO, "transactions not mined in time");
}

/* n transfers through the journalled sender (each journalled and synced before its broadcast), in
 * a journal of its own in a temporary folder; *seconds gets their wall time. */
static int journalled_sends(xp_rpc *rpc, const uint8_t key[32], long n, double *seconds,
                            xp_error *err)
{
    char tmpl[] = "/tmp/xtalproof-bench-XXXXXX", *jpath = NULL;
    char *dir = mkdtemp(tmpl);
    xp_journal *j = NULL;
    xp_sender *s = NULL;
    int rc = XP_OK;
    if (!dir) {
        rc = xp_error_set(err, XP_EIO, "cannot create a temporary folder");
    } else {
        size_t len = strlen(dir) + 32;
        if (!(jpath = malloc(len)))
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        else {
            snprintf(jpath, len, "%s/eth-journal.mdb", dir);
            rc = xp_journal_open(jpath, &j, err);
        }
    }
    if (!rc)
        rc = xp_sender_new(rpc, j, key, NULL, &s, err);
    double t0 = xp_clock_seconds(CLOCK_MONOTONIC);
    for (long i = 0; !rc && i < n; i++) {
        xp_send_req req;
        memset(&req, 0, sizeof req);
        req.has_to = 1;
        memset(req.to, 0x43, 20);
        req.gas_limit = 21000;
        xp_u256_from_u64(&req.value, 1);
        xp_sent sent;
        rc = xp_sender_send(s, &req, &sent, err);
    }
    *seconds = xp_clock_seconds(CLOCK_MONOTONIC) - t0;
    xp_sender_free(s);
    xp_journal_close(j);
    if (jpath) {
        unlink(jpath);
        char lock[4200];
        snprintf(lock, sizeof lock, "%s-lock", jpath);
        unlink(lock);
        *strrchr(jpath, '/') = '\0';
        rmdir(jpath);
    }
    free(jpath);
    return rc;
}

int xp_cmd_bench_chain(int argc, char **argv)
{
    xp_opt o[] = {{"rpc", 0, 0},      {"count", 0, 0},    {"keystore", 0, 0},
                  {"password-file", 0, 0}, {"anvil", 0, 0}, {"journalled", 0, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[1];
    int npos;
    if (xp_cli_parse("bench chain", argc, argv, o, no, pos, 0, &npos))
        return XP_EXIT_USAGE;
    long count = 2000, njournal = 200;
    const char *c = xp_cli_get(o, no, "count"), *jc = xp_cli_get(o, no, "journalled");
    if (c && (count = strtol(c, NULL, 10)) <= 0)
        return xp_cli_usage("bench chain: --count must be a positive integer");
    if (jc && (njournal = strtol(jc, NULL, 10)) < 0)
        return xp_cli_usage("bench chain: --journalled must be a non-negative integer");
    const char *url = xp_cli_get(o, no, "rpc"), *ks = xp_cli_get(o, no, "keystore");
    xp_error err = {0};
    uint8_t key[32];
    if (ks) {
        char *pw = NULL;
        int rc = xp_cli_password(xp_cli_get(o, no, "password-file"), 0, &pw, &err);
        if (!rc)
            rc = xp_keystore_load(ks, pw, key, &err);
        xp_cli_password_free(pw);
        if (rc)
            return xp_cli_fail(&err);
    } else {
        xp_hex_decode_exact(ANVIL_KEY, key, 32, NULL);
    }
    pid_t anvil = -1;
    char own_url[64];
    if (!url) {
        const char *bin = xp_cli_get(o, no, "anvil");
        if (!bin)
            bin = access("testnet/node_modules/.bin/anvil", X_OK) == 0
                      ? "testnet/node_modules/.bin/anvil"
                      : "anvil";
        srand((unsigned)time(NULL) ^ (unsigned)getpid());
        int port = 20000 + rand() % 12000; /* below the ephemeral ports */
        if ((anvil = start_anvil(bin, port, &err)) < 0)
            return xp_cli_fail(&err);
        snprintf(own_url, sizeof own_url, "http://127.0.0.1:%d", port);
        url = own_url;
    }
    xp_rpc_opts ro = {.url = url, .retries = 3};
    xp_rpc *rpc = NULL;
    xp_rlp_buf *raws = calloc((size_t)count * 2, sizeof *raws);
    int rc = raws ? xp_rpc_new(&ro, &rpc, &err) : xp_error_set(&err, XP_ENOMEM, "out of memory");
    uint64_t chain = 0, nonce0 = 0;
    uint8_t from[20];
    xp_u256 fee, tip;
    for (int i = 0; !rc && i < 100; i++) { /* a freshly started anvil needs a moment */
        rc = xp_eth_chain_id(rpc, &chain, &err);
        if (rc && anvil > 0) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
            rc = i < 99 ? 0 : rc;
            continue;
        }
        break;
    }
    if (!rc)
        rc = xp_privkey_to_address(key, from, &err);
    if (!rc)
        rc = xp_eth_get_transaction_count(rpc, from, "pending", &nonce0, &err);
    if (!rc)
        rc = xp_eth_suggest_fees(rpc, &fee, &tip, &err);
    /* 1. build and sign on one core */
    double t0 = xp_clock_seconds(CLOCK_MONOTONIC);
    if (!rc)
        rc = sign_batch(key, chain, nonce0, count, &fee, &tip, raws, &err);
    double t_sign = xp_clock_seconds(CLOCK_MONOTONIC) - t0;
    for (long i = 0; i < count; i++)
        xp_rlp_buf_free(&raws[i]);
    /* 2. a plain replay of pre-signed raw transactions, before and after the client's run so
     * that a chain slowing down as it grows weighs on both alike */
    double t_pipe = 0, t_conf1 = 0, t_replay = 0, t_conf2 = 0, t_journal = 0;
    uint64_t next = nonce0;
    for (int round = 0; !rc && round < 3; round++) {
        if (round == 1) { /* 3. the client's pipeline: build, sign and send each in turn */
            xp_rlp_buf *r2 = raws + count;
            t0 = xp_clock_seconds(CLOCK_MONOTONIC);
            for (long i = 0; !rc && i < count; i++) {
                rc = sign_batch(key, chain, next + (uint64_t)i, 1, &fee, &tip, &r2[i], &err);
                if (!rc)
                    rc = send_all(rpc, &r2[i], 1, &err);
            }
            t_pipe = xp_clock_seconds(CLOCK_MONOTONIC) - t0;
            next += (uint64_t)count;
            if (!rc)
                rc = wait_nonce(rpc, from, next, &err);
            t_conf1 = xp_clock_seconds(CLOCK_MONOTONIC) - t0;
            for (long i = 0; i < count; i++)
                xp_rlp_buf_free(&r2[i]);
            continue;
        }
        rc = sign_batch(key, chain, next, count, &fee, &tip, raws, &err);
        t0 = xp_clock_seconds(CLOCK_MONOTONIC);
        if (!rc)
            rc = send_all(rpc, raws, count, &err);
        t_replay += (xp_clock_seconds(CLOCK_MONOTONIC) - t0) / 2;
        next += (uint64_t)count;
        if (!rc)
            rc = wait_nonce(rpc, from, next, &err);
        t_conf2 += (xp_clock_seconds(CLOCK_MONOTONIC) - t0) / 2;
        for (long i = 0; i < count; i++)
            xp_rlp_buf_free(&raws[i]);
    }
    /* 4. the journalled sender (LMDB write synced before each broadcast), no waiting */
    if (!rc && njournal > 0)
        rc = journalled_sends(rpc, key, njournal, &t_journal, &err);
    for (long i = 0; i < 2 * count; i++)
        xp_rlp_buf_free(&raws[i]);
    free(raws);
    unsigned long reqs = 0, retries = 0;
    if (rpc)
        xp_rpc_stats(rpc, &reqs, &retries);
    xp_rpc_free(rpc);
    xp_wipe(key, sizeof key);
    if (anvil > 0) {
        kill(anvil, SIGTERM);
        waitpid(anvil, NULL, 0);
    }
    if (rc)
        return xp_cli_fail(&err);
    printf("{\"bench\":\"chain\",\"url\":\"%s\",\"own_anvil\":%s,\"count\":%ld,"
           "\"signed_per_s\":%.0f,\"client_sent_per_s\":%.0f,\"client_confirmed_per_s\":%.0f,"
           "\"replay_sent_per_s\":%.0f,\"replay_confirmed_per_s\":%.0f,"
           "\"client_vs_replay\":%.3f,\"journalled\":%ld,\"journalled_sent_per_s\":%.0f,"
           "\"rpc_requests\":%lu,\"rpc_retries\":%lu}\n",
           anvil > 0 ? "(own anvil)" : url, anvil > 0 ? "true" : "false", count, count / t_sign,
           count / t_pipe, count / t_conf1, count / t_replay, count / t_conf2, t_conf2 / t_conf1,
           njournal, njournal ? njournal / t_journal : 0.0, reqs, retries);
    return XP_EXIT_OK;
}
