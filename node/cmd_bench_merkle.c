/* xtalproof bench merkle: the store's log at scale, as one JSON object. Records are synthetic
 * (no structure hashing); each batch is one append transaction followed by a version cut. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "xtalproof/keccak.h"
#include "xtalproof/store.h"

#define KEPT 10000 /* proofs kept for the verification loop */

/* Verification on several threads: each checks the kept proofs in turn. */
typedef struct vjob {
    const uint8_t (*leaf)[32];
    const uint64_t *idx;
    const xp_merkle_proof *proof;
    const uint8_t *root;
    size_t nkept;
    uint64_t n, from, count;
    int failed;
    int batch; /* 1: xp_merkle_verify_inclusion_batch over runs of up to 256 kept proofs */
} vjob;

static void *verify_run(void *arg)
{
    vjob *j = arg;
    if (j->batch) {
        int ok[256];
        for (uint64_t i = j->from; i < j->from + j->count;) {
            size_t k = i % j->nkept, m = j->nkept - k;
            if (m > 256)
                m = 256;
            if (m > j->from + j->count - i)
                m = (size_t)(j->from + j->count - i);
            xp_merkle_verify_inclusion_batch(j->root, j->n, m, j->leaf + k, j->idx + k,
                                             j->proof + k, ok);
            for (size_t t = 0; t < m; t++)
                if (!ok[t])
                    j->failed = 1;
            i += m;
        }
        return NULL;
    }
    for (uint64_t i = j->from; i < j->from + j->count; i++) {
        size_t k = i % j->nkept;
        if (xp_merkle_verify_inclusion(j->leaf[k], j->idx[k], j->n, &j->proof[k], j->root, NULL))
            j->failed = 1;
    }
    return NULL;
}

static uint64_t rng(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static int parse_count(const char *text, uint64_t def, uint64_t *out)
{
    if (!text) {
        *out = def;
        return 0;
    }
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || text[0] == '-' || v == 0 || v > 100000000ull)
        return -1;
    *out = v;
    return 0;
}

static void synth(xp_record *r, uint64_t i)
{
    uint8_t b[9];
    memset(r, 0, sizeof *r);
    r->version = XP_RECORD_VERSION;
    memcpy(b, &i, 8);
    b[8] = 's';
    xp_keccak256(b, 9, r->symhash);
    memcpy(r->protohash, r->symhash + 16, 16); /* 16 distinct bytes: enough spread */
    memcpy(r->content_sha256, r->symhash, 32);
    r->content_sha256[0] ^= 0xff;
    memset(r->contributor, 0x5a, XP_ADDRESS_LEN);
    r->timestamp = 1767225600u;
}

/* The kept proofs verified nverify times: on one thread one by one, on one thread four at a time
 * (xp_merkle_verify_inclusion_batch), then four at a time on `threads` threads; wall and
 * processor seconds of each. */
static int verify_phases(xp_store *s, const xp_dataset *d, const xp_merkle_proof *kept,
                         const uint64_t *kept_idx, size_t nkept, uint64_t n, const uint8_t root[32],
                         uint64_t nverify, uint64_t threads, double *t_verify1, double *c_verify1,
                         double *t_batch1, double *c_batch1, double *t_verify, xp_error *err)
{
    uint8_t(*leaf)[32] = malloc(nkept * 32);
    if (!leaf)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < nkept; i++)
        if (xp_store_leaf_hash(s, d->id, kept_idx[i], leaf[i], err)) {
            free(leaf);
            return XP_EIO;
        }
    vjob one = {(const uint8_t(*)[32])leaf, kept_idx, kept, root, nkept, n, 0, nverify, 0, 0};
    double a = xp_clock_seconds(CLOCK_MONOTONIC), ca = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    verify_run(&one);
    *t_verify1 = xp_clock_seconds(CLOCK_MONOTONIC) - a;
    *c_verify1 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - ca;
    one.batch = 1;
    a = xp_clock_seconds(CLOCK_MONOTONIC);
    ca = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    verify_run(&one);
    *t_batch1 = xp_clock_seconds(CLOCK_MONOTONIC) - a;
    *c_batch1 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - ca;
    vjob jobs[256];
    pthread_t tid[256];
    a = xp_clock_seconds(CLOCK_MONOTONIC);
    for (uint64_t i = 0; i < threads; i++) {
        jobs[i] = one;
        jobs[i].from = i * (nverify / threads);
        jobs[i].count = nverify / threads;
        if (pthread_create(&tid[i], NULL, verify_run, &jobs[i]))
            jobs[i].count = 0, tid[i] = 0;
    }
    for (uint64_t i = 0; i < threads; i++) {
        if (tid[i])
            pthread_join(tid[i], NULL);
        one.failed |= jobs[i].failed;
    }
    *t_verify = xp_clock_seconds(CLOCK_MONOTONIC) - a;
    free(leaf);
    return one.failed ? xp_error_set(err, XP_ECRYPTO, "a kept proof did not verify") : XP_OK;
}

