/* The binding API's checks (include/xtalproof/api.h): a prediction record as `verify` checks
 * it, and the Merkle proofs' JSON as `verify-proof` and `consistency --verify`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keys.h"
#include "xtalproof/proofdoc.h"
#include "xtalproof/prover.h"

static void copy_checks(const xp_verify_report *rep, xtp_check *checks, size_t *n, size_t *failed)
{
    *n = 0;
    *failed = 0;
    for (size_t i = 0; i < rep->n && i < XTP_MAX_CHECKS; i++) {
        xtp_check *c = &checks[(*n)++];
        snprintf(c->name, sizeof c->name, "%s", rep->check[i].name);
        c->status = (int)rep->check[i].status;
        snprintf(c->reason, sizeof c->reason, "%s", rep->check[i].reason);
        *failed += c->status == XTP_CHECK_FAIL;
    }
}

static int chain_in(const xtp_verify_options *o, xp_verify_chain_in *c, xp_error *e)
{
    memset(c, 0, sizeof *c);
    c->url = o->rpc_url;
    c->timeout_ms = o->timeout_ms;
    c->from_block = o->from_block;
    if (o->dataset_id >= 0) {
        c->has_dataset_id = 1;
        c->dataset_id = (uint64_t)o->dataset_id;
    }
    if (o->provenance) {
        int rc = xp_address_parse(o->provenance, c->provenance, e);
        if (rc)
            return xp_error_prefix(e, rc, "provenance");
        c->has_provenance = 1;
    }
    return XP_OK;
}

/* everything the checks need, on the heap: a record, the openings and a report are large */
typedef struct verify_state {
    xp_pred_record rec;
    xp_openings op;
    xp_verify_report rep;
} verify_state;

int xtp_verify(const char *record, size_t len, const xtp_verify_options *opts, xtp_check *checks,
               size_t *n, size_t *failed, xtp_error *err)
{
    static const xtp_verify_options none = {.dataset_id = -1};
    const xtp_verify_options *o = opts ? opts : &none;
    xp_verify_chain_in chain;
    xp_error e = {0};
    int rc = chain_in(o, &chain, &e);
    if (rc)
        return xtp_error_from(err, &e, rc);
    if (!checks || !n || !failed)
        return xtp_error_msg(err, XTP_EINVAL, "no room for the checks");
    if (!record || len > XP_PRED_MAX_BYTES)
        return xtp_error_msg(err, XTP_EINVAL, "the record is missing or larger than %d bytes",
                             XP_PRED_MAX_BYTES);
    verify_state *v = calloc(1, sizeof *v);
    if (!v)
        return xtp_error_msg(err, XTP_ENOMEM, "out of memory");
    if (xp_pred_record_parse(record, len, &v->rec, &e)) {
        snprintf(checks[0].name, sizeof checks[0].name, "record");
        checks[0].status = XTP_CHECK_FAIL;
        snprintf(checks[0].reason, sizeof checks[0].reason, "%s", e.msg);
        *n = *failed = 1;
        free(v);
        return XTP_OK;
    }
    /* without a model named, a missing model only skips the checks that need it */
    xp_model *m = NULL;
    xp_error ignore = {0};
    rc = xp_pred_record_model(o->model, &v->rec, "a model file", &m, o->model ? &e : &ignore);
    if (rc && o->model) {
        free(v);
        return xtp_error_from(err, &e, rc);
    }
    if (o->opening_data)
        xp_openings_read(o->opening_name ? o->opening_name : "the openings", o->opening_data,
                         o->opening_len, &v->op);
    xp_verify_in in = {.structure_name = o->structure_data ? o->structure_name : NULL,
                       .structure_data = o->structure_data,
                       .structure_len = o->structure_len,
                       .model = m,
                       .openings = v->op.layer,
                       .nopenings = v->op.nlayer,
                       .step_openings = v->op.step,
                       .nstep_openings = v->op.nstep};
    if (in.structure_data && !in.structure_name)
        in.structure_name = "structure";
    rc = xp_pred_verify(&v->rec, &in, &v->rep, &e);
    if (!rc && o->rpc_url)
        rc = xp_pred_verify_chain(&v->rec, &chain, &v->rep, &e);
    if (!rc) {
        xp_openings_report(&v->op, &v->rep);
        copy_checks(&v->rep, checks, n, failed);
    }
    xp_openings_free(&v->op);
    xp_model_free(m);
    free(v);
    return rc ? xtp_error_from(err, &e, rc) : XTP_OK;
}

int xtp_verify_inclusion(const char *json, size_t len, xtp_proof_info *info, xtp_error *err)
{
    xp_inclusion_doc d;
    xp_record rec;
    xp_error e = {0};
    int rc = xp_inclusion_doc_parse(json, len, &d, &e);
    if (!rc)
        rc = xp_inclusion_doc_verify(&d, &rec, &e);
    if (rc)
        return xtp_error_from(err, &e, rc);
    memset(info, 0, sizeof *info);
    snprintf(info->dataset, sizeof info->dataset, "%s", d.dataset);
    info->version = d.version;
    info->size = d.size;
    info->index = d.index;
    xp_hex_encode(d.root, 32, info->root, 1);
    xp_hex_encode(rec.symhash, 32, info->symhash, 1);
    xp_hex_encode(rec.protohash, 32, info->protohash, 1);
    xp_hex_encode(rec.content_sha256, 32, info->content_sha256, 1);
    return XTP_OK;
}

int xtp_verify_consistency(const char *json, size_t len, xtp_proof_info *info, xtp_error *err)
{
    xp_consistency_doc d;
    xp_error e = {0};
    int rc;
    if ((rc = xp_consistency_doc_parse(json, len, &d, &e)) ||
        (rc = xp_consistency_doc_verify(&d, &e)))
        return xtp_error_from(err, &e, rc);
    *info = (xtp_proof_info){.from_version = d.from_version};
    snprintf(info->dataset, sizeof info->dataset, "%s", d.dataset);
    info->from_version = d.from_version;
    info->to_version = d.to_version;
    info->from_size = d.from_size;
    info->to_size = d.to_size;
    xp_hex_encode(d.from_root, 32, info->from_root, 1);
    xp_hex_encode(d.to_root, 32, info->to_root, 1);
    return XTP_OK;
}
