/* CGCNN model files (.xpm): the weights of a pretrained CGCNN (Xie & Grossman 2018) with the
 * BatchNorm of each convolution folded in, quantized to Q16.16, behind a header that names the
 * architecture (cgcnn-q16-v3; v2 files are still read, for version-1 prediction records), the
 * property, its unit and the target normaliser. The file is the model's identity: modelHash =
 * keccak-256 of its bytes. docs/formats.md ("Model files") gives the layout. */
#ifndef XTALPROOF_MODEL_H
#define XTALPROOF_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"

#define XP_CGCNN_ARCH "cgcnn-q16-v3"    /* what import writes and prove runs */
#define XP_CGCNN_ARCH_V2 "cgcnn-q16-v2" /* read for version-1 records */
#define XP_XPM_MAGIC "XPMODEL"
#define XP_XPM_VERSION 1
#define XP_XPM_HEADER 256

enum {
    XP_CG_ATOM_FEA = 92, /* atom features (atom_init.json) */
    XP_CG_BOND = 41,     /* Gaussian centres 0, 0.2, ..., 8 Å */
    XP_CG_F = 64,        /* atom_fea_len */
    XP_CG_F2 = 128,      /* filter and core */
    XP_CG_IN = 169,      /* [x_i, x_j, e_ij] */
    XP_CG_NCONV = 4,
    XP_CG_H = 32, /* h_fea_len */
    XP_CG_NBR = 12,
    XP_CG_ELEMENTS = 100, /* atom_init.json covers Z = 1..100 */
    XP_CG_TAB = 8193      /* entries of the activation tables */
};

typedef struct xp_cg_conv {
    int32_t w[XP_CG_F2][XP_CG_IN]; /* fc_full with bn1 folded: out x in */
    int32_t b[XP_CG_F2];
    int32_t bn_scale[XP_CG_F]; /* bn2 as an affine map */
    int32_t bn_shift[XP_CG_F];
} xp_cg_conv;

typedef struct xp_model {
    /* from the file */
    char name[49];
    char property[49];
    char unit[17];
    int32_t norm_mean, norm_std; /* Q16 */
    int32_t atom_init[XP_CG_ELEMENTS][XP_CG_ATOM_FEA];
    int32_t emb_w[XP_CG_F][XP_CG_ATOM_FEA], emb_b[XP_CG_F];
    xp_cg_conv conv[XP_CG_NCONV];
    int32_t fc_w[XP_CG_H][XP_CG_F], fc_b[XP_CG_H];
    int32_t out_w[XP_CG_H], out_b;
    int arch;            /* 3 (cgcnn-q16-v3) or 2 (cgcnn-q16-v2) */
    /* derived when loaded */
    uint8_t hash[32];         /* keccak-256 of the file */
    uint8_t weights_root[32]; /* the weights tree (include/xtalproof/steps.h) */
    size_t file_size;
    /* its model card, NAME.card.json beside the file (docs/formats.md, "Model cards"): the
       card as one line of JSON and its one-line note, or NULL and "" when there is none; a
       card that is unreadable or names another modelHash is left out, with the reason */
    char *card;
    char card_note[512];
    char card_problem[XP_ERROR_MAX];
    int32_t sig_tab[XP_CG_TAB];                 /* sigmoid at -16 + k/256 */
    int32_t spl_tab[XP_CG_TAB];                 /* log(1 + e^-a) at a = k/256 */
    int32_t emb_z[XP_CG_ELEMENTS + 1][XP_CG_F]; /* the embedding of each element (row 0 unused) */
    /* the convolution weights transposed (in x out), for the CPU's inner loops */
    int32_t wt_self[XP_CG_NCONV][XP_CG_F][XP_CG_F2];
    int32_t wt_nbr[XP_CG_NCONV][XP_CG_F][XP_CG_F2];
    int32_t wt_edge[XP_CG_NCONV][XP_CG_BOND][XP_CG_F2];
} xp_model;

/* Parses and checks a model file held in memory (any bytes: refused with a sentence when not a
 * well-formed cgcnn-q16-v3 or -v2 file). */
int xp_model_parse(const uint8_t *data, size_t len, xp_model **out, xp_error *err);
int xp_model_load(const char *path, xp_model **out, xp_error *err);
void xp_model_free(xp_model *m);
/* Reads the card beside the model file at model_path (NAME.card.json for NAME.xpm) into
 * m->card and m->card_note; no card is not an error. Refused with a sentence naming the card:
 * not JSON, not cardVersion 1, another modelHash, a field missing or of more than one line.
 * xp_model_load calls it and keeps a refusal in m->card_problem. */
int xp_model_card_load(xp_model *m, const char *model_path, xp_error *err);

/* The activation tables of cgcnn-q16-v2 and -v3 (XP_CG_TAB entries each). */
void xp_model_tables(int32_t *sig_tab, int32_t *spl_tab);

typedef struct xp_import_opts {
    const char *dir;       /* the exported checkpoint: index.json, weights.bin, normalizer.json */
    const char *atom_init; /* atom_init.json (NULL: dir/../../atom_init.json) */
    const char *name;      /* NULL: the folder's name */
    const char *property;  /* NULL: known from the name */
    const char *unit;      /* NULL: known from the name */
} xp_import_opts;

/* Folds, quantizes and serializes a checkpoint (a cgcnn-q16-v3 file); *bytes is malloc'd. A pure
 * function of the input files. */
int xp_model_import(const xp_import_opts *o, uint8_t **bytes, size_t *len, xp_error *err);

/* Property and unit of the known CGCNN models by folder name; 0 if known. */
int xp_model_known(const char *name, const char **property, const char **unit);

/* Where model files are looked for by name, in order: $XTALPROOF_MODELS, ./models, the source
 * tree's models/, the installed PREFIX/share/xtalproof/models, and that folder beside the running
 * program (PREFIX/bin/..). At most XP_MODEL_DIRS_MAX. */
#define XP_MODEL_DIRS_MAX 5
int xp_model_dirs(const char **dirs, int cap);
/* A model by name (NAME.xpm in those folders) or by path (with a '/' or ending in .xpm); path
 * gets the file that was read. XP_ENOTFOUND naming the folders when there is none. */
int xp_model_open(const char *name, xp_model **m, char *path, size_t cap, xp_error *err);

/* The last XP_MODEL_CACHE_SIZE models opened by name, kept loaded (the node's API). Not
 * thread-safe: one user at a time. */
#define XP_MODEL_CACHE_SIZE 8
typedef struct xp_model_cache {
    struct {
        char name[65];
        xp_model *m;
    } entry[XP_MODEL_CACHE_SIZE];
    int n;
} xp_model_cache;
/* The cache's model of that name, opened (and the oldest dropped) when absent; *m stays the
 * cache's. */
int xp_model_cache_get(xp_model_cache *c, const char *name, xp_model **m, xp_error *err);
void xp_model_cache_clear(xp_model_cache *c);

#endif
