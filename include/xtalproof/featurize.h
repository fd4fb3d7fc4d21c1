/* The CGCNN crystal graph of a structure: for each atom its element and its 12 nearest
 * neighbours within 8 Å among all periodic images (the atom's own images included, itself at
 * distance 0 excluded), with their distances in Q16.16. docs/formats.md ("Model inference:
 * featurization") defines the distance arithmetic and the order, ties included. The Gaussian
 * expansion of the distances is done by the forward pass (src/model/fixed.h). */
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
    size_t npadded; /* atoms with fewer than 12 neighbours within the radius */
    size_t nties;   /* atoms whose 12th and 13th nearest are at the same Q16 distance: the
                       documented order (the original code's) chose between them */
} xp_graph;

/* Builds the graph of an ordered structure whose elements have CGCNN features (Z <= 100). Cell
 * lists keep the work linear in the atoms for large cells. */
int xp_featurize(const xp_structure *s, xp_graph *g, xp_error *err);
void xp_graph_free(xp_graph *g);

#endif
