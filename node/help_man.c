/* The man page (xtalproof help --man) and bash completion (xtalproof help --completion), both
 * written from the help table, so they say what --help says. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "help.h"

/* roff text: backslashes doubled, hyphens as \-, a line never starting with . or ' */
static void roff(const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", stdout);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else if (*s == '\n') {
            fputs("\n.br\n", stdout);
            if (s[1] == '.' || s[1] == '\'')
                fputs("\\&", stdout);
        } else
            fputc(*s, stdout);
    }
}

int xp_help_man(void)
{
    printf(".TH XTALPROOF 1 \"\" \"xtalproof %s\" \"User Commands\"\n", XP_VERSION);
    puts(".SH NAME\nxtalproof \\- provenance, prediction commitments and verification for "
         "crystal\\-structure data");
    puts(".SH SYNOPSIS\n.B xtalproof\n.I command\n[\\fIoptions\\fR]\n.br\n.B xtalproof\n.I "
         "command\n\\fB\\-\\-help\\fR");
    puts(".SH DESCRIPTION\nxtalproof gives crystal structures (CIF, POSCAR) a symmetry\\-invariant "
         "hash, registers datasets of them in an append\\-only Merkle log anchored on an "
         "Ethereum\\-compatible chain, runs a graph network in deterministic fixed point, and makes "
         "prediction records that anyone, and the chain itself, can check.");
    puts(".SH COMMANDS");
    for (const char *const *g = xp_help_groups; *g; g++) {
        printf(".SS ");
        roff(*g);
        putchar('\n');
        for (size_t i = 0; i < xp_help_count; i++) {
            const xp_help *h = &xp_help_table[i];
            if (strcmp(h->group, *g))
                continue;
            printf(".TP\n.B xtalproof ");
            roff(h->synopsis);
            putchar('\n');
            roff(h->summary);
            if (h->about) {
                puts(".");
                roff(h->about);
            }
            putchar('\n');
            if (h->opts[0].name) {
                puts(".RS");
                for (const xp_help_opt *o = h->opts; o->name; o++) {
                    printf(".TP\n\\fB\\-\\-");
                    roff(o->name);
                    printf("\\fR%s", o->arg ? " \\fI" : "");
                    if (o->arg) {
                        roff(o->arg);
                        printf("\\fR");
                    }
                    putchar('\n');
                    roff(o->text);
                    putchar('\n');
                }
                puts(".RE");
            }
            printf(".IP\nExample:\n.nf\n");
            roff(h->example);
            printf("\n.fi\n");
        }
    }
    puts(".SH ENVIRONMENT\n.TP\n.B XTALPROOF_HOME\nthe node's home: the store, keys, deployment "
         "files and journals (default ~/.xtalproof)\n.TP\n.B XTALPROOF_MODELS\na folder of "
         ".xpm model files, looked at first");
    puts(".SH EXIT STATUS\n0 success, 1 a check failed or the input was bad, 2 usage error.");
    puts(".SH SEE ALSO\nThe documentation in /usr/share/doc/xtalproof: quickstart.md, "
         "operations.md, api.md, formats.md, contracts.md, security.md.");
    return XP_EXIT_OK;
}

int xp_help_completion(void)
{
    puts("# bash completion for xtalproof (written by `xtalproof help --completion`)");
    puts("_xtalproof()\n{\n    local cur=${COMP_WORDS[COMP_CWORD]:-} w1=${COMP_WORDS[1]:-} "
         "w2=${COMP_WORDS[2]:-}\n    local words opts");
    /* the first words */
    printf("    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        words=\"");
    const char *last = "";
    size_t lastlen = 0;
    for (size_t i = 0; i < xp_help_count; i++) {
        const char *c = xp_help_table[i].cmd;
        size_t n = strcspn(c, " ");
        if (n == lastlen && !strncmp(c, last, n))
            continue;
        printf("%s%.*s", i ? " " : "", (int)n, c);
        last = c, lastlen = n;
    }
    puts(" --help\"\n        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n        return\n"
         "    fi");
    /* the subcommands of each first word */
    puts("    if [ \"$COMP_CWORD\" -eq 2 ] && [[ $cur != -* ]]; then\n        case $w1 in");
    for (size_t i = 0; i < xp_help_count; i++) {
        const char *c = xp_help_table[i].cmd, *sp = strchr(c, ' ');
        if (!sp || (i && !strncmp(xp_help_table[i - 1].cmd, c, (size_t)(sp - c) + 1)))
            continue;
        printf("        %.*s) words=\"", (int)(sp - c), c);
        for (size_t k = i; k < xp_help_count; k++)
            if (!strncmp(xp_help_table[k].cmd, c, (size_t)(sp - c) + 1))
                printf("%s%s", k == i ? "" : " ", xp_help_table[k].cmd + (sp - c) + 1);
        puts("\"\n            COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n            "
             "return ;;");
    }
    puts("        esac\n    fi");
    /* the options of each command */
    puts("    if [[ $cur == -* ]]; then\n        case \"$w1 $w2\" in");
    for (int pass = 0; pass < 2; pass++) /* two words first, then one */
        for (size_t i = 0; i < xp_help_count; i++) {
            const xp_help *h = &xp_help_table[i];
            int two = strchr(h->cmd, ' ') != NULL;
            if (two != !pass)
                continue;
            printf("        \"%s\"%s) opts=\"--help", h->cmd, two ? "" : "\\ *");
            for (const xp_help_opt *o = h->opts; o->name; o++)
                printf(" --%s", o->name);
            puts("\" ;;");
        }
    puts("        esac\n        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n        return\n"
         "    fi\n    COMPREPLY=($(compgen -f -- \"$cur\"))\n}\ncomplete -o filenames -o bashdefault "
         "-F _xtalproof xtalproof");
    return XP_EXIT_OK;
}
