/* The node_state table (nodestate.h). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "store_internal.h"
#include "xtalproof/nodestate.h"

typedef struct state_op {
    const char *name;
    const char *text; /* NULL: read */
    size_t len;
    char *out; /* read: malloc'd copy */
    size_t out_len;
} state_op;

static int name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > XP_NODE_STATE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x21 || name[i] > 0x7e)
            return 0;
    return 1;
}

/* In a write transaction, so the table is created on first use. */
static int state_body(xp_store *s, MDB_txn *t, void *ctx, xp_error *err)
{
    (void)s;
    state_op *op = ctx;
    MDB_dbi dbi;
    int rc = mdb_dbi_open(t, "node_state", MDB_CREATE, &dbi);
    if (rc)
        return xp_store_mdb_fail(err, rc, "opening the node_state table");
    MDB_val k = {strlen(op->name), (void *)op->name}, v;
    if (op->text) {
        /* the same document again (a worker's pass that changed nothing): no write, so the
         * commit has nothing to sync */
        if (!mdb_get(t, dbi, &k, &v) && v.mv_size == op->len &&
            !memcmp(v.mv_data, op->text, op->len))
            return XP_OK;
        v.mv_size = op->len;
        v.mv_data = (void *)op->text;
        if ((rc = mdb_put(t, dbi, &k, &v, 0)))
            return xp_store_mdb_fail(err, rc, "writing the node state");
        return XP_OK;
    }
    rc = mdb_get(t, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return xp_error_set(err, XP_ENOTFOUND, "no node state \"%s\"", op->name);
    if (rc)
        return xp_store_mdb_fail(err, rc, "reading the node state");
    if (v.mv_size > XP_NODE_STATE_MAX_BYTES || !(op->out = malloc(v.mv_size + 1)))
        return xp_error_set(err, XP_ENOMEM, "node state \"%s\": %zu bytes", op->name, v.mv_size);
    memcpy(op->out, v.mv_data, v.mv_size);
    op->out[v.mv_size] = '\0';
    op->out_len = v.mv_size;
    return XP_OK;
}

int xp_node_state_get(xp_store *s, const char *name, json_t **doc, xp_error *err)
{
    *doc = NULL;
    if (!name_ok(name))
        return xp_error_set(err, XP_EINVAL, "a node state name is 1 to %d printable bytes",
                            XP_NODE_STATE_NAME_MAX);
    state_op op = {name, NULL, 0, NULL, 0};
    int rc = xp_store_write(s, state_body, &op, err);
    if (rc)
        return rc;
    json_error_t je;
    *doc = json_loadb(op.out, op.out_len, JSON_REJECT_DUPLICATES, &je);
    free(op.out);
    if (!json_is_object(*doc)) {
        json_decref(*doc);
        *doc = NULL;
        return xp_error_set(err, XP_EIO, "store: node state \"%s\" is damaged (%s)", name,
                            je.text[0] ? je.text : "not an object");
    }
    return XP_OK;
}

int xp_node_state_put(xp_store *s, const char *name, const json_t *doc, xp_error *err)
{
    if (!name_ok(name))
        return xp_error_set(err, XP_EINVAL, "a node state name is 1 to %d printable bytes",
                            XP_NODE_STATE_NAME_MAX);
    if (!json_is_object(doc))
        return xp_error_set(err, XP_EINVAL, "node state \"%s\": not a JSON object", name);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    size_t len = strlen(text);
    int rc =
        len > XP_NODE_STATE_MAX_BYTES
            ? xp_error_set(err, XP_EINVAL, "node state \"%s\": %zu bytes is too large", name, len)
            : 0;
    state_op op = {name, text, len, NULL, 0};
    if (!rc)
        rc = xp_store_write(s, state_body, &op, err);
    free(text);
    return rc;
}

static int names_body(xp_store *s, MDB_txn *t, void *ctx, xp_error *err)
{
    (void)s;
    json_t *names = ctx;
    MDB_dbi dbi;
    MDB_cursor *cur;
    int rc = mdb_dbi_open(t, "node_state", MDB_CREATE, &dbi);
    if (rc || (rc = mdb_cursor_open(t, dbi, &cur)))
        return xp_store_mdb_fail(err, rc, "opening the node_state table");
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        json_array_append_new(names, json_stringn(k.mv_data, k.mv_size));
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? XP_OK : xp_store_mdb_fail(err, rc, "reading the node_state table");
}

int xp_node_state_names(xp_store *s, json_t **names, xp_error *err)
{
    *names = json_array();
    int rc = *names ? xp_store_write(s, names_body, *names, err)
                    : xp_error_set(err, XP_ENOMEM, "out of memory");
    if (rc) {
        json_decref(*names);
        *names = NULL;
    }
    return rc;
}
