/* Strict JSON field readers shared by the prover's parsers (records and trace openings). Each
 * names the document kind (what) and the field in its sentence. */
#ifndef XTALPROOF_PROVER_JSONREAD_H
#define XTALPROOF_PROVER_JSONREAD_H

#include <jansson.h>
#include <stdint.h>

#include "xtalproof/error.h"

/* Writes o (and releases it) with the flags, a newline after it; malloc'd, NULL when out of
 * memory or o is NULL. */
char *xp_jr_dump(json_t *o, size_t flags);
/* Loads an object, refusing duplicate keys and anything but an object. */
json_t *xp_jr_load(const char *what, const char *text, size_t len, xp_error *err);
/* Refuses keys other than the NULL-terminated list. */
int xp_jr_known(const char *what, json_t *o, const char *const *keys, xp_error *err);
int xp_jr_uint(const char *what, json_t *o, const char *name, uint64_t min, uint64_t max,
               uint64_t *out, xp_error *err);
int xp_jr_int(const char *what, json_t *o, const char *name, int64_t *out, xp_error *err);
/* "0x" and exactly 2n hex digits. */
int xp_jr_hex(const char *what, json_t *o, const char *name, uint8_t *out, size_t n, xp_error *err);
int xp_jr_hex_value(const char *what, json_t *v, const char *name, uint8_t *out, size_t n,
                    xp_error *err);
/* Printable ASCII of 1..max characters into out (max + 1 bytes). */
int xp_jr_text(const char *what, json_t *o, const char *name, char *out, size_t max, xp_error *err);
int xp_jr_address(const char *what, json_t *o, const char *name, uint8_t out[20], xp_error *err);

#endif
