/* Symmetry operations written as "x-y+1/2, -y, z+0.25": each of the three components is a
 * sum of signed terms, each a variable (with an optional integer or decimal factor), a
 * fraction or a decimal. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "xtal_internal.h"

static int var_index(char c)
{
    c = (char)tolower((unsigned char)c);
    return c == 'x' ? 0 : c == 'y' ? 1 : c == 'z' ? 2 : -1;
}

/* One component, from s up to a ',' or the end; advances *pos. */
static int parse_component(const char *s, size_t *pos, int rot[3], double *trans)
{
    size_t i = *pos;
    int nterms = 0;
    rot[0] = rot[1] = rot[2] = 0;
    *trans = 0;
    for (;;) {
        while (s[i] == ' ' || s[i] == '\t')
            i++;
        if (s[i] == ',' || s[i] == '\0')
            break;
        int sign = 1;
        if (s[i] == '+' || s[i] == '-') {
            sign = s[i] == '-' ? -1 : 1;
            i++;
            while (s[i] == ' ' || s[i] == '\t')
                i++;
        } else if (nterms > 0) {
            return -1; /* two terms without an operator between them */
        }
        int v = var_index(s[i]);
        if (v >= 0) {
            rot[v] += sign;
            i++;
        } else if (isdigit((unsigned char)s[i]) || s[i] == '.') {
            char *end = NULL;
            double num = strtod(s + i, &end);
            if (end == s + i)
                return -1;
            i = (size_t)(end - s);
            while (s[i] == ' ')
                i++;
            if (s[i] == '/') {
                i++;
                while (s[i] == ' ')
                    i++;
                char *end2 = NULL;
                double den = strtod(s + i, &end2);
                if (end2 == s + i || den == 0)
                    return -1;
                i = (size_t)(end2 - s);
                num /= den;
            }
            while (s[i] == ' ')
                i++;
            if (s[i] == '*')
                i++;
            while (s[i] == ' ')
                i++;
            v = var_index(s[i]);
            if (v >= 0) { /* "2x" or "2*x": an integer factor only */
                if (num != (int)num || num > 3)
                    return -1;
                rot[v] += sign * (int)num;
                i++;
            } else {
                *trans += sign * num;
            }
        } else {
            return -1;
        }
        nterms++;
    }
    if (nterms == 0)
        return -1;
    *pos = i;
    return 0;
}

int xp_symop_parse(const char *text, xp_symop *op)
{
    size_t i = 0;
    for (int k = 0; k < 3; k++) {
        if (parse_component(text, &i, op->rot[k], &op->trans[k]))
            return -1;
        if (k < 2) {
            if (text[i] != ',')
                return -1;
            i++;
        }
    }
    while (text[i] == ' ' || text[i] == '\t')
        i++;
    if (text[i])
        return -1;
    int det = op->rot[0][0] * (op->rot[1][1] * op->rot[2][2] - op->rot[1][2] * op->rot[2][1]) -
              op->rot[0][1] * (op->rot[1][0] * op->rot[2][2] - op->rot[1][2] * op->rot[2][0]) +
              op->rot[0][2] * (op->rot[1][0] * op->rot[2][1] - op->rot[1][1] * op->rot[2][0]);
    return (det == 1 || det == -1) ? 0 : -1;
}
