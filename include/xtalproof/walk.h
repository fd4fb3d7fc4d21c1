/* Expanding command-line paths: files as given, directories recursively, in sorted order. */
#ifndef XTALPROOF_WALK_H
#define XTALPROOF_WALK_H

#include <stddef.h>

#include "xtalproof/error.h"

typedef struct xp_path_list {
    char **paths;
    size_t n;
} xp_path_list;

/* Appends path, or every regular file under it (hidden entries skipped, names sorted) when it
 * is a directory. A path that does not exist is an error. */
int xp_path_list_add(xp_path_list *list, const char *path, xp_error *err);
void xp_path_list_free(xp_path_list *list);

/* The same files in the same order, handed to fn one at a time as they are found (memory
 * stays that of one directory's names, whatever the number of files). fn's nonzero return
 * stops the walk and is returned. */
typedef int (*xp_walk_fn)(void *ctx, const char *file, xp_error *err);
int xp_walk(const char *path, xp_walk_fn fn, void *ctx, xp_error *err);

#endif
