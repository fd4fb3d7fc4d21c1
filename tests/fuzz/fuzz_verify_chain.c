/* The checks of verify --rpc on arbitrary node answers (xp_verify_chain_answers): byte 0 picks
 * which optional fields the fixed record has, bit 0 of byte 1 its version (1, or 2 with a
 * structureRoot and a weightsRoot), the rest is a JSON array of the ten answers (null: a failed
 * call). Every answer is judged without a crash, each check line is written once, and a
 * failure has its reason. The seeds (tests/fuzz/corpus/fuzz_verify_chain) are answers that
 * pass every check for this record, and variants. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/prover.h"

static xp_pred_record r;
static xp_verify_report rep;

static void fill(xp_pred_record *r, uint8_t flags, uint8_t flags2)
{
    memset(r, 0, sizeof *r);
    r->version = (flags2 & 1) ? 2 : 1;
    memset(r->structure_root, 0x12, 32);
    memset(r->weights_root, 0x13, 32);
    r->chain_id = 4712;
    r->round = 1;
    r->target = 0;
    memset(r->symhash, 0x11, 32);
    memset(r->commitment, 0x22, 32);
    memset(r->predictor, 0x33, XP_ADDRESS_LEN);
    memset(r->rounds, 0x44, XP_ADDRESS_LEN);
    memset(r->model_hash, 0x55, 32);
    r->value_q = -138489;
    memset(r->trace_root, 0x66, 32);
    r->has_salt = flags & 1;
    memset(r->salt, 0x77, 32);
    r->has_dataset = (flags >> 1) & 1;
    memset(r->dataset.root, 0x88, 32);
    r->dataset.size = 10;
    r->has_anchor = (flags >> 2) & 1;
    r->anchor.has_model_id = (flags >> 3) & 1;
    r->anchor.model_id = 1;
    r->anchor.has_commit_tx = (flags >> 4) & 1;
    memset(r->anchor.commit_tx, 0x99, 32);
    r->anchor.has_commit_block = (flags >> 5) & 1;
    r->anchor.commit_block = 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    fill(&r, data[0], data[1]);
    json_t *arr = json_loadb((const char *)data + 2, size - 2, 0, NULL);
    json_t *answers[XP_CHAIN_ANSWERS] = {0};
    for (size_t i = 0; i < XP_CHAIN_ANSWERS; i++) {
        json_t *a = json_array_get(arr, i);
        answers[i] = json_is_null(a) ? NULL : a;
    }
    xp_verify_chain_in in = {0};
    in.has_dataset_id = (data[0] >> 6) & 1;
    in.dataset_id = 1;
    in.has_provenance = data[0] >> 7;
    memset(in.provenance, 0xaa, XP_ADDRESS_LEN);
    memset(&rep, 0, sizeof rep);
    xp_error err = {0};
    if (xp_verify_chain_answers(&r, &in, answers, &rep, &err) != 0 && err.msg[0] == '\0')
        abort();
    static const char *const names[] = {"chain",    "committed",  "timing",
                                        "revealed", "registered", "anchored"};
    if (rep.n != 6)
        abort();
    for (size_t i = 0; i < rep.n; i++) {
        if (strcmp(rep.check[i].name, names[i]) != 0)
            abort();
        if (rep.check[i].status != XP_CHECK_PASS && rep.check[i].reason[0] == '\0')
            abort();
    }
    json_decref(arr);
    return 0;
}
