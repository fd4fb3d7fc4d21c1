#include "xtalproof/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int xp_error_set(xp_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int xp_error_prefix(xp_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    char head[XP_ERROR_MAX], old[XP_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    old[sizeof old - 1] = '\0';
    /* head, ": ", then as much of the old sentence as fits */
    size_t n = strlen(head);
    memcpy(err->msg, head, n);
    if (n + 2 < sizeof err->msg) {
        memcpy(err->msg + n, ": ", 2);
        n += 2;
        size_t rest = strlen(old);
        if (rest > sizeof err->msg - 1 - n)
            rest = sizeof err->msg - 1 - n;
        memcpy(err->msg + n, old, rest);
        n += rest;
    }
    err->msg[n] = '\0';
    if (code)
        err->code = code;
    return code ? code : err->code;
}

void xp_error_clear(xp_error *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

const char *xp_strerror(int code)
{
    switch (code) {
    case XP_OK: return "ok";
    case XP_EINVAL: return "invalid input";
    case XP_ENOMEM: return "out of memory";
    case XP_EIO: return "input/output error";
    case XP_ECRYPTO: return "cryptographic check failed";
    case XP_EPASSWORD: return "wrong password";
    case XP_EEXIST: return "already exists";
    case XP_ENOTFOUND: return "not found";
    case XP_EUNSUPPORTED: return "not supported";
    case XP_ENOTSTRUCTURE: return "not a structure file";
    default: return "unknown error";
    }
}
