/* The featurizer on whatever structures the POSCAR reader accepts from arbitrary bytes: odd
 * cells (thin, skewed, huge), far coordinates and overlapping atoms must give a graph or a
 * sentence, within bounded time and memory. */
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/featurize.h"
#include "xtalproof/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xp_read_opts o = {.max_sites = 64, .max_bytes = 1 << 16};
    xp_structure_list l;
    xp_error err = {0};
    if (xp_read_poscar_mem("fuzz.vasp", (const char *)data, size, &o, &l, &err))
        return 0;
    for (size_t i = 0; i < l.n; i++) {
        xp_graph g;
        if (xp_featurize(l.items[i], &g, &err) == 0)
            xp_graph_free(&g);
    }
    xp_structure_list_free(&l);
    return 0;
}
