/* Per-command help from one table (help_text.c): xtalproof --help, CMD --help, help CMD, the
 * man page (help --man) and bash completion (help --completion). */
#include "help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const xp_help *xp_help_find(const char *cmd)
{
    for (size_t i = 0; i < xp_help_count; i++)
        if (!strcmp(xp_help_table[i].cmd, cmd))
            return &xp_help_table[i];
    return NULL;
}

int xp_cli_help_lists(const char *cmd, const char *opt)
{
    const xp_help *h = xp_help_find(cmd);
    if (!h)
        return 1; /* a command without an entry: the test refuses it */
    for (const xp_help_opt *o = h->opts; o->name; o++)
        if (!strcmp(o->name, opt))
            return 1;
    return 0;
}

const char *xp_cli_closest_option(const char *cmd, const char *word)
{
    const xp_help *h = xp_help_find(cmd);
    const char *names[64];
    size_t n = 0;
    for (const xp_help_opt *o = h ? h->opts : NULL; o && o->name && n < 64; o++)
        names[n++] = o->name;
    return n ? xp_closest_word(word, names, n) : NULL;
}

int xp_cli_subcommand_usage(const char *cmd, const char *sub)
{
    const char *subs[32];
    size_t n = 0, l = strlen(cmd);
    for (size_t i = 0; i < xp_help_count && n < 32; i++)
        if (!strncmp(xp_help_table[i].cmd, cmd, l) && xp_help_table[i].cmd[l] == ' ')
            subs[n++] = xp_help_table[i].cmd + l + 1;
    if (sub) {
        char what[64];
        snprintf(what, sizeof what, "%s subcommand", cmd);
        return xp_cli_unknown(what, sub, subs, n);
    }
    fprintf(stderr, "xtalproof: %s: expected a subcommand, one of:", cmd);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %s%s", subs[i], i + 1 < n ? "," : "");
    fprintf(stderr, " (`xtalproof help %s SUBCOMMAND` says what each does)\n", cmd);
    return XP_EXIT_USAGE;
}

void xp_cli_list_options(const char *cmd, const xp_opt *opts, int nopts)
{
    const char *want = getenv("XTALPROOF_LIST_OPTIONS");
    if (!want || !*want)
        return;
    printf("%s:", cmd);
    for (int k = 0; k < nopts; k++)
        if (xp_cli_help_lists(cmd, opts[k].name))
            printf(" --%s", opts[k].name);
    printf("\n");
    exit(XP_EXIT_OK);
}

int xp_help_asked(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            return 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    }
    return 0;
}

void xp_help_usage(void *fp)
{
    FILE *f = fp;
    fputs("usage: xtalproof <command> [options]\n"
          "       xtalproof <command> --help      that command's options and an example\n\n"
          "Provenance, prediction commitments and verification for crystal-structure data.\n",
          f);
    for (const char *const *g = xp_help_groups; *g; g++) {
        fprintf(f, "\n%s:\n", *g);
        for (size_t i = 0; i < xp_help_count; i++) {
            const xp_help *h = &xp_help_table[i];
            if (strcmp(h->group, *g))
                continue;
            if (strlen(h->cmd) <= 18)
                fprintf(f, "  %-18s  %s\n", h->cmd, h->summary);
            else
                fprintf(f, "  %s\n  %-18s  %s\n", h->cmd, "", h->summary);
        }
    }
    fputs("\nChain commands take --deployment FILE and --rpc URL. Without --password-file a\n"
          "password is asked on the terminal, or read as the first line of standard input.\n"
          "Files and settings live in the node's home: $XTALPROOF_HOME, else ~/.xtalproof.\n"
          "\nexit status: 0 success, 1 a check failed or the input was bad, 2 usage error.\n",
          f);
}

/* Writes text wrapped at `width` columns, each line indented by `indent` spaces; with
 * `started`, the first line's indent is already on the line (an option's text beside it). */
static void wrap(FILE *f, const char *text, int indent, int width, int started)
{
    const char *p = text;
    while (*p) {
        int col = indent;
        if (!started)
            fprintf(f, "%*s", indent, "");
        started = 0;
        int first = 1;
        while (*p && *p != '\n') {
            const char *w = p;
            while (*w && *w != ' ' && *w != '\n')
                w++;
            int len = (int)(w - p);
            if (!first && col + 1 + len > width)
                break;
            fprintf(f, "%s%.*s", first ? "" : " ", len, p);
            col += len + !first;
            first = 0;
            p = w;
            while (*p == ' ')
                p++;
        }
        if (*p == '\n')
            p++;
        fputc('\n', f);
    }
}

