/* Error reporting: every fallible function returns 0 or a negative XP_E* code and,
 * where a person will read it, fills an xp_error with one sentence. */
#ifndef XTALPROOF_ERROR_H
#define XTALPROOF_ERROR_H

#include <stddef.h>

enum {
    XP_OK = 0,
    XP_EINVAL = -1,    /* bad input: malformed bytes, out-of-range value */
    XP_ENOMEM = -2,    /* allocation failed */
    XP_EIO = -3,       /* a file or device could not be read or written */
    XP_ECRYPTO = -4,   /* a cryptographic operation failed or a check did not hold */
    XP_EPASSWORD = -5, /* a password did not open a keystore */
    XP_EEXIST = -6,    /* refusing to overwrite something that exists */
    XP_ENOTFOUND = -7, /* a named thing does not exist */
    XP_EUNSUPPORTED = -8,
    XP_ENOTSTRUCTURE = -9 /* a file that is not a structure file at all (a README, a CSV) */
};

#define XP_ERROR_MAX 512

typedef struct xp_error {
    int code;
    char msg[XP_ERROR_MAX];
} xp_error;

/* Sets err (if not NULL) to code and a printf-formatted sentence; returns code. */
int xp_error_set(xp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the sentence already in err (if not NULL) with "<fmt>: " and returns code, the code
 * of the failure being described (err may be NULL: the code is kept either way). */
int xp_error_prefix(xp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void xp_error_clear(xp_error *err);

/* A short name for a code, such as "invalid input". */
const char *xp_strerror(int code);

#endif
