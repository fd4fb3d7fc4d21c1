/* Shared by the files of the binding API (include/xtalproof/api.h): the handles are the
 * library's own structs behind opaque names, and errors are copied into the API's struct. */
#ifndef XTALPROOF_API_INTERNAL_H
#define XTALPROOF_API_INTERNAL_H

#include "xtalproof/api.h"
#include "xtalproof/error.h"
#include "xtalproof/model.h"
#include "xtalproof/structure.h"

/* an xtp_structure is an xp_structure, an xtp_model an xp_model with the path it came from */
struct xtp_model {
    xp_model *m;
    char path[4096];
};

static inline const xp_structure *xtp_s(const xtp_structure *s)
{
    return (const xp_structure *)(const void *)s;
}

/* Copies a library error into the API's (err may be NULL) and returns rc. */
int xtp_error_from(xtp_error *err, const xp_error *e, int rc);
/* Sets the API's error from a formatted sentence and returns code. */
int xtp_error_msg(xtp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
