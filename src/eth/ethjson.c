/* JSON values for byte strings and numbers. */
#include <stdlib.h>
#include <jansson.h>

#include "ethjson.h"
#include "xtalproof/bytes.h"

json_t *xp_eth_jhex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 3);
    if (!s)
        return NULL;
    xp_hex_encode(p, n, s, 1);
    json_t *j = json_string(s);
    free(s);
    return j;
}

json_t *xp_eth_jdec(const xp_u256 *x)
{
    char d[80];
    xp_u256_to_dec(x, d);
    return json_string(d);
}
