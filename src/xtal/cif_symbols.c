/* The space group of a CIF block: its listed operations, else the setting its Hall symbol,
 * Hermann-Mauguin symbol or number names, looked up among spglib's 530 settings. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spglib.h>

#include "cif_internal.h"

#define MAX_OPS XP_CIF_MAX_OPS
#define NHALL 530
#define NAMES 6 /* names per setting */

/* ---- the settings' names, normalized once ---- */

typedef struct setting_names {
    int number;
    char choice[8];       /* spglib's: "1", "2", "H", "R", "b1", "cab", ... upper case */
    char axes;            /* 'H' or 'R' for the two settings of an R group, else 0 */
    char name[NAMES][24]; /* compact upper case ("P121/N1"), empty when unused */
    char stripped[24];    /* monoclinic: the full symbol without its 1s ("P21/N") */
    char hall[24];        /* the Hall symbol, single spaces, upper case */
} setting_names;

static setting_names g_names[NHALL + 1];
static pthread_once_t g_names_once = PTHREAD_ONCE_INIT;

/* Upper case without spaces and underscores ("P 1 2_1/n 1" -> "P121/N1"), at most cap - 1. */
static void compact(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && s[i] && k + 1 < cap; i++) {
        char c = s[i];
        if (c == ' ' || c == '_' || c == '\t')
            continue;
        out[k++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    out[k] = '\0';
}

/* Upper case with runs of white space as one space, trimmed. */
static void single_spaced(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    int space = 0;
    for (; *s && k + 1 < cap; s++) {
        if (*s == ' ' || *s == '\t' || *s == '_') {
            space = k > 0;
            continue;
        }
        if (space && k + 2 < cap)
            out[k++] = ' ';
        space = 0;
        out[k++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 'a' + 'A') : *s;
    }
    out[k] = '\0';
}

static void names_make(void)
{
    for (int h = 1; h <= NHALL; h++) {
        SpglibSpacegroupType t = spg_get_spacegroup_type(h);
        setting_names *s = &g_names[h];
        s->number = t.number;
        compact(t.choice, strlen(t.choice), s->choice, sizeof s->choice);
        if (!strcmp(s->choice, "H") || !strcmp(s->choice, "R"))
            s->axes = s->choice[0];
        single_spaced(t.hall_symbol, s->hall, sizeof s->hall);
        int k = 0;
        compact(t.international_full, sizeof t.international_full, s->name[k++], 24);
        compact(t.international_short, sizeof t.international_short, s->name[k++], 24);
        /* "P 2_1/c = P 1 1 2_1/b = P 2_1/b": every part names this setting */
        const char *p = t.international;
        while (*p && k < NAMES) {
            const char *eq = strstr(p, " = ");
            size_t n = eq ? (size_t)(eq - p) : strlen(p);
            compact(p, n, s->name[k++], 24);
            p += n + (eq ? 3 : 0);
        }
        if (t.number >= 3 && t.number <= 15) {
            char buf[24] = {0};
            size_t b = 0;
            const char *f = t.international_full;
            for (size_t i = 0; f[i] && b + 1 < sizeof buf; i++) {
                int lone1 = f[i] == '1' && i > 0 && f[i - 1] == ' ' &&
                            (f[i + 1] == ' ' || f[i + 1] == '\0');
                if (!lone1)
                    buf[b++] = f[i];
            }
            compact(buf, b, s->stripped, sizeof s->stripped);
        }
    }
}

/* Whether the query q matches the setting's name n: equal, or with an old glide letter (a, b
 * or c) where the name has the double glide e, or (bar3) with "-3" written "3". */
static int same_symbol(const char *q, const char *n, int bar3)
{
    if (!n[0])
        return 0;
    size_t i = 0, j = 0;
    for (; q[i] && n[j]; i++, j++) {
        if (bar3 && n[j] == '-' && n[j + 1] == '3' && q[i] == '3') {
            j++;
            continue;
        }
        if (q[i] == n[j])
            continue;
        if (j > 0 && n[j] == 'E' && (q[i] == 'A' || q[i] == 'B' || q[i] == 'C'))
            continue;
        return 0;
    }
    return !q[i] && !n[j];
}

/* Splits "Fd-3m:2", "R -3 m H", "P n -3 n S" into the symbol (compact) and the choice. */
static void split_choice(const char *text, char sym[32], char choice[8])
{
    char buf[64];
    size_t k = 0;
    choice[0] = '\0';
    /* a remark in braces or parentheses: "R 3 c {rhombohedral axes}", "(hexagonal axes)" */
    for (const char *p = text; *p && k + 1 < sizeof buf; p++) {
        const char *close = *p == '{' ? strchr(p, '}') : *p == '(' ? strchr(p, ')') : NULL;
        if (!close) {
            buf[k++] = *p;
            continue;
        }
        if (strncasecmp(p + 1, "rhomb", 5) == 0)
            strcpy(choice, "R");
        else if (strncasecmp(p + 1, "hex", 3) == 0)
            strcpy(choice, "H");
        p = close;
    }
    buf[k] = '\0';
    char *colon = strchr(buf, ':');
    if (colon) {
        if (!choice[0])
            compact(colon + 1, strlen(colon + 1), choice, 8);
        *colon = '\0';
    } else if (!choice[0]) {
        size_t n = strlen(buf);
        while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
            buf[--n] = '\0';
        if (n > 2 && (buf[n - 2] == ' ' || buf[n - 2] == '\t') && strchr("HRSZhrsz", buf[n - 1])) {
            choice[0] = (char)(buf[n - 1] & ~0x20);
            choice[1] = '\0';
            buf[n - 1] = '\0';
        }
    }
    if (!strcmp(choice, "S"))
        strcpy(choice, "1"); /* the standard origin */
    else if (!strcmp(choice, "Z"))
        strcpy(choice, "2"); /* the origin at the centre */
    compact(buf, strlen(buf), sym, 32);
}

int xp_hall_of_hm(const char *symbol, char axes)
{
    pthread_once(&g_names_once, names_make);
    char sym[32], choice[8];
    split_choice(symbol, sym, choice);
    if (!sym[0])
        return 0;
    for (int pass = 0; pass < 3; pass++) {
        for (int h = 1; h <= NHALL; h++) {
            const setting_names *s = &g_names[h];
            if (s->name[0][0] != sym[0])
                continue; /* another lattice letter */
            if (s->axes && axes && s->axes != axes)
                continue; /* an R symbol: the axes of the cell, whatever the symbol says */
            if (!(s->axes && axes) && choice[0] && strcmp(choice, s->choice))
                continue;
            int hit = 0;
            if (pass == 1)
                hit = same_symbol(sym, s->stripped, 0);
            for (int k = 0; k < NAMES && !hit && pass != 1; k++)
                hit = same_symbol(sym, s->name[k], pass == 2 && s->number >= 195);
            if (hit)
                return h;
        }
    }
    return 0;
}

int xp_hall_of_hall_symbol(const char *symbol)
{
    pthread_once(&g_names_once, names_make);
    char want[32];
    single_spaced(symbol, want, sizeof want);
    for (int h = 1; want[0] && h <= NHALL; h++)
        if (!strcmp(want, g_names[h].hall))
            return h;
    return 0;
}

/* ---- the block's operations ---- */

static const char *const TAG_OPS[] = {"_space_group_symop_operation_xyz",
                                      "_symmetry_equiv_pos_as_xyz",
                                      "_space_group_symop.operation_xyz", NULL};
static const char *const TAG_SG_NUMBER[] = {"_space_group_it_number",
                                            "_symmetry_int_tables_number", NULL};
static const char *const TAG_SG_HM[] = {"_space_group_name_h-m_alt",
                                        "_symmetry_space_group_name_h-m",
                                        "_space_group_name_h-m_full", NULL};
static const char *const TAG_SG_HALL[] = {"_space_group_name_hall",
                                          "_symmetry_space_group_name_hall", NULL};

static int is_missing(const char *v)
{
    if (!v)
        return 1;
    while (*v == ' ' || *v == '\t')
        v++;
    return !*v || !strcmp(v, "?") || !strcmp(v, ".");
}

/* The first of the tags the block gives a value (not '?' or '.'), NULL when none; *col: its
 * column. */
static const char *first_value(const xp_cif_block *db, const char *const *tags, ssize_t *col)
{
    for (; *tags; tags++) {
        ssize_t t = xp_cif_find(db, *tags);
        const char *v = t >= 0 ? xp_cif_text(db, t, 0) : NULL;
        if (!is_missing(v)) {
            *col = t;
            return v;
        }
    }
    return NULL;
}

/* What the block's symbols and number name: the Hall number (0: none), where tag and text
 * name the first that did, and *unknown the text of one that matches no setting. */
typedef struct named_group {
    int hall;
    const char *tag, *text, *unknown, *unknown_tag;
} named_group;

/* 'R' for a cell in rhombohedral axes (a = b = c, alpha = beta = gamma, not 90), 'H' for one in
 * hexagonal axes (a = b, alpha = beta = 90, gamma = 120), else 0. */
static char cell_axes(const double p[6])
{
    if (fabs(p[0] - p[1]) < 1e-4 && fabs(p[0] - p[2]) < 1e-4 && fabs(p[3] - p[4]) < 1e-3 &&
        fabs(p[3] - p[5]) < 1e-3 && fabs(p[3] - 90) > 1e-3)
        return 'R';
    if (fabs(p[0] - p[1]) < 1e-4 && fabs(p[3] - 90) < 1e-3 && fabs(p[4] - 90) < 1e-3 &&
        fabs(p[5] - 120) < 1e-3)
        return 'H';
    return 0;
}

static void named_setting(xp_cif_ctx *b, const xp_cif_block *db, const double cellp[6],
                          named_group *g)
{
    memset(g, 0, sizeof *g);
    ssize_t t = -1;
    const char *v = first_value(db, TAG_SG_HALL, &t);
    if (v) {
        if ((g->hall = xp_hall_of_hall_symbol(v))) {
            g->tag = db->cols[t].name, g->text = v;
            return;
        }
        g->unknown = v, g->unknown_tag = db->cols[t].name;
    }
    v = first_value(db, TAG_SG_HM, &t);
    if (v) {
        if ((g->hall = xp_hall_of_hm(v, cell_axes(cellp)))) {
            g->tag = db->cols[t].name, g->text = v;
        } else if (!g->unknown) {
            g->unknown = v, g->unknown_tag = db->cols[t].name;
        }
    }
    v = first_value(db, TAG_SG_NUMBER, &t);
    double num = 0;
    if (!v || xp_parse_cif_number(v, &num) || !(num >= 1 && num <= 230) ||
        num != (int)num)
        return;
    int n = (int)num;
    if (g->hall && g_names[g->hall].number != n) {
        xp_read_warn(b->opts, "%s:%zu: data_%s: %s \"%s\" is space group %d, but the block's "
                     "number is %d; the symbol is used", b->file,
                     xp_cif_line_of(b->data, b->len, b->block, g->tag), b->block, g->tag, g->text,
                     g_names[g->hall].number, n);
        return;
    }
    for (int h = 1; h <= NHALL && !g->hall; h++)
        if (g_names[h].number == n)
            g->hall = h, g->tag = db->cols[t].name, g->text = v;
}

static int ops_of_hall(int hall, int rot[192][3][3], double trans[192][3])
{
    return hall >= 1 && hall <= NHALL ? spg_get_symmetry_from_database(rot, trans, hall) : 0;
}

static int same_op(const xp_symop *a, const int rot[3][3], const double trans[3])
{
    if (memcmp(a->rot, rot, sizeof a->rot))
        return 0;
    for (int k = 0; k < 3; k++) {
        double d = a->trans[k] - trans[k];
        if (fabs(d - nearbyint(d)) > 1e-4)
            return 0;
    }
    return 1;
}

/* Warns when the listed operations do not make the space-group type the block names: the
 * same operations as the named setting's (cheap, the common case), else spglib's type of
 * them. */
static void check_agreement(xp_cif_ctx *b, const xp_symop *ops, size_t n, const named_group *g)
{
    int rot[192][3][3];
    double trans[192][3];
    int k = ops_of_hall(g->hall, rot, trans);
    if (k == (int)n) {
        size_t found = 0;
        for (size_t i = 0; i < n; i++)
            for (int j = 0; j < k; j++)
                if (same_op(&ops[i], rot[j], trans[j])) {
                    found++;
                    break;
                }
        if (found == n)
            return;
    }
    if (n > 192)
        return;
    for (size_t i = 0; i < n; i++) {
        int det = xp_det3i(ops[i].rot);
        if (det != 1 && det != -1)
            return; /* not a crystallographic operation: spglib is not asked */
        memcpy(rot[i], ops[i].rot, sizeof rot[i]);
        memcpy(trans[i], ops[i].trans, sizeof trans[i]);
    }
    int h = spg_get_hall_number_from_symmetry(rot, trans, (int)n, 1e-5);
    int got = h >= 1 && h <= NHALL ? g_names[h].number : 0;
    if (got == g_names[g->hall].number)
        return;
    char what[64];
    if (got)
        snprintf(what, sizeof what, "space group %d", got);
    else
        snprintf(what, sizeof what, "no space group");
    xp_read_warn(b->opts, "%s:%zu: data_%s: the %zu symmetry operations make %s, but %s \"%s\" "
                 "is space group %d; the operations are used", b->file,
                 xp_cif_line_of(b->data, b->len, b->block, g->tag), b->block, n, what, g->tag,
                 g->text, g_names[g->hall].number);
}

static int listed_ops(xp_cif_ctx *b, const xp_cif_block *db, ssize_t t, xp_symop **ops_out,
                      size_t *nops_out)
{
    size_t n = (size_t)xp_cif_count(db, t);
    if (n > MAX_OPS)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: %zu symmetry operations (at most %d)",
                            b->file, b->block, n, MAX_OPS);
    xp_symop *ops = calloc(n, sizeof *ops);
    if (!ops)
        return xp_error_set(b->err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *text = xp_cif_text(db, t, (ssize_t)i);
        if (!text || xp_symop_parse(text, &ops[i])) {
            free(ops);
            return xp_error_set(b->err, XP_EINVAL, "%s:%zu: data_%s: symmetry operation %zu "
                                "(\"%s\") is not a valid x,y,z operation", b->file,
                                xp_cif_line_of(b->data, b->len, b->block, db->cols[t].name),
                                b->block, i + 1, text ? text : "(a list)");
        }
    }
    *ops_out = ops;
    *nops_out = n;
    return 0;
}

