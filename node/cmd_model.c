/* xtalproof model import | models: converting CGCNN checkpoints to .xpm files and listing them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/model.h"

#ifndef XP_MODELS_DIR
#define XP_MODELS_DIR "models"
#endif

/* Where models are looked for: $XTALPROOF_MODELS, ./models, then the source tree's models/. */
static int cmd_import(int argc, char **argv)
{
    xp_opt o[] = {{"from", 0, 0}, {"atom-init", 0, 0}, {"name", 0, 0}, {"property", 0, 0},
                  {"unit", 0, 0}, {"out", 0, 0},       {"force", 1, 0}};
    const int no = 7;
    const char *pos[1];
    int npos;
    if (xp_cli_parse("model import", argc, argv, o, no, pos, 1, &npos))
        return XP_EXIT_USAGE;
    xp_import_opts io = {.dir = xp_cli_get(o, no, "from"),
                         .atom_init = xp_cli_get(o, no, "atom-init"),
                         .name = xp_cli_get(o, no, "name"),
                         .property = xp_cli_get(o, no, "property"),
                         .unit = xp_cli_get(o, no, "unit")};
    if (!io.dir && npos == 1)
        io.dir = pos[0];
    if (!io.dir)
        return xp_cli_usage("model import: give the checkpoint folder (--from DIR)");
    xp_error err = {0};
    uint8_t *bytes;
    size_t len;
    if (xp_model_import(&io, &bytes, &len, &err))
        return xp_cli_fail(&err);
    xp_model *m;
    if (xp_model_parse(bytes, len, &m, &err)) {
        free(bytes);
        return xp_cli_fail(&err);
    }
    char path[4096];
    const char *out = xp_cli_get(o, no, "out");
    if (out)
        snprintf(path, sizeof path, "%s", out);
    else
        snprintf(path, sizeof path, "models/%s.xpm", m->name);
    int rc = xp_cli_get(o, no, "force") ? xp_file_replace(path, bytes, len, 0644, &err)
                                        : xp_file_create_atomic(path, bytes, len, 0644, &err);
    if (rc == XP_EEXIST)
        xp_error_set(&err, rc, "%s exists (--force replaces it)", path);
    free(bytes);
    if (rc) {
        xp_model_free(m);
        return xp_cli_fail(&err);
    }
    char hex[67];
    xp_hex_encode(m->hash, 32, hex, 1);
    printf("%s  %s  %zu bytes\n", hex, path, len);
    xp_model_free(m);
    return XP_EXIT_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int xp_cmd_models(int argc, char **argv)
{
    xp_opt o[] = {{"json", 1, 0}, {"dir", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("models", argc, argv, o, 2, pos, 0, &npos))
        return XP_EXIT_USAGE;
    int json = xp_cli_get(o, 2, "json") != NULL;
    const char *dirs[XP_MODEL_DIRS_MAX];
    int nd;
    if (xp_cli_get(o, 2, "dir")) {
        dirs[0] = xp_cli_get(o, 2, "dir");
        nd = 1;
    } else
        nd = xp_model_dirs(dirs, XP_MODEL_DIRS_MAX);
    int failed = 0;
    if (!json) /* a header row; under each model, its card's note */
        printf("%-28s %-28s %-11s %-66s  %s\n", "name", "property", "unit", "modelHash",
               "weightsRoot");
    for (int d = 0; d < nd; d++) {
        DIR *dh = opendir(dirs[d]);
        if (!dh)
            continue;
        char *names[1024];
        int nn = 0;
        struct dirent *e;
        while ((e = readdir(dh)) && nn < 1024) {
            size_t l = strlen(e->d_name);
            if (l > 4 && !strcmp(e->d_name + l - 4, ".xpm") && e->d_name[0] != '.')
                names[nn++] = strdup(e->d_name);
        }
        closedir(dh);
        qsort(names, (size_t)nn, sizeof names[0], by_name);
        for (int i = 0; i < nn; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", dirs[d], names[i]);
            xp_model *m;
            xp_error err = {0};
            if (names[i] && xp_model_load(path, &m, &err) == 0) {
                char hex[67], wr[67];
                xp_hex_encode(m->hash, 32, hex, 1);
                xp_hex_encode(m->weights_root, 32, wr, 1);
                if (m->card_problem[0])
                    fprintf(stderr, "xtalproof: %s\n", m->card_problem);
                if (json) {
                    json_t *card = m->card ? json_loads(m->card, 0, NULL) : NULL;
                    json_t *j = json_pack(
                        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "name", m->name,
                        "property", m->property, "unit", m->unit, "modelHash", hex, "weightsRoot",
                        wr, "arch", m->arch == 3 ? XP_CGCNN_ARCH : XP_CGCNN_ARCH_V2, "file", path,
                        "bytes", (json_int_t)m->file_size, "card", card ? card : json_null());
                    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
                    if (s)
                        printf("%s\n", s);
                    free(s);
                    json_decref(j);
                } else {
                    printf("%-28s %-28s %-11s %s  %s\n", m->name, m->property, m->unit, hex, wr);
                    printf("  %s\n", m->card_note[0] ? m->card_note
                                                     : "no model card: what it was trained on is "
                                                       "not said");
                }
                xp_model_free(m);
            } else if (names[i]) {
                fprintf(stderr, "xtalproof: %s\n", err.msg);
                failed = 1;
            }
            free(names[i]);
        }
        if (nn)
            break; /* the first folder that has models is the one in use */
    }
    return failed ? XP_EXIT_FAIL : XP_EXIT_OK;
}

int xp_cmd_model(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "import"))
        return cmd_import(argc - 1, argv + 1);
    return xp_cli_usage("model: expected \"model import --from DIR\" (a model from an original "
                        "CGCNN checkpoint) or \"model register NAME\" (a model on chain); "
                        "\"xtalproof models\" lists the models");
}