int xp_cmd_bench_merkle(int argc, char **argv)
{
    xp_opt o[] = {
        {"leaves", 0, 0}, {"batch", 0, 0}, {"proofs", 0, 0}, {"home", 0, 0}, {"threads", 0, 0}};
    const char *pos[1];
    int npos;
    uint64_t n, batch, nproofs, threads;
    if (xp_cli_parse("bench merkle", argc, argv, o, 5, pos, 0, &npos))
        return XP_EXIT_USAGE;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (parse_count(xp_cli_get(o, 5, "leaves"), 1000000, &n) ||
        parse_count(xp_cli_get(o, 5, "batch"), 100000, &batch) ||
        parse_count(xp_cli_get(o, 5, "proofs"), 100000, &nproofs) ||
        parse_count(xp_cli_get(o, 5, "threads"), ncpu > 0 ? (uint64_t)ncpu : 1, &threads) ||
        threads > 256)
        return xp_cli_usage("bench merkle: --leaves, --batch, --proofs and --threads take counts "
                            "from 1");
    char tmp[] = "/tmp/xp-bench-merkle-XXXXXX";
    const char *home = xp_cli_get(o, 5, "home");
    int own = !home;
    if (own && !(home = mkdtemp(tmp))) {
        perror("bench merkle: mkdtemp");
        return XP_EXIT_FAIL;
    }
    xp_error err = {0};
    xp_store *s = NULL;
    xp_dataset d;
    xp_record *recs = malloc(batch * sizeof *recs);
    xp_merkle_proof *kept = malloc(KEPT * sizeof *kept);
    uint64_t *kept_idx = malloc(KEPT * sizeof *kept_idx);
    int rc = XP_EXIT_FAIL;
    if (!recs || !kept || !kept_idx)
        goto done;
    char name[64];
    snprintf(name, sizeof name, "bench-%ld", (long)time(NULL));
    if (xp_store_open(home, 0, &s, &err) ||
        xp_dataset_create(s, name, "CC0-1.0", "bench merkle", NULL, 0, &d, &err))
        goto fail;
    double t_append = 0, t_cut = 0, c_append = 0;
    xp_version v = {0};
    for (uint64_t at = 0; at < n; at += batch) {
        uint64_t k = n - at < batch ? n - at : batch;
        for (uint64_t i = 0; i < k; i++)
            synth(&recs[i], at + i);
        double a = xp_clock_seconds(CLOCK_MONOTONIC), ca = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        if (xp_store_append(s, d.id, recs, k, NULL, NULL, &err))
            goto fail;
        double b = xp_clock_seconds(CLOCK_MONOTONIC);
        c_append += xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - ca;
        int cut;
        if (xp_store_cut_version(s, d.id, 1767225600u, &v, &cut, &err))
            goto fail;
        t_append += b - a;
        t_cut += xp_clock_seconds(CLOCK_MONOTONIC) - b;
    }
    /* roots of random prefixes */
    uint64_t x = 88172645463325252ull;
    uint8_t root[32];
    int nroots = 10000;
    double a = xp_clock_seconds(CLOCK_MONOTONIC);
    for (int i = 0; i < nroots; i++)
        if (xp_store_root(s, d.id, 1 + rng(&x) % n, root, &err))
            goto fail;
    double t_root = (xp_clock_seconds(CLOCK_MONOTONIC) - a) / nroots;
    a = xp_clock_seconds(CLOCK_MONOTONIC);
    if (xp_store_root(s, d.id, n, root, &err))
        goto fail;
    double t_root_full = xp_clock_seconds(CLOCK_MONOTONIC) - a;
    /* inclusion proofs at the full size */
    a = xp_clock_seconds(CLOCK_MONOTONIC);
    double ca = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    for (uint64_t i = 0; i < nproofs; i++) {
        uint64_t idx = rng(&x) % n;
        xp_merkle_proof p;
        if (xp_store_inclusion_proof(s, d.id, idx, n, &p, &err))
            goto fail;
        if (i < KEPT) {
            kept[i] = p;
            kept_idx[i] = idx;
        }
    }
    double t_proof = xp_clock_seconds(CLOCK_MONOTONIC) - a, c_proof = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - ca;
    double t_verify1 = 0, c_verify1 = 0, t_batch1 = 0, c_batch1 = 0, t_verify = 0;
    uint64_t nverify = 5 * nproofs;
    if (verify_phases(s, &d, kept, kept_idx, nproofs < KEPT ? nproofs : KEPT, n, root, nverify,
                      threads, &t_verify1, &c_verify1, &t_batch1, &c_batch1, &t_verify, &err))
        goto fail;
    /* consistency proofs between random prefixes */
    int ncons = 10000;
    a = xp_clock_seconds(CLOCK_MONOTONIC);
    for (int i = 0; i < ncons; i++) {
        xp_merkle_proof p;
        uint64_t m = 1 + rng(&x) % n;
        if (xp_store_consistency_proof(s, d.id, m, n, &p, &err))
            goto fail;
    }
    double t_cons = (xp_clock_seconds(CLOCK_MONOTONIC) - a) / ncons;
    size_t map;
    uint64_t used;
    xp_store_sizes(s, &map, &used);
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/store/data.mdb", home);
    long long file = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* *_cpu: per second of this process's processor time, the figure that holds on a loaded
     * machine; the others are wall-clock */
    printf("{\"bench\":\"merkle\",\"leaves\":%llu,\"batch\":%llu,\"versions\":%u,"
           "\"append_seconds\":%.3f,\"appends_per_second\":%.0f,"
           "\"appends_per_cpu_second\":%.0f,\"cut_seconds\":%.3f,"
           "\"root_full_us\":%.1f,\"root_random_prefix_us\":%.2f,"
           "\"proofs\":%llu,\"proof_seconds\":%.3f,\"proofs_per_second\":%.0f,"
           "\"proofs_per_cpu_second\":%.0f,\"verifications\":%llu,"
           "\"verifications_per_second_1_thread\":%.0f,\"verifications_per_cpu_second\":%.0f,"
           "\"batch_verifications_per_second_1_thread\":%.0f,"
           "\"batch_verifications_per_cpu_second\":%.0f,"
           "\"threads\":%llu,\"batch_verifications_per_second\":%.0f,"
           "\"consistency_proof_us\":%.2f,\"store_bytes_used\":%llu,\"store_file_bytes\":%lld,"
           "\"map_bytes\":%zu,\"bytes_per_record\":%.1f,\"peak_rss_kib\":%ld}\n",
           (unsigned long long)n, (unsigned long long)batch, v.number, t_append,
           (double)n / t_append, (double)n / c_append, t_cut, t_root_full * 1e6, t_root * 1e6,
           (unsigned long long)nproofs, t_proof, (double)nproofs / t_proof,
           (double)nproofs / c_proof, (unsigned long long)nverify, (double)nverify / t_verify1,
           (double)nverify / c_verify1, (double)nverify / t_batch1, (double)nverify / c_batch1,
           (unsigned long long)threads,
           (double)(nverify / threads * threads) / t_verify, t_cons * 1e6, (unsigned long long)used,
           file, map, (double)used / (double)n, ru.ru_maxrss);
    rc = XP_EXIT_OK;
    goto done;
fail:
    rc = xp_cli_fail(&err);
done:
    xp_store_close(s);
    free(recs);
    free(kept);
    free(kept_idx);
    if (own) {
        char cmd[128];
        snprintf(path, sizeof path, "%s/store/data.mdb", home);
        unlink(path);
        snprintf(path, sizeof path, "%s/store/lock.mdb", home);
        unlink(path);
        snprintf(cmd, sizeof cmd, "%s/store", home);
        rmdir(cmd);
        rmdir(home);
    }
    return rc;
}
