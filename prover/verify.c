/* Offline verification of a prediction record: one check per claim. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "run.h"
#include "xtalproof/bytes.h"
#include "xtalproof/prover.h"
#include "xtalproof/steps.h"

#define add xp_verify_add

void xp_verify_add(xp_verify_report *rep, const char *name, xp_check_status st, const char *fmt,
                   ...)
{
    if (rep->n >= XP_VERIFY_MAX_CHECKS)
        return;
    xp_check *c = &rep->check[rep->n++];
    c->name = name;
    c->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    if (st == XP_CHECK_FAIL)
        rep->failed++;
}

static const char *arch_of(const xp_model *m)
{
    return m->arch == 3 ? XP_CGCNN_ARCH : XP_CGCNN_ARCH_V2;
}

static void check_signature(const xp_pred_record *r, xp_verify_report *rep)
{
    uint8_t addr[XP_ADDRESS_LEN];
    char a[XP_ADDRESS_HEX_LEN], p[XP_ADDRESS_HEX_LEN];
    xp_error e = {0};
    xp_address_to_checksum(r->predictor, p);
    if (xp_pred_record_signer(r, addr, &e))
        add(rep, "signature", XP_CHECK_FAIL, "does not recover a signer: %s", e.msg);
    else if (memcmp(addr, r->predictor, XP_ADDRESS_LEN) != 0)
        add(rep, "signature", XP_CHECK_FAIL, "signed by %s, not by the predictor %s",
            (xp_address_to_checksum(addr, a), a), p);
    else
        add(rep, "signature", XP_CHECK_PASS, "the predictor %s signed the record", p);
}

static void check_value(const xp_pred_record *r, xp_verify_report *rep)
{
    double want = (double)r->value_q / 65536.0;
    if (r->value == want)
        add(rep, "value", XP_CHECK_PASS, "%.10g %s = valueQ %lld / 2^16", r->value, r->unit,
            (long long)r->value_q);
    else
        add(rep, "value", XP_CHECK_FAIL, "value %.17g is not valueQ %lld / 2^16 = %.17g", r->value,
            (long long)r->value_q, want);
}

static void check_structure(const xp_pred_record *r, const xp_verify_in *in, const xp_error *e,
                            const xp_run *run, xp_verify_report *rep)
{
    char h[67];
    if (!in->structure_data) {
        add(rep, "structure", XP_CHECK_SKIP, "no structure file given (--structure FILE)");
        add(rep, "file", XP_CHECK_SKIP, "no structure file given (--structure FILE)");
        return;
    }
    int rc = !run->hashed;
    if (rc)
        add(rep, "structure", XP_CHECK_FAIL, "%s", e->msg);
    else if (memcmp(run->symhash, r->symhash, 32) != 0)
        /* the symhash cannot be recomputed in an earlier version: a record made before symhash
         * version 4 fails here even on its own file, and the message says so */
        add(rep, "structure", XP_CHECK_FAIL, "the file's symhash is %s, not the record's%s",
            xp_hex32(run->symhash, h),
            memcmp(run->content_hash, r->content_hash, 32) == 0
                ? " (the file's bytes are contentHash: the record may hold an earlier symhash "
                  "version's, which this version cannot recompute)"
                : "");
    else if (memcmp(run->protohash, r->protohash, 32) != 0)
        add(rep, "structure", XP_CHECK_FAIL, "the file's protohash is %s, not the record's",
            xp_hex32(run->protohash, h));
    else if (r->version >= 2 && !run->has_root)
        add(rep, "structure", XP_CHECK_FAIL, "the file's crystal cannot be committed (no "
                                             "structureRoot)");
    else if (r->version >= 2 && memcmp(run->structure_root, r->structure_root, 32) != 0)
        add(rep, "structure", XP_CHECK_FAIL, "the file's structureRoot is %s, not the record's",
            xp_hex32(run->structure_root, h));
    else
        add(rep, "structure", XP_CHECK_PASS, "%s is the crystal %s%s", in->structure_name,
            xp_hex32(r->symhash, h), r->version >= 2 ? " and its structureRoot" : "");
    if (memcmp(run->content_hash, r->content_hash, 32) != 0)
        add(rep, "file", XP_CHECK_FAIL,
            "the file's SHA-256 is %s, not contentHash: not the file the prediction ran on",
            xp_hex32(run->content_hash, h));
    else if (!rc && run->atoms != r->atoms)
        add(rep, "file", XP_CHECK_FAIL, "the file has %u sites, the record says %u", run->atoms,
            r->atoms);
    else
        add(rep, "file", XP_CHECK_PASS, "the file's SHA-256 is contentHash%s",
            rc ? "" : " and its sites are the record's atoms");
}

