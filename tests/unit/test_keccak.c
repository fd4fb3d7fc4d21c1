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

/* Four permutations side by side equal the scalar one lane for lane: lane 0 starts from zero
 * (the known answer above), the others from pseudo-random states; and four short messages of
 * every length that fits one block hash as the one-shot function hashes each. */
static void permutation_x4(void **state)
{
    (void)state;
    uint64_t s4[25][4], one[4][25];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 25; i++)
        for (int k = 0; k < 4; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            s4[i][k] = k ? x : 0;
            one[k][i] = s4[i][k];
        }
    uint64_t start[25][4];
    memcpy(start, s4, sizeof start);
    xp_keccak_f1600_x4(s4);
    for (int k = 0; k < 4; k++) {
        xp_keccak_f1600(one[k]);
        for (int i = 0; i < 25; i++)
            assert_true(s4[i][k] == one[k][i]);
    }
    assert_true(s4[0][0] == 0xF1258F7940E1DDE7ull);
    /* every code path the processor has gives the same bits */
    int paths = 0;
    for (int isa = 0; isa <= 2; isa++) {
        uint64_t t[25][4];
        memcpy(t, start, sizeof t);
        if (xp_keccak_f1600_x4_isa(t, isa))
            continue;
        paths++;
        assert_memory_equal(t, s4, sizeof t);
    }
    print_message("x4 permutation: %d code paths checked\n", paths);
    assert_true(paths >= 1);
    uint8_t msg[4][135], got[4][32], want[32];
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 135; j++)
            msg[k][j] = (uint8_t)(31 * k + 7 * j + 1);
    {   /* 136 bytes would need a second block; five messages are one too many */
        const uint8_t *m[4] = {msg[0], msg[1], msg[2], msg[3]};
        size_t l[4] = {136, 1, 1, 1}, ok[4] = {1, 1, 1, 1};
        uint8_t *o[4] = {got[0], got[1], got[2], got[3]};
        assert_int_equal(xp_keccak256_x4_short(m, l, 1, o), -1);
        assert_int_equal(xp_keccak256_x4_short(m, ok, 5, o), -1);
    }
    for (size_t len = 0; len <= 135; len++) {
        const uint8_t *m[4] = {msg[0], msg[1], msg[2], msg[3]};
        size_t l[4] = {len, len / 2, 135 - len, len % 7};
        uint8_t *o[4] = {got[0], got[1], got[2], got[3]};
        for (size_t n = 1; n <= 4; n++) {
            memset(got, 0, sizeof got);
            assert_int_equal(xp_keccak256_x4_short(m, l, n, o), 0);
            for (size_t k = 0; k < 4; k++) {
                if (k < n) {
                    xp_keccak256(m[k], l[k], want);
                    assert_memory_equal(got[k], want, 32);
                } else {
                    uint8_t zero[32] = {0};
                    assert_memory_equal(got[k], zero, 32); /* lanes past n untouched */
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers),
        cmocka_unit_test(streaming_equals_oneshot),
        cmocka_unit_test(permutation_zero_state),
        cmocka_unit_test(permutation_x4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
