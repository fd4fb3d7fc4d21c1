/* The bounds on input size and work that every command and the node's API share, in one place
 * (docs/security.md, "Bounds"). A reader or a step that meets one refuses with a sentence naming
 * the file (or the request) and the limit, before the work that grows faster than the input. */
#ifndef XTALPROOF_LIMITS_H
#define XTALPROOF_LIMITS_H

/* A structure file (CIF, POSCAR) is at most this many bytes. */
#define XP_MAX_STRUCTURE_FILE_BYTES ((size_t)64 << 20)

/* Sites per structure, after a CIF's symmetry expansion. The CIF reader checks each new site
 * against those before it for overlaps (quadratic, with a cheap test first: 20,000 sites cost about 1 s); a random P1
 * cell of 20,000 atoms hashes in 0.12 s, and the network's graph is linear in the atoms. */
#define XP_MAX_SITES 20000

/* Every lattice vector is at most this long (Å), and the cell holds at least one atom per
 * XP_MAX_VOLUME_PER_ATOM Å^3: the symmetry search and the network's cell lists index the cell
 * in bins of about an Ångström, and a cell of mostly vacuum is no crystal. */
#define XP_MAX_CELL_LENGTH 1000.0
#define XP_MAX_VOLUME_PER_ATOM 10000.0

/* The canonical search of a cell without symmetry compares its candidates' keys round by
 * round; a near-periodic cell (a supercell with noise under the grid's step) keeps most
 * candidates to the end, and the work grows with the square of the atoms. Past this many key
 * comparisons the structure is refused (about 2-4 s of one core; a 2,000-atom supercell of
 * rock salt with noise takes a third of it). */
#define XP_MAX_CANON_STEPS 100000000.0

#endif
