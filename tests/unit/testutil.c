#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xtalproof/bytes.h"

char *xp_test_slurp(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    xp_error err = {0};
    if (xp_file_read(path, (size_t)64 << 20, &data, &len, &err) != 0)
        fail_msg("cannot read test input: %s", err.msg);
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
        data[--len] = '\0';
    return data;
}

void xp_vec_load(const char *path, xp_vec_file *vf)
{
    memset(vf, 0, sizeof *vf);
    vf->data = xp_test_slurp(path);
    size_t cap = 64;
    vf->lines = calloc(cap, sizeof *vf->lines);
    int lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(vf->data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++; /* blank lines are swallowed by strtok_r, so numbers are approximate */
        line[strcspn(line, "\r")] = '\0';
        if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
            continue;
        if (vf->count == cap) {
            cap *= 2;
            vf->lines = realloc(vf->lines, cap * sizeof *vf->lines);
        }
        xp_vec_line *l = &vf->lines[vf->count++];
        memset(l, 0, sizeof *l);
        l->lineno = lineno;
        char *s2 = NULL;
        for (char *f = strtok_r(line, " \t", &s2); f && l->nfields < XP_TEST_MAX_FIELDS;
             f = strtok_r(NULL, " \t", &s2))
            l->field[l->nfields++] = f;
    }
    if (vf->count == 0)
        fail_msg("vector file %s holds no vectors", path);
}

void xp_vec_free(xp_vec_file *vf)
{
    free(vf->data);
    free(vf->lines);
    memset(vf, 0, sizeof *vf);
}

uint8_t *xp_test_unhex(const char *hex, size_t *len)
{
    if (strcmp(hex, "-") == 0)
        hex = "";
    size_t cap = strlen(hex) / 2 + 1;
    uint8_t *buf = malloc(cap);
    xp_error err = {0};
    if (xp_hex_decode(hex, strlen(hex), buf, cap, len, &err) != 0)
        fail_msg("bad hex in a vector: %s", err.msg);
    return buf;
}

/* ---- the shipped models ------------------------------------------------------------------ */

#include "xtalproof/model.h"

#define XP_TEST_MODELS XP_TEST_VECTORS "/../../models"

xp_model *xp_test_model(const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, XP_TEST_MODELS "/%s.xpm", name);
    xp_model *m = NULL;
    xp_error err = {0};
    if (xp_model_load(p, &m, &err))
        fail_msg("%s", err.msg);
    return m;
}

xp_model *xp_test_model_v2(const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, XP_TEST_MODELS "/%s.xpm", name);
    FILE *f = fopen(p, "rb");
    if (!f)
        fail_msg("cannot open %s", p);
    uint8_t *b = malloc(1 << 20);
    size_t n = fread(b, 1, 1 << 20, f);
    fclose(f);
    memset(b + 12, 0, 16);
    memcpy(b + 12, XP_CGCNN_ARCH_V2, strlen(XP_CGCNN_ARCH_V2));
    xp_model *m = NULL;
    xp_error err = {0};
    if (xp_model_parse(b, n, &m, &err))
        fail_msg("%s", err.msg);
    free(b);
    assert_int_equal(m->arch, 2);
    return m;
}
