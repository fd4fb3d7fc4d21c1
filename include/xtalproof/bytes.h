/* Hex and byte helpers, and whole-file I/O. */
#ifndef XTALPROOF_BYTES_H
#define XTALPROOF_BYTES_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "xtalproof/error.h"

/* Writes 2*n lowercase hex digits and a NUL to out (which holds 2*n+1, or 2*n+3 with prefix).
 * With prefix, "0x" comes first. Returns out. */
char *xp_hex_encode(const uint8_t *in, size_t n, char *out, int prefix);

/* Decodes hex text of length len (an optional 0x/0X prefix is skipped) into out, which holds
 * cap bytes; *outlen gets the byte count. Odd length, a non-hex digit or too little room is an
 * XP_EINVAL with a sentence naming the position. */
int xp_hex_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                  xp_error *err);

/* Decodes NUL-terminated hex that must be exactly n bytes. */
int xp_hex_decode_exact(const char *text, uint8_t *out, size_t n, xp_error *err);

/* Compares in constant time, as memcmp answers equality: 0 when equal, 1 when not (no order). */
int xp_memcmp_ct(const void *a, const void *b, size_t n);

/* "0x" and the 64 hex digits of 32 bytes into out; returns out. */
const char *xp_hex32(const uint8_t b[32], char out[67]);

/* Overwrites n bytes at p with zeros in a way the compiler cannot drop. */
void xp_wipe(void *p, size_t n);

/* What a stat mode is, in words for a sentence: "a FIFO (named pipe)", "a socket", ... */
const char *xp_file_kind(mode_t mode);
/* A file descriptor open for reading on path, which must be a regular file: a FIFO, socket,
 * device or directory is refused with a sentence naming it, without waiting (a FIFO is opened
 * non-blocking, then checked). Negative (an XP_E* code, err set) on failure. */
int xp_file_open_regular(const char *path, xp_error *err);
/* The same as a stdio stream ("rb"); NULL with err set on a failure. */
FILE *xp_file_fopen_regular(const char *path, xp_error *err);

/* Reads a whole file (at most max bytes, else XP_EINVAL) into a NUL-terminated malloc'd
 * buffer; free it with free(). Only a regular file (xp_file_open_regular). */
int xp_file_read(const char *path, size_t max, char **data, size_t *len, xp_error *err);

/* Creates path with the given mode, holding exactly data; never replaces an existing file
 * (XP_EEXIST) and never leaves a partial one: the bytes go to a temporary file in the same
 * folder, are synced, and are linked into place in one step. */
int xp_file_create_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          xp_error *err);

/* Writes path (mode) to hold exactly data, replacing it if it exists, never leaving a partial
 * file: a synced temporary file beside it, renamed into place. */
int xp_file_replace(const char *path, const void *data, size_t len, mode_t mode, xp_error *err);

/* The JSON text of o (the reference is stolen; NULL gives NULL) as json_dumps writes it with
 * flags, and a closing newline; malloc'd, NULL when out of memory. */
struct json_t;
char *xp_json_line(struct json_t *o, size_t flags);
/* json_load_file for a regular file only, of at most XP_JSON_FILE_MAX bytes (xp_file_read: a
 * FIFO or device is refused, not waited on); on a failure to read, je->text names the file
 * and why, je->line is -1. Include <jansson.h> before this header to use it. */
#define XP_JSON_FILE_MAX ((size_t)256 << 20)
#ifdef JANSSON_H
json_t *xp_json_load_file(const char *path, size_t flags, json_error_t *je);
#endif

/* A clock's reading in seconds (CLOCK_MONOTONIC for durations, CLOCK_PROCESS_CPUTIME_ID for
 * CPU time). */
double xp_clock_seconds(clockid_t id);

/* The folder of the node's home (its store, deployments, keys): $XTALPROOF_HOME, else
 * $HOME/.xtalproof. */
int xp_home_dir(char *out, size_t cap, xp_error *err);

/* The word of the list closest to a mistyped one (letters swapped, missing, extra or wrong: at
 * most 2 edits, fewer than half its length), or NULL: for "did you mean ...?". */
const char *xp_closest_word(const char *word, const char *const *list, size_t n);

/* Reads a password file: its first line, without the line ending. Empty is allowed. */
/* A warning on standard error when the secret file (a keystore, a password file: what) can be
 * read or written by its group or others. xp_password_file_read and xp_keystore_load call it. */
void xp_file_warn_shared(const char *path, const char *what);
int xp_password_file_read(const char *path, char **password, xp_error *err);

#endif
