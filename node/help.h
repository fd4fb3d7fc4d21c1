/* The help table: one entry per command, read by xtalproof --help, CMD --help, help CMD, the
 * parser (an option a command's entry does not list is refused) and the man page. */
#ifndef XTALPROOF_NODE_HELP_H
#define XTALPROOF_NODE_HELP_H

#include <stddef.h>

typedef struct xp_help_opt {
    const char *name; /* without "--" */
    const char *arg;  /* NULL for a flag */
    const char *text; /* what it does, with its default */
} xp_help_opt;

typedef struct xp_help {
    const char *cmd;      /* "round open" */
    const char *group;    /* heading in the command list */
    const char *synopsis; /* after "xtalproof " */
    const char *summary;  /* one line */
    const char *about;    /* a paragraph, or NULL */
    const xp_help_opt *opts; /* ends with {NULL} */
    const char *example;  /* one or more lines, each a command */
} xp_help;

extern const xp_help xp_help_table[];
extern const size_t xp_help_count;
extern const char *const xp_help_groups[];

/* The entry of exactly `cmd`, or NULL. */
const xp_help *xp_help_find(const char *cmd);
/* xtalproof help ..., xtalproof CMD --help: prints and returns the exit status. */
int xp_help_main(int argc, char **argv);
/* The top-level usage (to `f`). */
void xp_help_usage(void *f);
/* 1 when an argument before "--" is --help or -h. */
int xp_help_asked(int argc, char **argv);

#endif
