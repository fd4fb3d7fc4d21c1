/* The keystore parser on arbitrary bytes: it must return 0 or an error with a sentence,
 * never crash. Key derivation is not run: its cost is bounded by the parser's limits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "xtalproof/keystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xp_keystore ks;
    xp_error err = {0};
    int rc = xp_keystore_parse((const char *)data, size, &ks, &err);
    if (rc != 0 && err.msg[0] == '\0')
        abort();
    if (rc == 0 && ks.kdf == XP_KDF_SCRYPT && 128ull * ks.n * ks.r > XP_KEYSTORE_SCRYPT_MAX_MEM)
        abort();
    return 0;
}
