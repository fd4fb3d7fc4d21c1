/* xtalproof proof | verify-proof | consistency: inclusion and consistency proofs as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xtalproof/symhash.h"
#include "xtalproof/bytes.h"
#include "xtalproof/proofdoc.h"
#include "xtalproof/store.h"

#define MAX_PROOF_FILE (1 << 20)

static int parse_u32(const char *cmd, const char *opt, const char *text, uint32_t *out)
{
    char *end;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (!text || !*text || *end || text[0] == '-' || v == 0 || v > UINT32_MAX)
        return xp_cli_usage("%s: --%s must be a version number from 1", cmd, opt);
    *out = (uint32_t)v;
    return 0;
}

/* The symhash a FILE|SYMHASH argument names: the hex itself, or the file's one structure. */
static int target_symhash(const char *arg, uint8_t symhash[32], xp_error *err)
{
    if (strncmp(arg, "0x", 2) == 0 && strlen(arg) == 66)
        return xp_hex_decode_exact(arg, symhash, 32, err);
    return xp_cli_symhash_of_file(arg, symhash, err);
}

int xp_cli_make_inclusion(xp_store *s, const char *name, uint32_t number, const char *arg,
                          xp_inclusion_doc *doc, xp_error *err)
{
    uint8_t symhash[32];
    int rc = target_symhash(arg, symhash, err);
    return rc ? rc : xp_inclusion_doc_make(s, name, number, symhash, arg, doc, err);
}

/* What proof and consistency print: the document a builder makes from the store. */
typedef struct doc_args {
    const char *dataset, *target;
    uint32_t a, b;
} doc_args;
typedef char *(*doc_builder)(xp_store *s, const doc_args *args, xp_error *err);

static int print_doc(doc_builder build, const doc_args *args)
{
    xp_store *s;
    int rc = xp_cli_store_open(&s);
    if (rc)
        return rc;
    xp_error err = {0};
    char *json = build(s, args, &err);
    if (json)
        fputs(json, stdout);
    else
        rc = xp_cli_fail(&err);
    free(json);
    xp_store_close(s);
    return rc;
}

static char *inclusion_json(xp_store *s, const doc_args *args, xp_error *err)
{
    xp_inclusion_doc doc;
    if (xp_cli_make_inclusion(s, args->dataset, args->a, args->target, &doc, err))
        return NULL;
    char *json = xp_inclusion_doc_json(&doc);
    if (!json)
        xp_error_set(err, XP_ENOMEM, "out of memory writing the proof");
    return json;
}

int xp_cmd_proof(int argc, char **argv)
{
    xp_opt o[] = {{"dataset", 0, 0}, {"version", 0, 0}};
    const char *pos[1];
    int npos;
    uint32_t number = 0;
    if (xp_cli_parse("proof", argc, argv, o, 2, pos, 1, &npos))
        return XP_EXIT_USAGE;
    if (!xp_cli_get(o, 2, "dataset") || npos != 1)
        return xp_cli_usage("proof: give --dataset NAME and one FILE or SYMHASH");
    if (xp_cli_get(o, 2, "version") &&
        parse_u32("proof", "version", xp_cli_get(o, 2, "version"), &number))
        return XP_EXIT_USAGE;
    doc_args args = {xp_cli_get(o, 2, "dataset"), pos[0], number, 0};
    return print_doc(inclusion_json, &args);
}

static int invalid(const xp_error *err)
{
    printf("invalid: %s\n", err->msg);
    return XP_EXIT_FAIL;
}

