/* JSON text as a line (bytes.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"

char *xp_json_line(json_t *o, size_t flags)
{
    char *s = o ? json_dumps(o, flags) : NULL;
    json_decref(o);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return NULL;
    }
    memcpy(t + n, "\n", 2);
    return t;
}
