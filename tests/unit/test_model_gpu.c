/* CPU == GPU, bit for bit: every dev structure through both models on the CPU and on the GPU,
 * in one pack, in reverse order, and in small packs (several launches), comparing the whole
 * result (value, output, pooled and hidden vectors, saturations, trace root). Where no GPU (or
 * no CUDA build) is present it says so and exits 77, which ctest reports as skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xtalproof/featurize.h"
#include "xtalproof/infer.h"
#include "xtalproof/reader.h"
#include "xtalproof/walk.h"

#define CG XP_SHARED_DIR "/data/cgcnn"
#define MODELS XP_TEST_VECTORS "/../../models"

static void test_cpu_equals_gpu(void **state)
{
    (void)state;
    xp_path_list files = {0};
    xp_error err = {0};
    assert_int_equal(xp_path_list_add(&files, CG "/dev-structures", &err), 0);
    assert_int_equal(xp_path_list_add(&files, CG "/sample-cifs", &err), 0);
    size_t ndev = files.n;
    /* and the benchmark's files of at most 60 atoms (docs/formats.md) */
    assert_int_equal(xp_path_list_add(&files, XP_SHARED_DIR "/data/structures/bench", &err), 0);
    assert_int_equal(xp_path_list_add(&files, XP_SHARED_DIR "/data/structures/cifs", &err), 0);
    size_t n = 0, nbench = 0;
    xp_graph *g = calloc(files.n * 4, sizeof *g);
    const xp_graph **gp = calloc(files.n * 4, sizeof *gp), **rev = calloc(files.n * 4, sizeof *rev);
    for (size_t f = 0; f < files.n; f++) {
        xp_structure_list l;
        if (xp_read_structures(files.paths[f], NULL, &l, &err))
            continue;
        for (size_t k = 0; k < l.n && n < files.n * 4; k++) {
            if (f >= ndev && l.items[k]->nsites > 60)
                continue;
            if (xp_featurize(l.items[k], &g[n], &err) == 0) {
                n++;
                nbench += f >= ndev;
            }
        }
        xp_structure_list_free(&l);
    }
    assert_true(n >= 150);
    printf("  %zu structures: %zu dev and sample, %zu from the benchmark (<= 60 atoms)\n", n,
           n - nbench, nbench);
    for (size_t i = 0; i < n; i++) {
        gp[i] = &g[i];
        rev[n - 1 - i] = &g[i];
    }
    static const char *const names[] = {"formation-energy-per-atom", "band-gap"};
    xp_infer_out *cpu = calloc(n, sizeof *cpu), *gpu = calloc(n, sizeof *gpu),
                 *gr = calloc(n, sizeof *gr), *gs = calloc(n, sizeof *gs);
    for (int k = 0; k < 2; k++) {
        char p[1024];
        snprintf(p, sizeof p, MODELS "/%s.xpm", names[k]);
        xp_model *m;
        assert_int_equal(xp_model_load(p, &m, &err), 0);
        assert_int_equal(xp_infer_cpu_batch(m, gp, n, 0, cpu, NULL, &err), 0);
        if (xp_infer_gpu_batch(m, gp, n, 0, gpu, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(xp_infer_gpu_batch(m, rev, n, 0, gr, &err), 0);
        assert_int_equal(xp_infer_gpu_batch(m, gp, n, 100, gs, &err), 0);
        size_t same = 0;
        for (size_t i = 0; i < n; i++) {
            same += !memcmp(&cpu[i], &gpu[i], sizeof cpu[i]);
            assert_memory_equal(&cpu[i], &gpu[i], sizeof cpu[i]);
            assert_memory_equal(&cpu[i], &gr[n - 1 - i], sizeof cpu[i]);
            assert_memory_equal(&cpu[i], &gs[i], sizeof cpu[i]);
        }
        printf("  %s: %zu of %zu structures equal on CPU and GPU\n", names[k], same, n);
        xp_model_free(m);
    }
    free(cpu), free(gpu), free(gr), free(gs);
    for (size_t i = 0; i < n; i++)
        xp_graph_free(&g[i]);
    free(g), free(gp), free(rev);
    xp_path_list_free(&files);
}

int main(void)
{
    char why[256] = "";
    if (!xp_infer_gpu_available(why, sizeof why)) {
        printf("test_model_gpu: skipped: %s\n", why);
        return 77;
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cpu_equals_gpu)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