static void check_inclusion(const xp_pred_record *r, int file_ref, const xp_run *run,
                            xp_verify_report *rep)
{
    if (!r->has_dataset) {
        add(rep, "inclusion", XP_CHECK_SKIP, "the record has no dataset proof");
        return;
    }
    const xp_inclusion_doc *d = &r->dataset;
    xp_record leaf;
    xp_error e = {0};
    char h[67];
    /* the file the prediction ran on, when given, is the authority on the crystal */
    const uint8_t *symhash = file_ref ? run->symhash : r->symhash;
    if (xp_inclusion_doc_verify(d, &leaf, &e))
        add(rep, "inclusion", XP_CHECK_FAIL, "dataset %s version %u: %s", d->dataset, d->version,
            e.msg);
    else if (memcmp(leaf.symhash, symhash, 32) != 0)
        add(rep, "inclusion", XP_CHECK_FAIL, "the proof's record is the crystal %s, not the %s's",
            xp_hex32(leaf.symhash, h), file_ref ? "structure file" : "record");
    else
        add(rep, "inclusion", XP_CHECK_PASS,
            "record %llu of dataset %s version %u (%llu records, root %s; compare the root with "
            "the anchored one)",
            (unsigned long long)d->index, d->dataset, d->version, (unsigned long long)d->size,
            xp_hex32(d->root, h));
}

static void check_model(const xp_pred_record *r, const xp_model *m, xp_verify_report *rep)
{
    char h[67];
    if (!m)
        add(rep, "model", XP_CHECK_SKIP, "no model file given (--model FILE)");
    else if (memcmp(m->hash, r->model_hash, 32) != 0)
        add(rep, "model", XP_CHECK_FAIL, "the model file's keccak is %s, not modelHash",
            xp_hex32(m->hash, h));
    else if (strcmp(m->name, r->model_name) || strcmp(arch_of(m), r->architecture) ||
             strcmp(m->property, r->property) || strcmp(m->unit, r->unit))
        add(rep, "model", XP_CHECK_FAIL,
            "the model file is %s (%s, %s in %s), the record says %s (%s, %s in %s)", m->name,
            arch_of(m), m->property, m->unit, r->model_name, r->architecture, r->property,
            r->unit);
    else if (r->version >= 2 && memcmp(m->weights_root, r->weights_root, 32) != 0)
        add(rep, "model", XP_CHECK_FAIL, "the model file's weightsRoot is %s, not the record's",
            xp_hex32(m->weights_root, h));
    else
        add(rep, "model", XP_CHECK_PASS, "the model file %s is modelHash %s", m->name,
            xp_hex32(m->hash, h));
}

static void check_inference(const xp_pred_record *r, const xp_verify_in *in, const xp_error *e,
                            const xp_run *run, xp_verify_report *rep)
{
    char h[67];
    if (!in->structure_data || !in->model)
        add(rep, "inference", XP_CHECK_SKIP, "re-running needs %s",
            in->model ? "--structure FILE" : "--structure FILE and --model FILE");
    else if (!run->inferred)
        add(rep, "inference", run->hashed ? XP_CHECK_FAIL : XP_CHECK_SKIP, "%s",
            run->hashed ? e->msg : "the structure could not be read");
    else if (run->out.value_q != r->value_q)
        add(rep, "inference", XP_CHECK_FAIL, "the network gives valueQ %d, the record says %lld",
            run->out.value_q, (long long)r->value_q);
    else if (memcmp(run->out.trace_root, r->trace_root, 32) != 0)
        add(rep, "inference", XP_CHECK_FAIL, "the network's trace root is %s, not traceRoot",
            xp_hex32(run->out.trace_root, h));
    else
        add(rep, "inference", XP_CHECK_PASS, "re-run gives valueQ %lld and traceRoot %s",
            (long long)r->value_q, xp_hex32(r->trace_root, h));
}