int xp_cif_block_ops(xp_cif_ctx *b, const xp_cif_block *db, const double cellp[6],
                     xp_symop **ops_out, size_t *nops_out)
{
    pthread_once(&g_names_once, names_make);
    named_group g;
    named_setting(b, db, cellp, &g);
    ssize_t t = xp_cif_find_any(db, TAG_OPS);
    if (xp_cif_count(db, t) > 0) {
        int rc = listed_ops(b, db, t, ops_out, nops_out);
        if (!rc && g.hall)
            check_agreement(b, *ops_out, *nops_out, &g);
        return rc;
    }
    int rot[192][3][3];
    double trans[192][3];
    int k = g.hall ? ops_of_hall(g.hall, rot, trans) : 1;
    if (!g.hall) {
        char c[32] = "";
        if (g.unknown)
            compact(g.unknown, strlen(g.unknown), c, sizeof c);
        if (g.unknown && strcmp(c, "P1"))
            return xp_error_set(b->err, XP_EINVAL, "%s:%zu: data_%s: space group \"%s\" (%s) is "
                                "no setting of the 230 space groups, and the block lists no "
                                "symmetry operations", b->file,
                                xp_cif_line_of(b->data, b->len, b->block, g.unknown_tag),
                                b->block, g.unknown, g.unknown_tag);
        memset(rot, 0, sizeof rot[0]); /* nothing named, or P 1: the identity */
        memset(trans, 0, sizeof trans[0]);
        for (int i = 0; i < 3; i++)
            rot[0][i][i] = 1;
    }
    if (k <= 0)
        return xp_error_set(b->err, XP_EINVAL, "%s: data_%s: no operations for space group \"%s\"",
                            b->file, b->block, g.text);
    xp_symop *ops = calloc((size_t)k, sizeof *ops);
    if (!ops)
        return xp_error_set(b->err, XP_ENOMEM, "out of memory");
    for (int i = 0; i < k; i++) {
        memcpy(ops[i].rot, rot[i], sizeof ops[i].rot);
        memcpy(ops[i].trans, trans[i], sizeof ops[i].trans);
    }
    *ops_out = ops;
    *nops_out = (size_t)k;
    return 0;
}
