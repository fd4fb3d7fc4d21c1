/* The prediction record and trace opening readers (verify, trace open) on arbitrary bytes.
 * Whatever parses is written and read back to the same text, and the offline checks run on it
 * without files; a refusal carries a sentence. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/prover.h"

static void check_refusal(int rc, const xp_error *err)
{
    if (rc != 0 && ((rc != XP_EINVAL && rc != XP_EUNSUPPORTED) || err->msg[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static xp_pred_record r, r2;
    static xp_trace_opening o, o2;
    static xp_verify_report rep;
    xp_error err = {0};
    int rc = xp_pred_record_parse((const char *)data, size, &r, &err);
    check_refusal(rc, &err);
    if (rc == 0) {
        char *a = xp_pred_record_json(&r);
        if (!a || xp_pred_record_parse(a, strlen(a), &r2, &err))
            abort();
        char *b = xp_pred_record_json(&r2);
        if (!b || strcmp(a, b) != 0)
            abort();
        free(a);
        free(b);
        xp_verify_in in = {0};
        if (xp_pred_verify(&r, &in, &rep, &err) || rep.n == 0)
            abort();
    }
    xp_error_clear(&err);
    rc = xp_trace_opening_parse((const char *)data, size, &o, &err);
    check_refusal(rc, &err);
    if (rc == 0) {
        char *a = xp_trace_opening_json(&o);
        if (!a || xp_trace_opening_parse(a, strlen(a), &o2, &err))
            abort();
        char *b = xp_trace_opening_json(&o2);
        if (!b || strcmp(a, b) != 0)
            abort();
        free(a);
        free(b);
        xp_error_clear(&err);
        rc = xp_trace_opening_check(&o, o.trace_root, o.atoms, &err);
        if (rc != 0 && ((rc != XP_EINVAL && rc != XP_ECRYPTO) || err.msg[0] == '\0'))
            abort();
    }
    return 0;
}