static void check_commitment(const xp_pred_record *r, xp_verify_report *rep)
{
    uint8_t c[32];
    char h[67];
    if (!r->has_salt) {
        add(rep, "commitment", XP_CHECK_SKIP, "not revealed: the record has no salt");
        return;
    }
    xp_pred_record_commitment(r, r->salt, c);
    if (memcmp(c, r->commitment, 32) != 0)
        add(rep, "commitment", XP_CHECK_FAIL,
            "the fields and the salt give %s, not the record's commitment", xp_hex32(c, h));
    else
        add(rep, "commitment", XP_CHECK_PASS,
            "opens with the salt (chain %llu, round %llu, symhash, modelHash, valueQ, predictor)",
            (unsigned long long)r->chain_id, (unsigned long long)r->round);
}

static void check_opening(const xp_pred_record *r, const xp_trace_opening *o, int file_ref,
                          int rerun_ref, const xp_run *run, xp_verify_report *rep)
{
    /* the re-run's root (with the record's files) and the record's file's atoms, when there
       are, are the references */
    const uint8_t *root = rerun_ref ? run->out.trace_root : r->trace_root;
    uint32_t atoms = file_ref ? run->atoms : r->atoms;
    xp_error e = {0};
    char what[64];
    if (o->layer == XP_TRACE_POOLED || o->layer == XP_TRACE_OUTPUT)
        snprintf(what, sizeof what, "the %s leaf",
                 o->layer == XP_TRACE_POOLED ? "pooled" : "output");
    else
        snprintf(what, sizeof what, "layer %d atom %u", o->layer, o->atom);
    if (xp_trace_opening_check(o, root, atoms, &e))
        add(rep, "opening", XP_CHECK_FAIL, "%s: %s", what, e.msg);
    else
        add(rep, "opening", XP_CHECK_PASS, "%s (leaf %llu of %llu) is in the trace root", what,
            (unsigned long long)o->index, (unsigned long long)(5ull * atoms + 2));
}

static void check_step_opening(const xp_pred_record *r, const xp_verify_in *in,
                               const xp_step_opening *o, int file_ref, int rerun_ref,
                               const xp_run *run, xp_verify_report *rep)
{
    /* the references: the re-run's trace root, the file's crystal and the model file's weights
       where they are the record's, else the record's own */
    const uint8_t *troot = rerun_ref ? run->out.trace_root : r->trace_root;
    const uint8_t *sroot = file_ref && run->has_root ? run->structure_root : r->structure_root;
    const uint8_t *wroot =
        in->model && !memcmp(in->model->hash, r->model_hash, 32) ? in->model->weights_root
                                                                 : r->weights_root;
    char what[96], why[256] = "";
    xp_error e = {0};
    if (o->step.kind == XP_STEP_EDGE)
        snprintf(what, sizeof what, "step edge (layer %d, atom %u, neighbour %d)", o->step.layer,
                 o->step.atom, o->step.k);
    else if (o->step.kind == XP_STEP_SUM)
        snprintf(what, sizeof what, "step sum (level %d, node %u)", o->step.layer, o->step.atom);
    else if (o->step.kind >= XP_STEP_SELF && o->step.kind <= XP_STEP_UPDATE)
        snprintf(what, sizeof what, "step %s (layer %d, atom %u)", xp_step_kind_name(o->step.kind),
                 o->step.layer, o->step.atom);
    else if (o->step.kind <= XP_STEP_EMBED)
        snprintf(what, sizeof what, "step %s (atom %u)", xp_step_kind_name(o->step.kind),
                 o->step.atom);
    else
        snprintf(what, sizeof what, "step %s", xp_step_kind_name(o->step.kind));
    if (memcmp(o->trace_root, troot, 32) || memcmp(o->structure_root, sroot, 32) ||
        memcmp(o->weights_root, wroot, 32))
        add(rep, "opening", XP_CHECK_FAIL, "%s: the opening is of another %s", what,
            memcmp(o->trace_root, troot, 32)       ? "trace root"
            : memcmp(o->structure_root, sroot, 32) ? "structureRoot"
                                                   : "weightsRoot");
    else {
        int rc = xp_step_opening_check(o, troot, sroot, wroot, why, sizeof why, &e);
        if (rc == XP_ECRYPTO && why[0])
            add(rep, "opening", XP_CHECK_FAIL, "%s does not hold: %s", what, why);
        else if (rc)
            add(rep, "opening", XP_CHECK_FAIL, "%s: %s", what, e.msg);
        else
            add(rep, "opening", XP_CHECK_PASS,
                "%s holds: its %zu input leaves and its output are in their trees, and the step "
                "recomputed from them gives its output",
                what, o->ninputs);
    }
}

