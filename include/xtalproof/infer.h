/* The fixed-point CGCNN forward pass (cgcnn-q16-v2) on the CPU and, where built and present, on
 * a CUDA GPU. Both compute the same integers (src/model/fixed.h is shared), so a structure's
 * value and trace root are the same on either, whatever else is in its batch and however many
 * threads run. docs/formats.md ("Model inference") is the normative definition. */
#ifndef XTALPROOF_INFER_H
#define XTALPROOF_INFER_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/featurize.h"
#include "xtalproof/model.h"

#define XP_TRACE_LAYERS (1 + XP_CG_NCONV) /* the embedding and each convolution */

typedef struct xp_infer_out {
    int32_t value_q;         /* the property in its unit, Q16.16 */
    int32_t out_q;           /* the network's normalised output, Q16.16 */
    uint8_t trace_root[32];  /* Merkle root of the trace leaves */
    uint32_t saturations;    /* values clamped to int32 along the way (0 normally) */
    int32_t pooled[XP_CG_F]; /* the crystal vector */
    int32_t hidden[XP_CG_H];
} xp_infer_out;

/* One structure. layers, if not NULL, receives the per-atom vectors after the embedding and
 * after each convolution: XP_TRACE_LAYERS x g->n x XP_CG_F, layer-major. */
int xp_infer_cpu(const xp_model *m, const xp_graph *g, xp_infer_out *out, int32_t *layers,
                 xp_error *err);

/* Many structures on `threads` threads (0: the processors online). rcs[i] gets each one's
 * result code (may be NULL); returns the first failure or 0. */
int xp_infer_cpu_batch(const xp_model *m, const xp_graph *const *g, size_t n, int threads,
                       xp_infer_out *out, int *rcs, xp_error *err);

/* The trace root of a forward pass: leaves are, in order, the n atom vectors of each of the
 * XP_TRACE_LAYERS layers (64 int32 little-endian each), the pooled vector (64 int32) and the
 * output (out_q, value_q as int32), hashed as Merkle leaves. */
int xp_trace_root(const int32_t *layers, size_t natoms, const int32_t *pooled, int32_t out_q,
                  int32_t value_q, uint8_t root[32], xp_error *err);

/* 1 if a CUDA device can run the forward pass; else 0 and a sentence in why. */
int xp_infer_gpu_available(char *why, size_t cap);

/* The batch on the GPU, packed into launches of at most max_atoms atoms (0: a default). Fails
 * with XP_EUNSUPPORTED where there is no kernel or no device. */
int xp_infer_gpu_batch(const xp_model *m, const xp_graph *const *g, size_t n, size_t max_atoms,
                       xp_infer_out *out, xp_error *err);

#endif
