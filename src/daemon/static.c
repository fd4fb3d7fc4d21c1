/* The explorer's files (web/), embedded in the program at build time (cmake/embed_web.cmake):
 * HTML, JavaScript and CSS served under / with their content type and cache policy. A path is
 * matched exactly against the table, so no path outside it can be named (no directory
 * traversal, no file system access); anything else is a 404 of the router. */
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"

typedef struct xp_asset {
    const char *path, *type, *cache;
    const unsigned char *data;
    size_t len;
} xp_asset;

#include "explorer_assets.inc"

int xp_static_find(const char *path)
{
    if (!strcmp(path, "/"))
        path = "/index.html";
    for (int i = 0; ASSETS[i].path; i++)
        if (!strcmp(ASSETS[i].path, path))
            return i;
    return -1;
}

void xp_h_static(xp_hctx *c, xp_http_answer *a)
{
    const xp_asset *f = &ASSETS[c->r->route.asset];
    char *body = malloc(f->len + 1);
    if (!body) {
        xp_answer_error(a, 503, "out of memory");
        return;
    }
    memcpy(body, f->data, f->len + 1);
    a->status = 200;
    a->body = body;
    a->type = f->type;
    a->cache = f->cache;
}
