/* Prediction records: the commitment, the canonical bytes and the predictor's signature. */
#include <stdio.h>
#include <string.h>

#include "xtalproof/eth.h"
#include "xtalproof/keccak.h"
#include "xtalproof/prover.h"

static void word_addr(uint8_t w[32], const uint8_t a[XP_ADDRESS_LEN])
{
    memset(w, 0, 12);
    memcpy(w + 12, a, XP_ADDRESS_LEN);
}

static void word_string_hash(uint8_t w[32], const char *s)
{
    xp_keccak256(s, strlen(s), w);
}

void xp_pred_commitment(uint64_t chain_id, const uint8_t rounds[XP_ADDRESS_LEN], uint64_t round,
                        const uint8_t symhash[32], const uint8_t model_hash[32], int64_t value_q,
                        const uint8_t salt[32], const uint8_t predictor[XP_ADDRESS_LEN],
                        uint8_t out[32])
{
    static const char domain[] = "xtalproof.prediction.v1";
    uint8_t b[9][32];
    xp_keccak256(domain, sizeof domain - 1, b[0]);
    xp_word_u64(b[1], chain_id);
    word_addr(b[2], rounds);
    xp_word_u64(b[3], round);
    memcpy(b[4], symhash, 32);
    memcpy(b[5], model_hash, 32);
    xp_word_i64(b[6], value_q);
    memcpy(b[7], salt, 32);
    word_addr(b[8], predictor);
    xp_keccak256(b, sizeof b, out);
}

void xp_pred_record_commitment(const xp_pred_record *r, const uint8_t salt[32], uint8_t out[32])
{
    xp_pred_commitment(r->chain_id, r->rounds, r->round, r->symhash, r->model_hash, r->value_q,
                       salt, r->predictor, out);
}

size_t xp_pred_record_canonical(const xp_pred_record *r, uint8_t out[XP_PRED_CANON_LEN])
{
    int v2 = r->version >= 2;
    uint8_t(*w)[32] = (uint8_t(*)[32])out;
    size_t n = 0;
    xp_keccak256(v2 ? "xtalproof.record.v2" : "xtalproof.record.v1", 19, w[n++]);
    xp_word_u64(w[n++], r->version);
    memcpy(w[n++], r->symhash, 32);
    memcpy(w[n++], r->protohash, 32);
    if (v2)
        memcpy(w[n++], r->structure_root, 32);
    memcpy(w[n++], r->content_hash, 32);
    xp_word_u64(w[n++], r->atoms);
    memcpy(w[n++], r->model_hash, 32);
    if (v2)
        memcpy(w[n++], r->weights_root, 32);
    word_string_hash(w[n++], r->architecture);
    word_string_hash(w[n++], r->model_name);
    word_string_hash(w[n++], r->property);
    word_string_hash(w[n++], r->unit);
    xp_word_i64(w[n++], r->value_q);
    memcpy(w[n++], r->trace_root, 32);
    xp_word_u64(w[n++], r->chain_id);
    word_addr(w[n++], r->rounds);
    xp_word_u64(w[n++], r->round);
    xp_word_u64(w[n++], r->target);
    memcpy(w[n++], r->commitment, 32);
    word_addr(w[n++], r->predictor);
    return 32 * n;
}

void xp_pred_record_hash(const xp_pred_record *r, uint8_t out[32])
{
    uint8_t b[XP_PRED_CANON_LEN];
    xp_keccak256(b, xp_pred_record_canonical(r, b), out);
}

static void record_digest(const xp_pred_record *r, uint8_t out[32])
{
    uint8_t h[32];
    xp_pred_record_hash(r, h);
    xp_personal_digest(h, 32, out);
}

int xp_pred_record_sign(xp_pred_record *r, const uint8_t priv[32], xp_error *err)
{
    uint8_t d[32], sig[XP_SIG_LEN];
    int rc = xp_privkey_to_address(priv, r->predictor, err);
    if (rc)
        return rc;
    record_digest(r, d);
    if ((rc = xp_sign_digest(priv, d, sig, err)))
        return rc;
    sig[64] = (uint8_t)(sig[64] + 27); /* written as Ethereum wallets write it */
    memcpy(r->signature, sig, XP_SIG_LEN);
    return XP_OK;
}

int xp_pred_record_signer(const xp_pred_record *r, uint8_t addr[XP_ADDRESS_LEN], xp_error *err)
{
    uint8_t d[32];
    record_digest(r, d);
    return xp_recover_address(d, r->signature, addr, err);
}
