/* The node's working state in its store: small named JSON documents that the daemon's workers
 * keep between runs (the round watcher's cursor and what it saw, the oracle's progress), one
 * LMDB table "node_state" from a name to the document's text. A document is replaced whole in
 * one transaction, so a crash leaves the old one or the new one, never a mix. */
#ifndef XTALPROOF_NODESTATE_H
#define XTALPROOF_NODESTATE_H

/* jansson's JSON values, declared without its header (callers include <jansson.h> to use them) */
typedef struct json_t json_t;
#include <stddef.h>

#include "xtalproof/error.h"
#include "xtalproof/store.h"

#define XP_NODE_STATE_NAME_MAX 128
#define XP_NODE_STATE_MAX_BYTES ((size_t)64 << 20)

/* The document under name (1..XP_NODE_STATE_NAME_MAX printable ASCII bytes) as a new
 * reference; XP_ENOTFOUND when there is none, XP_EIO when the stored text is not a JSON object
 * (a damaged store). */
int xp_node_state_get(xp_store *s, const char *name, json_t **doc, xp_error *err);
/* Replaces the document under name with doc (a JSON object, serialized with sorted keys). */
int xp_node_state_put(xp_store *s, const char *name, const json_t *doc, xp_error *err);
/* The names of the stored documents, in byte order, as a new JSON array of strings. */
int xp_node_state_names(xp_store *s, json_t **names, xp_error *err);

#endif
