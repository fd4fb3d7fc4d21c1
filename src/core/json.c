/* JSON text as a line (bytes.h). */
#include <jansson.h>
#include <stdio.h>
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

json_t *xp_json_load_file(const char *path, size_t flags, json_error_t *je)
{
    xp_error err = {0};
    char *data;
    size_t len;
    if (xp_file_read(path, XP_JSON_FILE_MAX, &data, &len, &err)) {
        if (je) {
            memset(je, 0, sizeof *je);
            je->line = -1;
            size_t n = strlen(err.msg);
            if (n >= sizeof je->text)
                n = sizeof je->text - 1;
            memcpy(je->text, err.msg, n);
            je->text[n] = '\0';
        }
        return NULL;
    }
    json_t *j = json_loadb(data, len, flags, je);
    xp_wipe(data, len);
    free(data);
    return j;
}
