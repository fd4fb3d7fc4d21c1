/* xtalproof trace open: one leaf of a record's inference trace with its Merkle path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/prover.h"

#define MAX_STRUCTURE ((size_t)64 << 20)

static int parse_layer(const char *text, int *layer)
{
    char *end;
    if (!text)
        return xp_cli_usage("trace open: give --layer 0..4, pooled or output");
    if (!strcmp(text, "pooled"))
        *layer = XP_TRACE_POOLED;
    else if (!strcmp(text, "output"))
        *layer = XP_TRACE_OUTPUT;
    else if ((*layer = (int)strtol(text, &end, 10)) < 0 || *layer > 4 || *end || !*text)
        return xp_cli_usage("trace open: --layer must be 0..4, pooled or output");
    return 0;
}

static int open_leaf(const char *record, const char *structure, const char *model, int layer,
                     uint32_t atom, xp_trace_opening *o, xp_error *err)
{
    char *text = NULL, *data = NULL;
    size_t len, slen;
    xp_pred_record *r = calloc(1, sizeof *r);
    xp_model *m = NULL;
    int rc = r ? 0 : xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!rc && !(rc = xp_file_read(record, XP_PRED_MAX_BYTES, &text, &len, err)))
        rc = xp_pred_record_parse(text, len, r, err);
    if (!rc)
        rc = xp_cli_record_model(model, r, &m, err);
    if (!rc && memcmp(m->hash, r->model_hash, 32) != 0)
        rc =
            xp_error_set(err, XP_EINVAL, "%s is not the record's model (modelHash differs)", model);
    if (!rc && !(rc = xp_file_read(structure, MAX_STRUCTURE, &data, &slen, err)))
        rc = xp_trace_open(m, structure, data, slen, layer, atom, o, err);
    if (!rc && memcmp(o->trace_root, r->trace_root, 32) != 0)
        rc = xp_error_set(err, XP_ECRYPTO,
                          "%s and the model give another trace root than the record's", structure);
    free(text);
    free(data);
    free(r);
    xp_model_free(m);
    return rc;
}

int xp_cmd_trace(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "open") != 0)
        return xp_cli_usage("trace: expected \"trace open\"");
    xp_opt o[] = {
        {"layer", 0, 0}, {"atom", 0, 0}, {"structure", 0, 0}, {"model", 0, 0}, {"out", 0, 0}};
    const int no = 5;
    const char *pos[1];
    int npos, layer = 0;
    if (xp_cli_parse("trace open", argc - 1, argv + 1, o, no, pos, 1, &npos))
        return XP_EXIT_USAGE;
    if (npos != 1 || !xp_cli_get(o, no, "structure"))
        return xp_cli_usage("trace open: give RECORD.json and --structure FILE");
    if (parse_layer(xp_cli_get(o, no, "layer"), &layer))
        return XP_EXIT_USAGE;
    const char *at = xp_cli_get(o, no, "atom");
    char *end;
    long atom = at ? strtol(at, &end, 10) : 0;
    if (layer < 5 && !at)
        return xp_cli_usage("trace open: layer %d needs --atom A", layer);
    if (layer >= 5 && at)
        return xp_cli_usage("trace open: the pooled and output leaves take no --atom");
    if (at && (!*at || *end || atom < 0 || atom >= XP_PRED_MAX_ATOMS))
        return xp_cli_usage("trace open: --atom must be an atom index from 0");
    xp_trace_opening *op = calloc(1, sizeof *op);
    xp_error err = {0};
    int rc = op ? open_leaf(pos[0], xp_cli_get(o, no, "structure"), xp_cli_get(o, no, "model"),
                            layer, (uint32_t)atom, op, &err)
                : xp_error_set(&err, XP_ENOMEM, "out of memory");
    char *json = rc ? NULL : xp_trace_opening_json(op);
    free(op);
    return rc ? xp_cli_fail(&err) : xp_cli_emit(xp_cli_get(o, no, "out"), json, "the opening");
}
