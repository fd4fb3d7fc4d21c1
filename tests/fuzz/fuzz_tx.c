/* Raw transaction decoding, validation and sender recovery on arbitrary bytes; whatever
 * decodes must encode back to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xp_tx tx;
    xp_error err = {0};
    if (xp_tx_decode(data, size, &tx, &err) != 0)
        return 0;
    uint8_t sender[20];
    xp_tx_validate(&tx, 0, XP_FORK_LATEST, &err);
    xp_tx_sender(&tx, sender, &err);
    uint64_t g, f;
    xp_tx_intrinsic_gas(&tx, &g, &f, &err);
    free(xp_tx_to_json(&tx, NULL, NULL));
    xp_rlp_buf b;
    xp_rlp_buf_init(&b);
    if (xp_tx_encode(&tx, &b, &err) == 0 && (b.len != size || memcmp(b.p, data, size)))
        abort();
    xp_rlp_buf_free(&b);
    xp_tx_clear(&tx);
    return 0;
}
