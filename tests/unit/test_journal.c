/* The transaction journal (LMDB): nonce choice, idempotency keys, failed entries, reopening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../src/eth/journal.h"

static json_t *build(uint64_t nonce, void *ctx, xp_error *err)
{
    (void)err;
    const char *state = ctx;
    return json_pack("{s:i, s:s, s:I}", "v", 1, "state", state, "n", (json_int_t)nonce);
}

static void journal(void **state)
{
    (void)state;
    char dir[] = "/tmp/xp-journal-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sub/eth-journal.mdb", dir);
    xp_journal *j;
    xp_error err = {0};
    assert_int_equal(xp_journal_open(path, &j, &err), 0);
    uint8_t a[20], b[20];
    memset(a, 0xaa, 20);
    memset(b, 0xbb, 20);
    uint64_t n;
    int reused;
    /* the node's pending count wins over an empty journal */
    assert_int_equal(xp_jr_allocate(j, 1, a, 5, NULL, build, "sent", &n, &reused, &err), 0);
    assert_int_equal(n, 5);
    /* the journal wins over a node that has not seen nonce 5 yet */
    assert_int_equal(xp_jr_allocate(j, 1, a, 0, "k1", build, "intent", &n, &reused, &err), 0);
    assert_int_equal(n, 6);
    assert_int_equal(reused, 0);
    /* the same key: the same entry */
    assert_int_equal(xp_jr_allocate(j, 1, a, 0, "k1", build, "intent", &n, &reused, &err), 0);
    assert_int_equal(n, 6);
    assert_int_equal(reused, 1);
    /* other sender and other chain are separate */
    assert_int_equal(xp_jr_allocate(j, 1, b, 0, "k1", build, "intent", &n, &reused, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(xp_jr_allocate(j, 2, a, 0, NULL, build, "intent", &n, &reused, &err), 0);
    assert_int_equal(n, 0);
    /* a failed entry (never mined) frees its nonce and its key */
    json_t *rec;
    assert_int_equal(xp_jr_get(j, 1, a, 6, &rec, &err), 0);
    json_object_set_new(rec, "state", json_string("failed"));
    assert_int_equal(xp_jr_put(j, 1, a, 6, rec, &err), 0);
    json_decref(rec);
    assert_int_equal(xp_jr_allocate(j, 1, a, 0, "k1", build, "intent", &n, &reused, &err), 0);
    assert_int_equal(n, 6);
    assert_int_equal(reused, 0);
    xp_journal_close(j);
    /* reopened: everything is still there */
    assert_int_equal(xp_journal_open(path, &j, &err), 0);
    json_t *arr;
    assert_int_equal(xp_jr_list(j, 1, a, &arr, &err), 0);
    assert_int_equal(json_array_size(arr), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "nonce")), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "state")),
                        "intent");
    json_decref(arr);
    assert_int_equal(xp_jr_get(j, 1, a, 7, &rec, &err), XP_ENOTFOUND);
    xp_journal_close(j);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(journal)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
