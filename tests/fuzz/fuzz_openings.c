/* The openings file reader (verify --opening, the Python package's verify(opening=...)) on
 * arbitrary bytes: one opening or one per line. Whatever comes in, at most 64 openings are kept,
 * every line that does not read has a sentence naming the file, and a file without any opening
 * says so. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/prover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static xp_openings o;
    xp_openings_read("fuzz.jsonl", (const char *)data, size, &o);
    if (o.nlayer + o.nstep > XP_VERIFY_MAX_OPENINGS || o.nbad > 4)
        abort();
    if (o.nlayer + o.nstep == 0 && o.nbad == 0)
        abort();
    for (size_t i = 0; i < o.nbad; i++)
        if (strncmp(o.bad[i], "fuzz.jsonl ", 11) != 0)
            abort();
    xp_openings_free(&o);
    return 0;
}
