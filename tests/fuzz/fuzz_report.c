/* The beamtime report reader (JSON and CSV) and the deployment file reader on arbitrary
 * bytes: a refusal carries a sentence; what parses is within the documented limits and each
 * measurement's EIP-712 digest can be computed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xp_report r;
    xp_error err = {0};
    int rc = xp_report_parse((const char *)data, size, &r, &err);
    if (rc != 0 && (rc != XP_EINVAL || err.msg[0] == '\0'))
        abort();
    if (rc == 0) {
        if (r.n == 0 || r.n > XP_REPORT_MAX_ROWS)
            abort();
        for (size_t i = 0; i < r.n; i++) {
            const xp_measurement *m = &r.m[i];
            xp_oracle_report o = {0};
            uint8_t committee[20] = {0}, d[32];
            if (m->nraw > XP_REPORT_MAX_RAW || (!m->has_symhash == !m->target[0]))
                abort();
            if (xp_short_name(m->property, o.property, &err) ||
                xp_report_facility(m, o.facility, &err))
                abort();
            o.value_q = m->value_q;
            xp_oracle_digest(&o, 1, committee, d);
        }
        xp_report_free(&r);
    }
    xp_deployment dep;
    err.msg[0] = '\0';
    rc = xp_deployment_parse((const char *)data, size, &dep, &err);
    if (rc != 0 && err.msg[0] == '\0')
        abort();
    return 0;
}
