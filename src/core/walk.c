/* Directory walking for commands that take PATH...: sorted, so that output order is stable. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xtalproof/walk.h"

#define MAX_DEPTH 64

static int push(void *ctx, const char *path, xp_error *err)
{
    xp_path_list *list = ctx;
    char **p = realloc(list->paths, (list->n + 1) * sizeof *p);
    if (!p)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    list->paths = p;
    if (!(list->paths[list->n] = strdup(path)))
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    list->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add(xp_walk_fn fn, void *ctx, const char *path, int depth, xp_error *err)
{
    struct stat st;
    if (stat(path, &st))
        return xp_error_set(err, XP_EIO, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return fn(ctx, path, err);
    if (depth > MAX_DEPTH)
        return xp_error_set(err, XP_EINVAL, "%s: directories nested deeper than %d", path,
                            MAX_DEPTH);
    DIR *d = opendir(path);
    if (!d)
        return xp_error_set(err, XP_EIO, "%s: %s", path, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn || !(nn[n] = strdup(e->d_name))) {
            names = nn ? nn : names;
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
            break;
        }
        names = nn;
        n++;
    }
    closedir(d);
    if (!rc)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len = strlen(path) + strlen(names[i]) + 2;
        char *child = malloc(len);
        if (!child) {
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
            break;
        }
        snprintf(child, len, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
        struct stat cst;
        if (stat(child, &cst) == 0 && (S_ISDIR(cst.st_mode) || S_ISREG(cst.st_mode)))
            rc = add(fn, ctx, child, depth + 1, err);
        free(child);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int xp_path_list_add(xp_path_list *list, const char *path, xp_error *err)
{
    return add(push, list, path, 0, err);
}

int xp_walk(const char *path, xp_walk_fn fn, void *ctx, xp_error *err)
{
    return add(fn, ctx, path, 0, err);
}

void xp_path_list_free(xp_path_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->paths[i]);
    free(list->paths);
    list->paths = NULL;
    list->n = 0;
}
