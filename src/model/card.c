/* Model cards: what a model file was trained on, beside it as NAME.card.json (docs/formats.md,
 * "Model cards"). The card names the modelHash of the file it describes, so a card never speaks
 * for another file; the model file's bytes, and so its modelHash, are untouched. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xtalproof/bytes.h"
#include "xtalproof/model.h"

#define XP_CARD_MAX_BYTES 65536

static const char *const CARD_FIELDS[] = {"trainingData", "levelOfTheory", "knownBias", "note"};

/* The card's checks; 0 with the object in *out, else a sentence in err. */
static int card_check(json_t *card, const xp_model *m, const char *path, xp_error *err)
{
    char want[67];
    xp_hex_encode(m->hash, 32, want, 1);
    const char *mh = json_string_value(json_object_get(card, "modelHash"));
    json_t *v = json_object_get(card, "cardVersion");
    if (!json_is_object(card) || !json_is_integer(v) || json_integer_value(v) != 1)
        return xp_error_set(err, XP_EINVAL,
                            "%s: not a model card of version 1 (a JSON object "
                            "with \"cardVersion\": 1)",
                            path);
    if (!mh || strcmp(mh, want))
        return xp_error_set(err, XP_EINVAL,
                            "%s describes modelHash %s, not this file's %s: the "
                            "card is left out",
                            path, mh ? mh : "(none)", want);
    for (size_t i = 0; i < sizeof CARD_FIELDS / sizeof CARD_FIELDS[0]; i++) {
        const char *s = json_string_value(json_object_get(card, CARD_FIELDS[i]));
        if (!s || !*s || strchr(s, '\n'))
            return xp_error_set(err, XP_EINVAL, "%s: \"%s\" must be a string of one line", path,
                                CARD_FIELDS[i]);
    }
    return XP_OK;
}

int xp_model_card_load(xp_model *m, const char *model_path, xp_error *err)
{
    size_t len = strlen(model_path);
    size_t stem = len > 4 && !strcmp(model_path + len - 4, ".xpm") ? len - 4 : len;
    char path[4200];
    snprintf(path, sizeof path, "%.*s.card.json", (int)stem, model_path);
    struct stat st;
    if (lstat(path, &st) != 0)
        return XP_OK; /* no card: nothing is said */
    char *text = NULL;
    size_t n = 0;
    if (xp_file_read(path, XP_CARD_MAX_BYTES, &text, &n, err))
        return xp_error_prefix(err, err->code, "the model card");
    json_error_t je;
    json_t *card = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!card)
        return xp_error_set(err, XP_EINVAL, "%s:%d: %s", path, je.line, je.text);
    int rc = card_check(card, m, path, err);
    if (!rc) {
        m->card = json_dumps(card, JSON_COMPACT | JSON_PRESERVE_ORDER);
        snprintf(m->card_note, sizeof m->card_note, "%s",
                 json_string_value(json_object_get(card, "note")));
        if (!m->card)
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    json_decref(card);
    return rc;
}