static void check_openings(const xp_pred_record *r, const xp_verify_in *in, int file_ref,
                           int rerun_ref, const xp_run *run, xp_verify_report *rep)
{
    size_t total = in->nopenings + in->nstep_openings;
    if (total == 0)
        add(rep, "opening", XP_CHECK_SKIP, "no trace opening given (--opening FILE)");
    else if (total > XP_VERIFY_MAX_OPENINGS)
        add(rep, "opening", XP_CHECK_FAIL, "%zu openings, more than %d at once", total,
            XP_VERIFY_MAX_OPENINGS);
    else {
        for (size_t i = 0; i < in->nopenings; i++)
            if (r->version >= 2)
                add(rep, "opening", XP_CHECK_FAIL,
                    "a layer opening, but a version-2 record's trace opens by steps");
            else
                check_opening(r, &in->openings[i], file_ref, rerun_ref, run, rep);
        for (size_t i = 0; i < in->nstep_openings; i++)
            if (r->version < 2)
                add(rep, "opening", XP_CHECK_FAIL,
                    "a step opening, but a version-1 record's trace has layers");
            else
                check_step_opening(r, in, &in->step_openings[i], file_ref, rerun_ref, run, rep);
    }
}

int xp_pred_verify(const xp_pred_record *r, const xp_verify_in *in, xp_verify_report *rep,
                   xp_error *err)
{
    (void)err;
    memset(rep, 0, sizeof *rep);
    add(rep, "record", XP_CHECK_PASS, "version %u, %s", r->version,
        r->has_salt ? "revealed" : "not revealed");
    check_signature(r, rep);
    check_value(r, rep);
    xp_run run;
    xp_error e = {0};
    memset(&run, 0, sizeof run);
    if (in->structure_data)
        xp_run_structure(in->model, in->structure_name, in->structure_data, in->structure_len, &run,
                         &e);
    /* the file is the record's when its bytes are; the re-run is the record's model's */
    int file_ref = run.hashed && !memcmp(run.content_hash, r->content_hash, 32);
    int rerun_ref = file_ref && run.inferred && !memcmp(in->model->hash, r->model_hash, 32);
    check_structure(r, in, &e, &run, rep);
    check_inclusion(r, file_ref, &run, rep);
    check_model(r, in->model, rep);
    check_inference(r, in, &e, &run, rep);
    check_commitment(r, rep);
    check_openings(r, in, file_ref, rerun_ref, &run, rep);
    return XP_OK;
}

/* The model a record names: the file given, else the record's modelName among the model files
 * when its keccak is modelHash. A name that would be read as a path is not looked up (the record
 * is outside input). *m is NULL when there is none; XP_ENOTFOUND says why. */
int xp_pred_record_model(const char *given, const xp_pred_record *r, const char *hint,
                         xp_model **m, xp_error *err)
{
    char path[4096];
    size_t n = strlen(r->model_name);
    *m = NULL;
    if (given)
        return xp_model_open(given, m, path, sizeof path, err);
    if (strchr(r->model_name, '/') || (n > 4 && !strcmp(r->model_name + n - 4, ".xpm")))
        return xp_error_set(err, XP_ENOTFOUND,
                            "the record's modelName is not a model name; give %s", hint);
    int rc = xp_model_open(r->model_name, m, path, sizeof path, err);
    if (rc)
        return rc;
    if (memcmp((*m)->hash, r->model_hash, 32) != 0) {
        xp_model_free(*m);
        *m = NULL;
        return xp_error_set(err, XP_ENOTFOUND,
                            "%s is not the record's model (its keccak is not modelHash); give %s",
                            path, hint);
    }
    return XP_OK;
}
