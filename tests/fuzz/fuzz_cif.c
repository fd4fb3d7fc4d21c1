/* The cif reader on arbitrary bytes, in both modes: strict (any grammar slip or bad block
 * refuses the file) and forgiving (slips read with warnings, bad blocks skipped). What the
 * forgiving mode accepts is also hashed (small cells only); what the strict mode accepts, the
 * forgiving one must accept with the same number of structures. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"

static void quiet(void *ctx, const char *msg)
{
    (void)msg;
    ++*(size_t *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nwarn = 0;
    xp_read_opts o = {.max_sites = 256, .max_bytes = 1 << 20, .warn = quiet, .warn_ctx = &nwarn};
    xp_structure_list strict, l;
    xp_error err = {0};
    o.strict = 1;
    int src = xp_read_cif_mem("fuzz", (const char *)data, size, &o, &strict, &err);
    o.strict = 0;
    int frc = xp_read_cif_mem("fuzz", (const char *)data, size, &o, &l, &err);
    if (src == 0 && (frc != 0 || l.n != strict.n))
        abort(); /* the forgiving mode refused (or lost a block of) a file the strict one read */
    if (src == 0)
        xp_structure_list_free(&strict);
    if (frc)
        return 0;
    for (size_t i = 0; i < l.n; i++) {
        xp_xtal_id id;
        if (l.items[i]->nsites <= 64 && xp_xtal_identify(l.items[i], NULL, &id, &err) == 0)
            xp_xtal_id_clear(&id);
    }
    xp_structure_list_free(&l);
    return 0;
}
