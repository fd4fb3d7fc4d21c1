/* Directory walking for commands that take PATH...: sorted, so that output order is stable.
 * Only regular files and directories are walked: a FIFO, socket or device named on the command
 * line is an error, one found in a directory is skipped with a warning; a directory that is
 * already on the current path (a symlink loop) is skipped with one warning per loop. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xtalproof/bytes.h"
#include "xtalproof/walk.h"

#define MAX_DEPTH 64

typedef struct walk {
    xp_walk_fn fn;
    void *ctx;
    dev_t dev[MAX_DEPTH + 2]; /* the directories on the current path */
    ino_t ino[MAX_DEPTH + 2];
    dev_t *rdev; /* the loops reported so far (their target directories) */
    ino_t *rino;
    size_t nrep;
} walk;

static int push(void *ctx, const char *path, xp_error *err)
{
    xp_path_list *list = ctx;
    char **p = realloc(list->paths, (list->n + 1) * sizeof *p);
    if (!p)
        return xp_error_set(err, XP_ENOMEM, "out of memory listing %s", path);
    list->paths = p;
    if (!(list->paths[list->n] = strdup(path)))
        return xp_error_set(err, XP_ENOMEM, "out of memory listing %s", path);
    list->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A loop to dev/ino is reported the first time only. */
static void report_loop(walk *w, const char *path, const struct stat *st)
{
    for (size_t i = 0; i < w->nrep; i++)
        if (w->rdev[i] == st->st_dev && w->rino[i] == st->st_ino)
            return;
    dev_t *d = realloc(w->rdev, (w->nrep + 1) * sizeof *d);
    if (d)
        w->rdev = d;
    ino_t *n = realloc(w->rino, (w->nrep + 1) * sizeof *n);
    if (n)
        w->rino = n;
    if (d && n) {
        w->rdev[w->nrep] = st->st_dev;
        w->rino[w->nrep] = st->st_ino;
        w->nrep++;
    }
    fprintf(stderr, "xtalproof: warning: %s leads back to a directory above it (a loop); "
                    "skipped\n", path);
}

/* The sorted names of directory path's entries (hidden ones left out). */
static int list_dir(const char *path, char ***names, size_t *n, xp_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(path);
    if (!d)
        return xp_error_set(err, XP_EIO, "%s: %s", path, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char **nn = realloc(*names, (*n + 1) * sizeof *nn);
        if (!nn || !(nn[*n] = strdup(e->d_name))) {
            *names = nn ? nn : *names;
            rc = xp_error_set(err, XP_ENOMEM, "out of memory listing %s", path);
            break;
        }
        *names = nn;
        (*n)++;
    }
    closedir(d);
    if (!rc && *n)
        qsort(*names, *n, sizeof **names, cmp_str);
    return rc;
}

static int add(walk *w, const char *path, const struct stat *st, int depth, xp_error *err);

/* A directory's entries, each walked, skipped with a warning or, on a failure, the error. */
static int add_children(walk *w, const char *path, int depth, xp_error *err)
{
    char **names;
    size_t n;
    int rc = list_dir(path, &names, &n, err);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len = strlen(path) + strlen(names[i]) + 2;
        char *child = malloc(len);
        if (!child) {
            rc = xp_error_set(err, XP_ENOMEM, "out of memory listing %s", path);
            break;
        }
        snprintf(child, len, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
        struct stat cst;
        if (stat(child, &cst) != 0)
            fprintf(stderr, "xtalproof: warning: %s: %s; skipped\n", child, strerror(errno));
        else if (S_ISDIR(cst.st_mode) || S_ISREG(cst.st_mode))
            rc = add(w, child, &cst, depth + 1, err);
        else
            fprintf(stderr, "xtalproof: warning: %s is %s, not a regular file or directory; "
                            "skipped\n", child, xp_file_kind(cst.st_mode));
        free(child);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int add(walk *w, const char *path, const struct stat *st, int depth, xp_error *err)
{
    if (S_ISREG(st->st_mode))
        return w->fn(w->ctx, path, err);
    if (!S_ISDIR(st->st_mode))
        return xp_error_set(err, XP_EINVAL, "%s is %s, not a regular file or directory", path,
                            xp_file_kind(st->st_mode));
    for (int i = 0; i < depth; i++)
        if (w->dev[i] == st->st_dev && w->ino[i] == st->st_ino) {
            report_loop(w, path, st);
            return 0;
        }
    if (depth > MAX_DEPTH)
        return xp_error_set(err, XP_EINVAL, "%s: directories nested deeper than %d", path,
                            MAX_DEPTH);
    w->dev[depth] = st->st_dev;
    w->ino[depth] = st->st_ino;
    return add_children(w, path, depth, err);
}

static int walk_from(const char *path, xp_walk_fn fn, void *ctx, xp_error *err)
{
    struct stat st;
    if (stat(path, &st))
        return xp_error_set(err, XP_EIO, "%s: %s", path, strerror(errno));
    walk w = {.fn = fn, .ctx = ctx};
    int rc = add(&w, path, &st, 0, err);
    free(w.rdev);
    free(w.rino);
    return rc;
}

int xp_path_list_add(xp_path_list *list, const char *path, xp_error *err)
{
    return walk_from(path, push, list, err);
}

int xp_walk(const char *path, xp_walk_fn fn, void *ctx, xp_error *err)
{
    return walk_from(path, fn, ctx, err);
}

void xp_path_list_free(xp_path_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->paths[i]);
    free(list->paths);
    list->paths = NULL;
    list->n = 0;
}
