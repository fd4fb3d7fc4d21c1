#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "xtalproof/bytes.h"

int xp_cli_parse(const char *cmd, int argc, char **argv, xp_opt *opts, int nopts, const char **pos,
                 int maxpos, int *npos)
{
    *npos = 0;
    int only_pos = 0;
    xp_cli_list_options(cmd, opts, nopts);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (!only_pos && strcmp(a, "--") == 0) {
                only_pos = 1;
                continue;
            }
            if (*npos >= maxpos)
                return xp_cli_usage("%s: unexpected argument \"%s\"", cmd, a);
            pos[(*npos)++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        xp_opt *o = NULL;
        for (int k = 0; k < nopts; k++)
            if (strlen(opts[k].name) == nlen && strncmp(opts[k].name, name, nlen) == 0)
                o = &opts[k];
        /* older or other spellings, kept for scripts: the option's name in every command (or
           in the one command named third); the first block of logs is --from-block as verify
           says it, and eth logs' own --from */
        static const char *const ALIASES[][3] = {{"angle-tol", "angle-tolerance", NULL},
                                                 {"licence", "license", NULL},
                                                 {"from-block", "from", "eth logs"},
                                                 {"to-block", "to", "eth logs"}};
        for (size_t a = 0; !o && a < sizeof ALIASES / sizeof ALIASES[0]; a++)
            if (strlen(ALIASES[a][0]) == nlen && !strncmp(ALIASES[a][0], name, nlen) &&
                (!ALIASES[a][2] || !strcmp(ALIASES[a][2], cmd)))
                for (int k = 0; k < nopts; k++)
                    if (!strcmp(opts[k].name, ALIASES[a][1]))
                        o = &opts[k];
        if (o && !xp_cli_help_lists(cmd, o->name))
            return xp_cli_usage("%s: option --%s does not apply to %s", cmd, o->name, cmd);
        if (!o)
            return xp_cli_usage("%s: unknown option --%.*s", cmd, (int)nlen, name);
        if (o->value)
            return xp_cli_usage("%s: option --%s given twice", cmd, o->name);
        if (o->flag) {
            if (eq)
                return xp_cli_usage("%s: option --%s takes no value", cmd, o->name);
            o->value = "1";
        } else if (eq) {
            o->value = eq + 1;
        } else {
            if (i + 1 >= argc)
                return xp_cli_usage("%s: option --%s needs a value", cmd, o->name);
            o->value = argv[++i];
        }
    }
    return 0;
}

const char *xp_cli_get(const xp_opt *opts, int nopts, const char *name)
{
    for (int k = 0; k < nopts; k++)
        if (strcmp(opts[k].name, name) == 0)
            return opts[k].value;
    return NULL;
}

const char *xp_cli_plural(unsigned long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int xp_cli_fail(const xp_error *err)
{
    fprintf(stderr, "xtalproof: %s\n", err && err->msg[0] ? err->msg : "failed");
    return XP_EXIT_FAIL;
}

int xp_cli_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("xtalproof: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see xtalproof --help)\n", stderr);
    va_end(ap);
    return XP_EXIT_USAGE;
}

int xp_cli_unknown(const char *what, const char *word, const char *const *list, size_t n)
{
    const char *near = xp_closest_word(word, list, n);
    fprintf(stderr, "xtalproof: unknown %s \"%s\"", what, word);
    if (near)
        fprintf(stderr, "; did you mean \"%s\"?", near);
    fputs(near ? " It is one of:" : ". It is one of:", stderr);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %s%s", list[i], i + 1 < n ? "," : "");
    fputs(" (see xtalproof --help)\n", stderr);
    return XP_EXIT_USAGE;
}

static int read_line(FILE *in, char **out)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, in);
    if (n < 0) {
        free(line);
        return -1;
    }
    line[strcspn(line, "\r\n")] = '\0';
    *out = line;
    return 0;
}

static int prompt_tty(const char *prompt, char **out)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return -1;
    struct termios old, quiet;
    int fd = fileno(tty);
    int have = tcgetattr(fd, &old) == 0;
    if (have) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fputs(prompt, tty);
    fflush(tty);
    int rc = read_line(tty, out);
    if (have)
        tcsetattr(fd, TCSAFLUSH, &old);
    fputs("\n", tty);
    fclose(tty);
    return rc;
}

#define XP_CLI_STDIN_WAIT_MS 2000

int xp_cli_password(const char *file, int confirm, char **password, xp_error *err)
{
    *password = NULL;
    if (file)
        return xp_password_file_read(file, password, err);
    if (!isatty(STDIN_FILENO)) {
        /* not a terminal: a line must be there already or come soon, else a clear error
           instead of a wait without a prompt */
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int ready = poll(&pfd, 1, XP_CLI_STDIN_WAIT_MS);
        if (ready <= 0 || read_line(stdin, password) != 0)
            return xp_error_set(err, XP_EINVAL,
                                "no password: standard input is not a terminal and gave no line "
                                "%s; give --password-file FILE",
                                ready <= 0 ? "within 2 s" : "(it is empty)");
        return XP_OK;
    }
    char *first = NULL, *second = NULL;
    if (prompt_tty("Password: ", &first) != 0)
        return xp_error_set(err, XP_EINVAL, "no password could be read from the terminal");
    if (confirm) {
        if (prompt_tty("Repeat password: ", &second) != 0 || strcmp(first, second) != 0) {
            xp_cli_password_free(first);
            xp_cli_password_free(second);
            return xp_error_set(err, XP_EINVAL, "the two passwords differ");
        }
        xp_cli_password_free(second);
    }
    *password = first;
    return XP_OK;
}

void xp_cli_password_free(char *password)
{
    if (password) {
        xp_wipe(password, strlen(password));
        free(password);
    }
}
