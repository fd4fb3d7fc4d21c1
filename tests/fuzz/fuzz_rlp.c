/* RLP decoding of arbitrary bytes: whatever decodes must re-encode to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/rlp.h"

static void reencode(xp_rlp_buf *b, const xp_rlp_item *it, int depth)
{
    if (!it->is_list) {
        xp_rlp_bytes(b, it->p, it->len);
        return;
    }
    size_t m = xp_rlp_list_begin(b);
    xp_rlp_iter iter;
    xp_rlp_item x;
    xp_rlp_iter_init(&iter, it);
    while (xp_rlp_iter_next(&iter, &x, NULL) == 1 && depth < 2000)
        reencode(b, &x, depth + 1);
    xp_rlp_list_end(b, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *js = NULL;
    xp_error err = {0};
    if (xp_rlp_to_json(data, size, &js, &err) != 0)
        return 0;
    free(js);
    /* fully valid (every nested item checked by the JSON walk): canonical round trip */
    xp_rlp_item it;
    if (xp_rlp_decode(data, size, &it, &err) != 0)
        abort();
    xp_rlp_buf b;
    xp_rlp_buf_init(&b);
    reencode(&b, &it, 0);
    if (!b.oom && (b.len != size || memcmp(b.p, data, size)))
        abort();
    xp_rlp_buf_free(&b);
    return 0;
}
