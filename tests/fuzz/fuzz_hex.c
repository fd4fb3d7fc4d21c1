/* Hex decoding and address parsing on arbitrary text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t out[64];
    size_t n = 0;
    xp_error err = {0};
    if (xp_hex_decode((const char *)data, size, out, sizeof out, &n, &err) == 0) {
        char text[2 * sizeof out + 3];
        uint8_t back[64];
        size_t m = 0;
        xp_hex_encode(out, n, text, 1);
        if (xp_hex_decode(text, strlen(text), back, sizeof back, &m, &err) != 0 || m != n ||
            memcmp(out, back, n) != 0)
            abort();
    }
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    uint8_t addr[XP_ADDRESS_LEN];
    if (xp_address_parse(s, addr, &err) == 0) {
        char cs[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(addr, cs);
        if (xp_address_parse(cs, addr, &err) != 0)
            abort();
    }
    free(s);
    return 0;
}
