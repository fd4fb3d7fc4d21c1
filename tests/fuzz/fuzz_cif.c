/* The cif reader on arbitrary bytes; what it accepts is also hashed (small cells only). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xp_read_opts o = {.max_sites = 256, .max_bytes = 1 << 20};
    xp_structure_list l;
    xp_error err = {0};
    if (xp_read_cif_mem("fuzz", (const char *)data, size, &o, &l, &err))
        return 0;
    for (size_t i = 0; i < l.n; i++) {
        xp_xtal_id id;
        if (l.items[i]->nsites <= 64 && xp_xtal_identify(l.items[i], NULL, &id, &err) == 0)
            xp_xtal_id_clear(&id);
    }
    xp_structure_list_free(&l);
    return 0;
}
