/* The proof documents' JSON readers (verify-proof, consistency --verify) on arbitrary bytes.
 * Whatever parses must verify or be refused with XP_EINVAL or XP_ECRYPTO and a sentence, and
 * must survive writing and reading back unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/proofdoc.h"

static void check_refusal(int rc, const xp_error *err)
{
    if (rc != 0 && ((rc != XP_EINVAL && rc != XP_ECRYPTO) || err->msg[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xp_error err = {0};
    xp_inclusion_doc a, a2;
    int rc = xp_inclusion_doc_parse((const char *)data, size, &a, &err);
    check_refusal(rc, &err);
    if (rc == 0) {
        xp_record r;
        xp_error_clear(&err);
        check_refusal(xp_inclusion_doc_verify(&a, &r, &err), &err);
        char *j = xp_inclusion_doc_json(&a);
        if (!j || xp_inclusion_doc_parse(j, strlen(j), &a2, &err) ||
            memcmp(&a, &a2, offsetof(xp_inclusion_doc, path)) || a.path.len != a2.path.len ||
            memcmp(a.path.hash, a2.path.hash, 32 * a.path.len))
            abort();
        free(j);
    }
    xp_consistency_doc c, c2;
    xp_error_clear(&err);
    rc = xp_consistency_doc_parse((const char *)data, size, &c, &err);
    check_refusal(rc, &err);
    if (rc == 0) {
        xp_error_clear(&err);
        check_refusal(xp_consistency_doc_verify(&c, &err), &err);
        char *j = xp_consistency_doc_json(&c);
        if (!j || xp_consistency_doc_parse(j, strlen(j), &c2, &err) ||
            memcmp(&c, &c2, offsetof(xp_consistency_doc, proof)) || c.proof.len != c2.proof.len ||
            memcmp(c.proof.hash, c2.proof.hash, 32 * c.proof.len))
            abort();
        free(j);
    }
    return 0;
}
