/* The step opening reader (verify --opening of a version-2 record) on arbitrary bytes. Whatever
 * parses is written and read back to the same text, and checked against its own roots: the check
 * answers 0 (the step holds), XP_ECRYPTO (it does not, or a path fails) or XP_EINVAL (malformed),
 * each with a sentence, never anything else. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/prover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static xp_step_opening o, o2;
    xp_error err = {0};
    int rc = xp_step_opening_parse((const char *)data, size, &o, &err);
    if (rc != 0 && (rc != XP_EINVAL || err.msg[0] == '\0'))
        abort();
    if (rc)
        return 0;
    char *a = xp_step_opening_json(&o);
    if (!a || xp_step_opening_parse(a, strlen(a), &o2, &err))
        abort();
    char *b = xp_step_opening_json(&o2);
    if (!b || strcmp(a, b) != 0)
        abort();
    free(a);
    free(b);
    xp_step_opening_free(&o2);
    char why[256] = "";
    xp_error_clear(&err);
    rc = xp_step_opening_check(&o, o.trace_root, o.structure_root, o.weights_root, why, sizeof why,
                               &err);
    if (rc == XP_ECRYPTO ? !(why[0] || err.msg[0]) : rc != 0 && (rc != XP_EINVAL || !err.msg[0]))
        abort();
    xp_step_opening_free(&o);
    return 0;
}
