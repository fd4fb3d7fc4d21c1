/* Solidity ABI: types from their text, encoding and strict decoding of values, function
 * selectors, event topics and log decoding, revert data (Error(string), Panic(uint256) and
 * custom errors).
 *
 * Values are jansson JSON: uintN/intN as decimal strings (a leading '-' for negatives; "0x"
 * hex is accepted on input), address as "0x" + 40 hex digits, bool as true/false, bytesN and
 * bytes as "0x" hex, string as a JSON string, T[], T[k] and tuples as JSON arrays. */
#ifndef XTALPROOF_ABI_H
#define XTALPROOF_ABI_H

/* jansson's JSON values, declared without its header (callers include <jansson.h> to use them) */
typedef struct json_t json_t;
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"

enum {
    XP_ABI_UINT,
    XP_ABI_INT,
    XP_ABI_ADDRESS,
    XP_ABI_BOOL,
    XP_ABI_FBYTES, /* bytesN */
    XP_ABI_BYTES,
    XP_ABI_STRING,
    XP_ABI_ARRAY,  /* T[] */
    XP_ABI_FARRAY, /* T[k] */
    XP_ABI_TUPLE
};

typedef struct xp_abi_type {
    int kind;
    unsigned bits;   /* N of uintN/intN; N of bytesN */
    size_t len;      /* k of T[k] */
    struct xp_abi_type *elem; /* T of T[] and T[k] */
    size_t n;        /* tuple components */
    struct xp_abi_type **comps;
} xp_abi_type;

/* A parameter list "(type [indexed] [name], ...)" as in signatures and event declarations. */
typedef struct xp_abi_params {
    char *name; /* the function, event or error name (may be empty) */
    size_t n;
    xp_abi_type **types;
    int *indexed;
    char **names;
} xp_abi_params;

/* Refuses what no contract can declare and no data can bound: arrays whose elements take no
 * bytes (of empty tuples), zero-length fixed arrays, and static arrays of more than 1 GiB. */
int xp_abi_type_parse(const char *text, xp_abi_type **t, xp_error *err);
void xp_abi_type_free(xp_abi_type *t);
/* Canonical text (uint → uint256, tuple(...) → (...)); malloc'd. */
char *xp_abi_type_canonical(const xp_abi_type *t);
int xp_abi_is_dynamic(const xp_abi_type *t);

/* "name(type [indexed] [name], ...)"; the name may be absent ("(uint256,bool)"). */
int xp_abi_params_parse(const char *sig, xp_abi_params *p, xp_error *err);
void xp_abi_params_free(xp_abi_params *p);
/* "name(t1,t2)" canonical signature; malloc'd. */
char *xp_abi_params_signature(const xp_abi_params *p);
/* First 4 bytes of keccak of the canonical signature. */
int xp_abi_selector(const char *sig, uint8_t sel[4], xp_error *err);
/* keccak of the canonical event signature: topic 0. */
int xp_abi_event_topic(const char *sig, uint8_t topic[32], xp_error *err);

/* Encodes values (a JSON array, one per type) as the tuple of the types. *out is malloc'd. */
int xp_abi_encode(xp_abi_type *const *types, size_t n, const json_t *values, uint8_t **out,
                  size_t *outlen, xp_error *err);
/* Strict decoding: offsets and lengths inside the data, padding and unused high bits zero,
 * bool 0 or 1. *values is a new JSON array. */
int xp_abi_decode(xp_abi_type *const *types, size_t n, const uint8_t *data, size_t len,
                  json_t **values, xp_error *err);
/* Calldata: selector of sig then the encoded arguments. */
int xp_abi_encode_call(const char *sig, const json_t *args, uint8_t **out, size_t *outlen,
                       xp_error *err);
/* Parses command-line argument text for a type (numbers, addresses, true/false, 0x bytes,
 * strings; arrays as [a,b] and tuples as (a,b), nested). *value is new JSON. */
int xp_abi_arg_parse(const xp_abi_type *t, const char *text, json_t **value, xp_error *err);

/* Decodes a log against an event declaration "Name(type indexed a, type b, ...)": topic 0 must
 * match; indexed static values come from the topics (indexed dynamic ones stay as their
 * 32-byte hash), the rest from data. *out is a JSON object of name → value ("argN" for
 * unnamed). */
int xp_abi_decode_log(const char *event_sig, const uint8_t (*topics)[32], size_t ntopics,
                      const uint8_t *data, size_t len, json_t **out, xp_error *err);

/* Describes revert data in one sentence: "Error(\"text\")", "Panic(0x11)", or a custom error
 * named from errors[] (signatures like "Insufficient(uint256,uint256)") with its decoded
 * arguments, else "custom error 0x<selector> with N bytes". malloc'd. */
char *xp_abi_describe_revert(const uint8_t *data, size_t len, const char *const *errors,
                             size_t nerrors);

#endif
