/* RLP (Ethereum's Recursive Length Prefix), strict: the decoder refuses every non-canonical
 * form (a single byte below 0x80 wrapped as a string, a long form for a short payload, length
 * bytes with leading zeros, lengths past the input, trailing bytes). */
#ifndef XTALPROOF_RLP_H
#define XTALPROOF_RLP_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"

/* ---- encoding: a growing buffer ---------------------------------------------------- */

typedef struct xp_rlp_buf {
    uint8_t *p;
    size_t len, cap;
    int oom; /* set once an allocation failed; everything after is dropped */
} xp_rlp_buf;

void xp_rlp_buf_init(xp_rlp_buf *b);
void xp_rlp_buf_free(xp_rlp_buf *b);
/* Appends raw bytes, no header (for a type byte or an already encoded item). */
void xp_rlp_raw(xp_rlp_buf *b, const void *data, size_t n);
/* A byte string. */
void xp_rlp_bytes(xp_rlp_buf *b, const void *data, size_t n);
/* An unsigned integer: big-endian without leading zeros (zero is the empty string). */
void xp_rlp_uint(xp_rlp_buf *b, uint64_t v);
/* An unsigned integer given as big-endian bytes; leading zeros are stripped. */
void xp_rlp_uint_be(xp_rlp_buf *b, const uint8_t *be, size_t n);
/* Lists: begin returns a mark, end writes the header in front of what came since. */
size_t xp_rlp_list_begin(xp_rlp_buf *b);
void xp_rlp_list_end(xp_rlp_buf *b, size_t mark);

/* ---- decoding ------------------------------------------------------------------------ */

typedef struct xp_rlp_item {
    const uint8_t *p; /* the payload (string bytes, or the encoded items of a list) */
    size_t len;
    int is_list;
} xp_rlp_item;

/* Reads one item at the start of in[0..n); *used gets its encoded size. */
int xp_rlp_decode_next(const uint8_t *in, size_t n, xp_rlp_item *item, size_t *used,
                       xp_error *err);
/* The whole input must be exactly one item. */
int xp_rlp_decode(const uint8_t *in, size_t n, xp_rlp_item *item, xp_error *err);
/* Walks the items of a list: returns 1 with the next item, 0 at the end, <0 on an error. */
typedef struct xp_rlp_iter {
    const uint8_t *p;
    size_t left;
} xp_rlp_iter;
void xp_rlp_iter_init(xp_rlp_iter *it, const xp_rlp_item *list);
int xp_rlp_iter_next(xp_rlp_iter *it, xp_rlp_item *item, xp_error *err);
/* Counts the items of a list (checking each); <0 on an error. */
int xp_rlp_list_count(const xp_rlp_item *list, size_t *count, xp_error *err);
/* A string item as an unsigned integer of at most max bytes (8 for uint64): refuses lists,
 * leading zeros and oversize values. */
int xp_rlp_to_uint64(const xp_rlp_item *it, uint64_t *v, xp_error *err);
int xp_rlp_to_uint_be(const xp_rlp_item *it, size_t max, uint8_t *out, size_t *n,
                      xp_error *err);
/* Nested decoding to JSON text: strings as "0x…" hex, lists as arrays. malloc'd. */
int xp_rlp_to_json(const uint8_t *in, size_t n, char **json, xp_error *err);

#endif
