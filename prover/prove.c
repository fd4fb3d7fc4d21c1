/* Making a prediction record: the crystal's identity, the network's output, the salt's slot. */
#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "run.h"
#include "xtalproof/featurize.h"
#include "xtalproof/keccak.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"
#include "xtalproof/symhash.h"

int xp_run_structure(const xp_model *m, const char *name, const char *data, size_t len, xp_run *run,
                     xp_error *err)
{
    memset(run, 0, sizeof *run);
    SHA256((const unsigned char *)data, len, run->content_hash);
    xp_structure_list l;
    int rc = xp_read_structures_mem(name, data, len, NULL, &l, err);
    if (rc)
        return rc;
    if (l.n != 1) {
        rc = xp_error_set(err, XP_EINVAL, "%s holds %zu structures; a prediction takes one", name,
                          l.n);
        xp_structure_list_free(&l);
        return rc;
    }
    const xp_structure *s = l.items[0];
    if (s->nsites == 0 || s->nsites > XP_PRED_MAX_ATOMS) {
        rc = xp_error_set(err, XP_EINVAL, "%s has %zu sites; a prediction takes 1 to %d", name,
                          s->nsites, XP_PRED_MAX_ATOMS);
        xp_structure_list_free(&l);
        return rc;
    }
    run->atoms = (uint32_t)s->nsites;
    xp_xtal_id id;
    if ((rc = xp_xtal_identify(s, NULL, &id, err))) {
        xp_structure_list_free(&l);
        return xp_error_prefix(err, rc, "%s", name);
    }
    memcpy(run->symhash, id.symhash, 32);
    memcpy(run->protohash, id.protohash, 32);
    xp_xtal_id_clear(&id);
    run->hashed = 1;
    xp_error re = {0};
    run->has_root = xp_structure_root(s, run->structure_root, &re) == 0;
    if (m) {
        xp_graph g;
        if (!(rc = m->arch == 3 ? xp_featurize(s, &g, err) : xp_featurize_v2(s, &g, err))) {
            rc = xp_infer_cpu(m, &g, &run->out, NULL, err);
            xp_graph_free(&g);
        }
        if (rc)
            xp_error_prefix(err, rc, "%s", name);
        else
            run->inferred = 1;
    }
    xp_structure_list_free(&l);
    return rc;
}

int xp_prove_fill(const xp_prove_in *in, xp_pred_record *r, xp_error *err)
{
    memset(r, 0, sizeof *r);
    if (in->model->arch != 3)
        return xp_error_set(err, XP_EUNSUPPORTED,
                            "the model %s is %s, whose records (version 1) are verified but no "
                            "longer made: convert it again with `xtalproof model import` (%s)",
                            in->model->name, XP_CGCNN_ARCH_V2, XP_CGCNN_ARCH);
    xp_run run;
    int rc = xp_run_structure(in->model, in->name, in->data, in->len, &run, err);
    if (rc)
        return rc;
    if (run.out.saturations)
        return xp_error_set(err, XP_EINVAL,
                            "%s: %u values saturated in the forward pass; the prediction is not "
                            "meaningful",
                            in->name, run.out.saturations);
    const xp_model *m = in->model;
    r->version = XP_PRED_RECORD_VERSION;
    memcpy(r->symhash, run.symhash, 32);
    memcpy(r->protohash, run.protohash, 32);
    memcpy(r->structure_root, run.structure_root, 32);
    memcpy(r->content_hash, run.content_hash, 32);
    r->atoms = run.atoms;
    memcpy(r->model_hash, m->hash, 32);
    memcpy(r->weights_root, m->weights_root, 32);
    snprintf(r->model_name, sizeof r->model_name, "%s", m->name);
    snprintf(r->architecture, sizeof r->architecture, "%s", XP_CGCNN_ARCH);
    snprintf(r->property, sizeof r->property, "%s", m->property);
    snprintf(r->unit, sizeof r->unit, "%s", m->unit);
    r->value_q = run.out.value_q;
    r->value = (double)run.out.value_q / 65536.0;
    memcpy(r->trace_root, run.out.trace_root, 32);
    r->chain_id = in->chain_id;
    memcpy(r->rounds, in->rounds, XP_ADDRESS_LEN);
    r->round = in->round;
    r->target = in->target;
    return XP_OK;
}

void xp_prove_salt_key(const xp_pred_record *r, uint8_t out[32])
{
    static const char tag[] = "xtalproof.salt.v1";
    uint8_t w[7][32] = {{0}};
    for (int i = 0; i < 8; i++) {
        w[0][31 - i] = (uint8_t)(r->chain_id >> (8 * i));
        w[2][31 - i] = (uint8_t)(r->round >> (8 * i));
        w[3][31 - i] = (uint8_t)(r->target >> (8 * i));
    }
    memcpy(w[1] + 12, r->rounds, XP_ADDRESS_LEN);
    memcpy(w[4], r->symhash, 32);
    memcpy(w[5], r->model_hash, 32);
    memcpy(w[6] + 12, r->predictor, XP_ADDRESS_LEN);
    xp_keccak256_ctx c;
    xp_keccak256_init(&c);
    xp_keccak256_update(&c, tag, sizeof tag - 1);
    xp_keccak256_update(&c, w, sizeof w);
    xp_keccak256_final(&c, out);
}

int xp_prove_draw_salt(uint8_t salt[32], xp_error *err)
{
    if (sodium_init() < 0)
        return xp_error_set(err, XP_ECRYPTO, "libsodium could not be initialized");
    randombytes_buf(salt, 32);
    return XP_OK;
}
