/* The .xpm model reader on arbitrary bytes. The input is also laid over a full-size file of
 * zeros (a real model is 420 kB, beyond the fuzzer's lengths), so that headers and weights the
 * fuzzer writes reach the loader's checks and, when accepted, a forward pass on a small graph:
 * any weights the reader accepts must run without overflow (UBSan watches the int64 sums). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/infer.h"
#include "xtalproof/model.h"

static void forward(const xp_model *m)
{
    uint8_t z[3] = {1, 8, 100};
    int32_t nbr[36], dist[36];
    for (int i = 0; i < 36; i++) {
        nbr[i] = i % 3;
        dist[i] = (i * 40009) % (9 * 65536);
    }
    xp_graph g = {.n = 3, .z = z, .nbr = nbr, .dist = dist};
    xp_infer_out o;
    xp_error err = {0};
    xp_infer_cpu(m, &g, &o, NULL, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xp_model *m = NULL;
    xp_error err = {0};
    if (xp_model_parse(data, size, &m, &err) == 0) {
        forward(m);
        xp_model_free(m);
    }
    /* the real layout's size, from the weights the header must announce */
    const size_t full = XP_XPM_HEADER + 4 * (size_t)104817;
    if (size < 12)
        return 0;
    uint8_t *buf = calloc(1, full);
    if (!buf)
        return 0;
    memcpy(buf, data, size < full ? size : full);
    if (xp_model_parse(buf, full, &m, &err) == 0) {
        forward(m);
        xp_model_free(m);
    }
    free(buf);
    return 0;
}
