/* What the watchtower and the `challenge` command need at hand to check a reveal: the model whose
 * weights root the registration names, the structure files by their structureRoot, and the check
 * itself (the inference re-run, compared with the reveal, a challenge when it differs). */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/model.h"
#include "xtalproof/prover.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"

/* A file's structureRoot (one structure in it); nonzero when it is no such file. */
static int root_of_file(const char *path, uint8_t root[32])
{
    xp_read_opts opts = {.max_bytes = XP_DISPUTE_MAX_STRUCTURE};
    xp_structure_list list;
    if (xp_read_structures(path, &opts, &list, NULL))
        return -1;
    int rc = list.n == 1 ? xp_structure_root(list.items[0], root, NULL) : -1;
    xp_structure_list_free(&list);
    return rc;
}

/* The model whose weightsRoot is `root`: `given`, else the first of the model folders' .xpm files
 * that has it. */
int xp_dispute_model_for_root(const char *given, const uint8_t root[32], xp_model **m, xp_error *err)
{
    char path[4096];
    uint8_t (*lh)[32] = malloc(XP_WL_COUNT * 32), r[32];
    if (!lh)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    int rc = XP_ENOTFOUND;
    if (given) {
        if (!(rc = xp_model_open(given, m, path, sizeof path, err)) && (*m)->arch == 3) {
            xp_weights_tree(*m, lh, r);
            if (memcmp(r, root, 32)) {
                xp_model_free(*m);
                *m = NULL;
                rc = xp_error_set(err, XP_EINVAL, "%s is not the reveal's model (its weightsRoot "
                                  "is not the registered one)", path);
            }
        }
        free(lh);
        return rc;
    }
    const char *dirs[XP_MODEL_DIRS_MAX];
    int nd = xp_model_dirs(dirs, XP_MODEL_DIRS_MAX);
    for (int i = 0; i < nd && rc; i++) {
        DIR *d = opendir(dirs[i]);
        struct dirent *e;
        while (rc && d && (e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (l < 5 || strcmp(e->d_name + l - 4, ".xpm"))
                continue;
            snprintf(path, sizeof path, "%s/%s", dirs[i], e->d_name);
            if (xp_model_load(path, m, NULL))
                continue;
            if ((*m)->arch == 3) {
                xp_weights_tree(*m, lh, r);
                if (!memcmp(r, root, 32)) {
                    rc = XP_OK;
                    break;
                }
            }
            xp_model_free(*m);
            *m = NULL;
        }
        if (d)
            closedir(d);
    }
    free(lh);
    if (rc) {
        char h[67];
        return xp_error_set(err, XP_ENOTFOUND, "no model in the model folders has weightsRoot %s: "
                            "give --model FILE", xp_hex32(root, h));
    }
    return XP_OK;
}


/* The structure files of --structure (a file or a folder) and the positional arguments, each
 * with its structureRoot (files that do not read are passed over). */
int xp_dispute_files(const char *opt, const char *const *pos, int npos, xp_dispute_file **out,
                     size_t *n,
                           xp_error *err)
{
    xp_dispute_file *f = calloc(XP_DISPUTE_MAX_FILES, sizeof *f);
    if (!f)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    *n = 0;
    for (int a = -1; a < npos; a++) {
        const char *p = a < 0 ? opt : pos[a];
        struct stat st;
        if (!p)
            continue;
        if (stat(p, &st)) {
            free(f);
            return xp_error_set(err, XP_ENOTFOUND, "%s does not exist", p);
        }
        DIR *d = S_ISDIR(st.st_mode) ? opendir(p) : NULL;
        struct dirent *e;
        if (!d && *n < XP_DISPUTE_MAX_FILES)
            snprintf(f[(*n)++].path, sizeof f->path, "%s", p);
        while (d && (e = readdir(d)) && *n < XP_DISPUTE_MAX_FILES)
            if (e->d_name[0] != '.')
                snprintf(f[(*n)++].path, sizeof f->path, "%.3000s/%.1000s", p, e->d_name);
        if (d)
            closedir(d);
    }
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (!root_of_file(f[i].path, f[i].root))
            f[k++] = f[i];
    }
    *n = k;
    *out = f;
    return XP_OK;
}

const xp_dispute_file *xp_dispute_file_of_root(const xp_dispute_file *f, size_t n,
                                               const uint8_t root[32])
{
    for (size_t i = 0; i < n; i++)
        if (!memcmp(f[i].root, root, 32))
            return &f[i];
    return NULL;
}

/* Re-runs the inference of one reveal, compares it with what was revealed, and challenges it
 * when it differs (or when forced); one JSON line for the check, one per transaction. */
int xp_dispute_check_reveal(xp_chain *c, const xp_dispute_check *k, const xp_reveal *rv,
                            json_t *actions,
                        xp_error *err)
{
    char *data = NULL, h[2][67];
    size_t len = 0;
    xp_trace3 t;
    int rc = xp_file_read(k->structure, XP_DISPUTE_MAX_STRUCTURE, &data, &len, err);
    if (!rc)
        rc = xp_trace3_run(k->m, k->structure, data, len, &t, err);
    free(data);
    if (rc)
        return rc;
    int value_ok = rv->value_fits && rv->value_q == t.value_q;
    int trace_ok = !memcmp(rv->trace_root, t.trace_root, 32);
    const char *verdict = rv->lost ? "lost" : value_ok && trace_ok ? "honest" : "false";
    char why[200];
    snprintf(why, sizeof why, "%s%s%s", value_ok ? "" : "valueQ differs",
             !value_ok && !trace_ok ? "; " : "", trace_ok ? "" : "traceRoot differs");
    json_array_append_new(
        actions, json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:s}", "action", "check",
                           "round", (json_int_t)k->round, "target", (json_int_t)k->target,
                           "reveal", (json_int_t)k->reveal, "verdict", verdict, "revealedValueQ",
                           rv->value_q_text, "revealedTraceRoot", xp_hex32(rv->trace_root, h[0]),
                           "valueQ", t.value_q, "traceRoot", xp_hex32(t.trace_root, h[1]),
                           "differs", why));
    xp_trace3_free(&t);
    uint64_t id = 0;
    if (!rv->lost && (strcmp(verdict, "honest") || k->force))
        rc = xp_dispute_open(c, k->round, k->target, k->reveal, &id, actions, err);
    return rc;
}


/* The registered weightsRoot of a model id (ModelRegistry.getModel). */
int xp_dispute_weights_root(xp_chain *c, uint64_t model_id, uint8_t root[32], xp_error *err)
{
    json_t *a = json_pack("[o]", json_sprintf("%llu", (unsigned long long)model_id)), *out = NULL;
    int rc = xp_chain_call(c, c->d.address[XP_C_MODELS], "getModel(uint256)", a,
                           "((bytes32,bytes32,bytes32,bytes32,bytes32,address,uint64,string,"
                           "uint256[]))",
                           &out, err);
    json_decref(a);
    const char *w = json_string_value(json_array_get(json_array_get(out, 0), 1));
    if (!rc && (!w || xp_hex_decode_exact(w, root, 32, NULL)))
        rc = xp_error_set(err, XP_EIO, "getModel(%llu): no weightsRoot",
                          (unsigned long long)model_id);
    json_decref(out);
    return rc;
}

