/* ABI decoding of arbitrary data: the first line is a type list "(t1,t2,…)", the rest the data.
 * Whatever decodes must encode back to data that decodes to the same values. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl || nl - data > 200)
        return 0;
    char sig[256];
    size_t sl = (size_t)(nl - data);
    memcpy(sig, data, sl);
    sig[sl] = '\0';
    if (memchr(sig, '\0', sl))
        return 0;
    xp_abi_params p;
    xp_error err = {0};
    if (xp_abi_params_parse(sig, &p, &err) != 0)
        return 0;
    const uint8_t *d = nl + 1;
    size_t dn = size - sl - 1;
    json_t *vals;
    if (xp_abi_decode(p.types, p.n, d, dn, &vals, &err) == 0) {
        uint8_t *enc;
        size_t en;
        if (xp_abi_encode(p.types, p.n, vals, &enc, &en, &err) != 0)
            abort();
        json_t *again;
        if (xp_abi_decode(p.types, p.n, enc, en, &again, &err) != 0 || !json_equal(vals, again))
            abort();
        json_decref(again);
        free(enc);
        json_decref(vals);
    }
    free(xp_abi_describe_revert(d, dn, NULL, 0));
    xp_abi_params_free(&p);
    return 0;
}
