/* The CGCNN crystal graph of a structure: for each atom its element and its 12 nearest
 * neighbours within 8 Å among all periodic images (the atom's own images included, itself at
 * distance 0 excluded), with their distances in Q16.16. docs/formats.md defines the distance
 * arithmetic and the order, ties included, of each version ("Featurization (cgcnn-q16-v3)",
 * "Model inference: featurization (cgcnn-q16-v2)"). The Gaussian expansion of the distances is
 * done by the forward pass (src/model/fixed.h). */
#ifndef XTALPROOF_FEATURIZE_H
#define XTALPROOF_FEATURIZE_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/structure.h"

#define XP_FEAT_RADIUS 8.0
#define XP_FEAT_NBR 12
#define XP_FEAT_PAD_DIST (9 * 65536) /* radius + 1, as the original code pads */

typedef struct xp_graph {
    size_t n;       /* atoms */
    uint8_t *z;     /* atomic number of each atom, 1..100 */
    int32_t *nbr;   /* n x 12 neighbour indices (padding: 0) */
    int32_t *dist;  /* n x 12 distances, Q16.16 (padding: 9 Å) */
    int32_t *img;   /* v3 only (else NULL): n x 12 x 3 image offsets (padding: 0) */
    uint8_t *count; /* v3 only (else NULL): the real neighbours of each atom, 0..12 */
    size_t npadded; /* atoms with fewer than 12 neighbours within the radius */
    size_t nties;   /* atoms whose 12th and 13th nearest are at the same Q16 distance: the
                       documented order (the original code's) chose between them */
} xp_graph;

/* The graph of cgcnn-q16-v3: the structure committed in Q32 Å (include/xtalproof/steps.h), then
 * the neighbours in exact integer geometry (docs/formats.md, "Featurization (cgcnn-q16-v3)"). An
 * ordered structure whose elements have CGCNN features (Z <= 100). */
int xp_featurize(const xp_structure *s, xp_graph *g, xp_error *err);
/* The graph of cgcnn-q16-v2 (version-1 prediction records): doubles in the original code's
 * arithmetic and neighbour order. Cell lists keep the work linear in the atoms for large cells. */
int xp_featurize_v2(const xp_structure *s, xp_graph *g, xp_error *err);
void xp_graph_free(xp_graph *g);

#endif
