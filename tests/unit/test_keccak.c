/* Keccak-256 against the published known-answer tests in tests/vectors/keccak/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "xtalproof/keccak.h"

#define VECTORS XP_TEST_VECTORS "/keccak/keccak256.txt"

static void known_answers(void **state)
{
    (void)state;
    xp_vec_file vf;
    xp_vec_load(VECTORS, &vf);
    int seen0 = 0, seen135 = 0, seen136 = 0, seen137 = 0, multiblock = 0;
    for (size_t i = 0; i < vf.count; i++) {
        xp_vec_line *l = &vf.lines[i];
        assert_int_equal(l->nfields, 2);
        size_t n, dn;
        uint8_t *msg = xp_test_unhex(l->field[0], &n);
        uint8_t *want = xp_test_unhex(l->field[1], &dn);
        assert_int_equal(dn, 32);
        uint8_t got[32];
        xp_keccak256(msg, n, got);
        if (memcmp(got, want, 32) != 0)
            fail_msg("keccak256 of the %zu-byte message at vector line %d is wrong", n, l->lineno);
        seen0 |= n == 0;
        seen135 |= n == 135;
        seen136 |= n == 136;
        seen137 |= n == 137;
        multiblock |= n > 2 * XP_KECCAK256_RATE;
        free(msg);
        free(want);
    }
    /* The boundaries around one rate block must be among the vectors. */
    assert_true(seen0 && seen135 && seen136 && seen137 && multiblock);
    xp_vec_free(&vf);
}

/* Feeding the same message in pieces of every size gives the one-shot digest. */
static void streaming_equals_oneshot(void **state)
{
    (void)state;
    xp_vec_file vf;
    xp_vec_load(VECTORS, &vf);
    for (size_t i = 0; i < vf.count; i++) {
        size_t n, dn;
        uint8_t *msg = xp_test_unhex(vf.lines[i].field[0], &n);
        uint8_t *want = xp_test_unhex(vf.lines[i].field[1], &dn);
        if (n < 130 || n > 600) {
            free(msg);
            free(want);
            continue;
        }
        for (size_t step = 1; step <= 140; step += 7) {
            xp_keccak256_ctx ctx;
            xp_keccak256_init(&ctx);
            for (size_t off = 0; off < n; off += step)
                xp_keccak256_update(&ctx, msg + off, off + step <= n ? step : n - off);
            uint8_t got[32];
            xp_keccak256_final(&ctx, got);
            assert_memory_equal(got, want, 32);
        }
        free(msg);
        free(want);
    }
    xp_vec_free(&vf);
}

/* Keccak-f[1600] on the all-zero state: the first lane of the result is given in the Keccak
 * team's intermediate values (KeccakF-1600-IntermediateValues.txt): F1258F7940E1DDE7. */
static void permutation_zero_state(void **state)
{
    (void)state;
    uint64_t s[25] = {0};
    xp_keccak_f1600(s);
    assert_true(s[0] == 0xF1258F7940E1DDE7ull);
    assert_true(s[1] == 0x84D5CCF933C0478Aull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers),
        cmocka_unit_test(streaming_equals_oneshot),
        cmocka_unit_test(permutation_zero_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