static void print_entry(FILE *f, const xp_help *h)
{
    fprintf(f, "usage: xtalproof %s\n\n", h->synopsis);
    wrap(f, h->summary, 0, 96, 0);
    if (h->about) {
        fputc('\n', f);
        wrap(f, h->about, 0, 96, 0);
    }
    if (h->opts[0].name) {
        fputs("\noptions:\n", f);
        for (const xp_help_opt *o = h->opts; o->name; o++) {
            char left[64];
            snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
            /* the text beside the option when it fits there, else under it */
            if (strlen(left) <= 24)
                fprintf(f, "  %-24s  ", left);
            else
                fprintf(f, "  %s\n", left);
            wrap(f, o->text, 28, 96, strlen(left) <= 24);
        }
    }
    fputs("\nexample:\n", f);
    wrap(f, h->example, 2, 400, 0);
}

/* The entries whose command starts with the words given (a group: "round", "bench"). */
static size_t print_group(FILE *f, const char *prefix)
{
    size_t n = 0, pl = strlen(prefix);
    for (size_t i = 0; i < xp_help_count; i++) {
        const xp_help *h = &xp_help_table[i];
        if (strncmp(h->cmd, prefix, pl) || h->cmd[pl] != ' ')
            continue;
        if (!n++)
            fprintf(f, "xtalproof %s: one of\n\n", prefix);
        fprintf(f, "  %-18s  %s\n", h->cmd, h->summary);
    }
    if (n)
        fprintf(f, "\n`xtalproof %s SUBCOMMAND --help` gives each one's options.\n", prefix);
    return n;
}

/* The other subcommands under the same first word ("node" → "node state"). */
static void see_also(FILE *f, const xp_help *h, const char *words)
{
    char first[32];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(words, " "), words);
    size_t fl = strlen(first), n = 0;
    for (size_t i = 0; i < xp_help_count; i++) {
        const xp_help *o = &xp_help_table[i];
        if (o == h || strncmp(o->cmd, first, fl) || (o->cmd[fl] != ' ' && o->cmd[fl]))
            continue;
        fprintf(f, "%s xtalproof %s", n++ ? "," : "\nsee also:", o->cmd);
    }
    if (n)
        fputc('\n', f);
}

int xp_help_man(void);
int xp_help_completion(void);

/* argv: the command's words (help's own arguments, or the program's with --help among them) */
int xp_help_main(int argc, char **argv)
{
    if (argc == 1 && !strcmp(argv[0], "--man"))
        return xp_help_man();
    if (argc == 1 && !strcmp(argv[0], "--completion"))
        return xp_help_completion();
    if (argc == 1 && !strcmp(argv[0], "--list")) {
        for (size_t i = 0; i < xp_help_count; i++)
            printf("%s\n", xp_help_table[i].cmd);
        return XP_EXIT_OK;
    }
    char words[64] = "";
    int nw = 0;
    for (int i = 0; i < argc && nw < 2; i++) {
        if (argv[i][0] == '-')
            continue;
        char try[128];
        snprintf(try, sizeof try, "%.63s%s%.40s", words, nw ? " " : "", argv[i]);
        /* a second word counts only when it names a subcommand */
        int known = 0;
        size_t tl = strlen(try);
        for (size_t k = 0; k < xp_help_count && !known; k++)
            known = !strncmp(xp_help_table[k].cmd, try, tl) &&
                    (xp_help_table[k].cmd[tl] == ' ' || !xp_help_table[k].cmd[tl]);
        if (!known)
            break;
        snprintf(words, sizeof words, "%.63s", try);
        nw++;
    }
    if (!nw) {
        if (argc && argv[0][0] != '-') {
            fprintf(stderr, "xtalproof: help: no command \"%s\" (see xtalproof --help)\n", argv[0]);
            return XP_EXIT_USAGE;
        }
        xp_help_usage(stdout);
        return XP_EXIT_OK;
    }
    const xp_help *h = xp_help_find(words);
    if (!h && !strcmp(words, "predictions"))
        h = xp_help_find("predictions list");
    if (h) {
        print_entry(stdout, h);
        see_also(stdout, h, words);
        return XP_EXIT_OK;
    }
    print_group(stdout, words);
    return XP_EXIT_OK;
}
