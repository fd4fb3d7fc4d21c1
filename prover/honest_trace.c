/* The honest trace of an inference, held for a dispute: every trace leaf hash of one structure
 * run through a cgcnn-q16-v3 model, with the three roots and the output (a defender checks a
 * claim against it, a challenger finds the wrong candidate with it). */
#include <stdlib.h>
#include <string.h>

#include "xtalproof/infer.h"
#include "xtalproof/prover.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"

void xp_trace3_free(xp_trace3 *t)
{
    free(t->lh);
    memset(t, 0, sizeof *t);
}

int xp_trace3_run(const xp_model *m, const char *name, const char *data, size_t len,
                  xp_trace3 *t, xp_error *err)
{
    memset(t, 0, sizeof *t);
    if (m->arch != 3)
        return xp_error_set(err, XP_EUNSUPPORTED, "a dispute is over a %s trace only",
                            XP_CGCNN_ARCH);
    xp_structure_list l;
    int rc = xp_read_structures_mem(name, data, len, NULL, &l, err);
    if (rc)
        return rc;
    xp_qcrystal q = {0};
    xp_graph g = {0};
    xp_t3_sink sk = {0};
    int32_t *x = NULL;
    uint8_t (*slh)[32] = NULL, wlh[XP_WL_COUNT][32];
    xp_infer_out out;
    if (l.n != 1) {
        rc = xp_error_set(err, XP_EINVAL, "%s holds %zu structures; a prediction takes one", name,
                          l.n);
        goto done;
    }
    if ((rc = xp_qcrystal_make(l.items[0], &q, err)) || (rc = xp_featurize_q(&q, &g, err)))
        goto done;
    if (g.n > XP_PRED_MAX_ATOMS) {
        rc = xp_error_set(err, XP_EINVAL, "%s has %zu atoms, more than %d", name, g.n,
                          XP_PRED_MAX_ATOMS);
        goto done;
    }
    if (!(x = malloc((size_t)XP_TRACE_LAYERS * g.n * XP_CG_F * sizeof *x))) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the trace of %s", name);
        goto done;
    }
    if ((rc = xp_infer_cpu_keep(m, &g, &out, x, &sk, err)) ||
        (rc = xp_qcrystal_leaf_hashes(&q, &slh, t->structure_root, err)))
        goto done;
    xp_weights_tree(m, wlh, t->weights_root);
    memcpy(t->trace_root, out.trace_root, 32);
    t->atoms = (uint32_t)g.n;
    t->value_q = out.value_q;
    t->size = sk.t.size;
    t->lh = sk.lh; /* kept: the sink's leaf hashes */
    sk.lh = NULL;
done:
    if (sk.lh)
        xp_t3_sink_free(&sk);
    free(slh);
    free(x);
    xp_graph_free(&g);
    xp_qcrystal_free(&q);
    xp_structure_list_free(&l);
    return rc;
}
