/* Helpers for the unit tests: reading vector files of whitespace-separated fields. */
#ifndef XTALPROOF_TESTUTIL_H
#define XTALPROOF_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#define XP_TEST_MAX_FIELDS 8

typedef struct xp_vec_line {
    int lineno;
    int nfields;
    char *field[XP_TEST_MAX_FIELDS];
} xp_vec_line;

typedef struct xp_vec_file {
    char *data;
    xp_vec_line *lines;
    size_t count;
} xp_vec_file;

/* Loads a vector file (blank and '#' lines skipped); fails the test if it cannot. */
void xp_vec_load(const char *path, xp_vec_file *vf);
void xp_vec_free(xp_vec_file *vf);

/* Decodes hex (or "-" for empty) into a malloc'd buffer; fails the test on bad hex. */
uint8_t *xp_test_unhex(const char *hex, size_t *len);

/* Reads a whole file, failing the test if it cannot; trailing white space removed. */
char *xp_test_slurp(const char *path);

/* A shipped model (models/NAME.xpm), and the same weights as the cgcnn-q16-v2 file it was before
 * (the header's architecture field rewritten): the model of version-1 records. Fail the test if
 * they cannot be read. */
struct xp_model;
struct xp_model *xp_test_model(const char *name);
struct xp_model *xp_test_model_v2(const char *name);

#endif