int xp_cmd_verify_proof(int argc, char **argv)
{
    xp_opt o[] = {{"structure", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("verify-proof", argc, argv, o, 1, pos, 1, &npos))
        return XP_EXIT_USAGE;
    if (npos != 1)
        return xp_cli_usage("verify-proof: give PROOF.json");
    xp_error err = {0};
    char *text;
    size_t len;
    xp_inclusion_doc doc;
    xp_record rec;
    if (xp_file_read(pos[0], MAX_PROOF_FILE, &text, &len, &err))
        return invalid(&err);
    int rc = xp_inclusion_doc_parse(text, len, &doc, &err);
    free(text);
    if (rc)
        xp_error_prefix(&err, rc, "%s", pos[0]);
    if (rc || xp_inclusion_doc_verify(&doc, &rec, &err))
        return invalid(&err);
    const char *file = xp_cli_get(o, 1, "structure");
    int same_bytes = -1;
    if (file) {
        xp_file_ids ids;
        if (xp_file_ids_of_file(file, XP_CLI_MAX_FILE, &ids, &err))
            return invalid(&err);
        int found = 0;
        for (size_t i = 0; i < ids.n; i++)
            found |= memcmp(ids.symhash[i], rec.symhash, 32) == 0;
        same_bytes = memcmp(ids.sha256, rec.content_sha256, 32) == 0;
        xp_file_ids_free(&ids);
        /* the registered bytes prove the file even when the leaf's symhash is of an earlier
         * symhash version (records made before version 4 keep their leaves) */
        if (!found && same_bytes == 1)
            same_bytes = 2;
        else if (!found) {
            xp_error_set(&err, XP_ECRYPTO,
                         "%s is not the structure of the leaf (its symhash "
                         "differs)",
                         file);
            return invalid(&err);
        }
    }
    char sym[67], root[67];
    printf("valid: record %llu of dataset %s version %u (%llu %s), root %s, symhash %s%s\n",
           (unsigned long long)doc.index, doc.dataset, doc.version, (unsigned long long)doc.size,
           xp_cli_plural(doc.size, "record", "records"), xp_hex_encode(doc.root, 32, root, 1),
           xp_hex_encode(rec.symhash, 32, sym, 1),
           same_bytes == 1   ? "; the structure file is the registered one, byte for byte"
           : same_bytes == 2 ? "; the structure file is the registered one, byte for byte, and "
                               "the leaf holds an earlier version's symhash (xtalproof dataset "
                               "rehash re-keys the dataset)"
           : same_bytes == 0 ? "; the structure file is the same crystal written differently"
                             : "");
    printf("compare the root with the dataset's anchored root of that version\n");
    return XP_EXIT_OK;
}

static int verify_consistency_file(const char *path)
{
    xp_error err = {0};
    char *text;
    size_t len;
    xp_consistency_doc doc;
    if (xp_file_read(path, MAX_PROOF_FILE, &text, &len, &err))
        return invalid(&err);
    int rc = xp_consistency_doc_parse(text, len, &doc, &err);
    free(text);
    if (rc || xp_consistency_doc_verify(&doc, &err))
        return invalid(&err);
    printf("valid: dataset %s version %u (%llu %s) only appended to version %u (%llu %s)\n",
           doc.dataset, doc.to_version, (unsigned long long)doc.to_size,
           xp_cli_plural(doc.to_size, "record", "records"), doc.from_version,
           (unsigned long long)doc.from_size, xp_cli_plural(doc.from_size, "record", "records"));
    return XP_EXIT_OK;
}

static char *consistency_json(xp_store *s, const doc_args *args, xp_error *err)
{
    xp_consistency_doc doc;
    if (xp_consistency_doc_make(s, args->dataset, args->a, args->b, &doc, err))
        return NULL;
    char *json = xp_consistency_doc_json(&doc);
    if (!json)
        xp_error_set(err, XP_ENOMEM, "out of memory writing the proof");
    return json;
}

int xp_cmd_consistency(int argc, char **argv)
{
    xp_opt o[] = {{"dataset", 0, 0}, {"from", 0, 0}, {"to", 0, 0}, {"verify", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("consistency", argc, argv, o, 4, pos, 0, &npos))
        return XP_EXIT_USAGE;
    const char *vf = xp_cli_get(o, 4, "verify");
    if (vf) {
        if (xp_cli_get(o, 4, "dataset") || xp_cli_get(o, 4, "from") || xp_cli_get(o, 4, "to"))
            return xp_cli_usage("consistency: --verify FILE takes no other option");
        return verify_consistency_file(vf);
    }
    uint32_t from = 0, to = 0;
    if (!xp_cli_get(o, 4, "dataset"))
        return xp_cli_usage("consistency: give --dataset NAME --from M --to N, or --verify FILE");
    if (parse_u32("consistency", "from", xp_cli_get(o, 4, "from"), &from) ||
        parse_u32("consistency", "to", xp_cli_get(o, 4, "to"), &to))
        return XP_EXIT_USAGE;
    doc_args args = {xp_cli_get(o, 4, "dataset"), NULL, from, to};
    return print_doc(consistency_json, &args);
}
