/* The CIF text parsed through the CIF API (libcif) into a table of text values per block.
 *
 * The parse keeps nothing in the library's own store: the handlers copy each item's text into
 * a small table per block and tell the parser to skip it. The library's CIF object (an
 * in-memory database, costly to create) is made once per thread and emptied after each file.
 * Errors are recorded, not acted on: the forgiving mode notes the slips it reads on as
 * warnings, and the reader (cif.c) refuses the file for any other. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cif.h>
#include <cif_error.h>
#include <unicode/ustring.h>

#include "cif_internal.h"

/* ---- the items of a file, as text ------------------------------------------------------ */

char xp_cif_list_mark[] = "(a list)";
static char NA_VALUE[] = ".";
#define LIST_VALUE XP_CIF_LIST

/* u as UTF-8 (malloc'd); NULL when out of memory, and when u is missing or not text, which
 * sets *not_text (when given): libcif's recovery after a grammar error can hand on such a name. */
static char *utf8_of(const UChar *u, int *not_text)
{
    int32_t need = 0;
    UErrorCode e = U_ZERO_ERROR;
    if (u)
        u_strToUTF8(NULL, 0, &need, u, -1, &e);
    if (!u || (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))) {
        if (not_text)
            *not_text = 1;
        return NULL;
    }
    char *out = malloc((size_t)need + 1);
    if (!out)
        return NULL;
    e = U_ZERO_ERROR;
    u_strToUTF8(out, need + 1, NULL, u, -1, &e);
    if (U_FAILURE(e)) {
        free(out);
        if (not_text)
            *not_text = 1;
        return NULL;
    }
    out[need] = '\0';
    return out;
}

static void normalize_tag(char *t)
{
    for (; *t; t++) {
        if (*t >= 'A' && *t <= 'Z')
            *t = (char)(*t - 'A' + 'a');
        else if (*t == '.')
            *t = '_';
    }
}

void xp_cif_tables_free(xp_cif_tables *st)
{
    for (size_t b = 0; b < st->nblocks; b++) {
        xp_cif_block *bt = &st->blocks[b];
        for (size_t c = 0; c < bt->ncols; c++) {
            for (size_t i = 0; i < bt->cols[c].n; i++)
                if (bt->cols[c].vals[i] != LIST_VALUE && bt->cols[c].vals[i] != NA_VALUE)
                    free(bt->cols[c].vals[i]);
            free(bt->cols[c].vals);
            free(bt->cols[c].name);
        }
        free(bt->cols);
        free(bt->name);
    }
    free(st->blocks);
    free(st->err_text);
    for (size_t i = 0; i < st->nwarn && i < XP_CIF_MAX_WARNINGS; i++)
        free(st->warn[i]);
    memset(st, 0, sizeof *st);
}

static int on_block_start(cif_container_tp *block, void *ctx)
{
    xp_cif_tables *st = ctx;
    if (st->nblocks == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 4;
        xp_cif_block *nb = realloc(st->blocks, ncap * sizeof *nb);
        if (!nb) {
            st->failed = 1;
            return CIF_TRAVERSE_END;
        }
        st->blocks = nb;
        st->cap = ncap;
    }
    xp_cif_block *bt = &st->blocks[st->nblocks++];
    memset(bt, 0, sizeof *bt);
    UChar *code = NULL;
    if (block && cif_container_get_code(block, &code) == CIF_OK && code) {
        bt->name = utf8_of(code, NULL);
        free(code);
    }
    return CIF_TRAVERSE_CONTINUE;
}

static int on_frame_start(cif_container_tp *frame, void *ctx)
{
    (void)frame;
    (void)ctx;
    return CIF_TRAVERSE_SKIP_CURRENT; /* save frames hold no structure */
}

static int on_item(UChar *uname, cif_value_tp *value, void *ctx)
{
    xp_cif_tables *st = ctx;
    if (st->nblocks == 0 || st->failed)
        return CIF_TRAVERSE_SKIP_CURRENT;
    if (++st->nvalues > XP_CIF_MAX_VALUES) {
        st->failed = 2;
        return CIF_TRAVERSE_END;
    }
    xp_cif_block *bt = &st->blocks[st->nblocks - 1];
    int not_text = 0;
    char *name = utf8_of(uname, &not_text);
    if (!name) {
        st->failed = not_text ? 3 : 1;
        return CIF_TRAVERSE_END;
    }
    normalize_tag(name);
    xp_cif_col *col = NULL;
    for (size_t c = bt->ncols; c-- > 0;)
        if (!strcmp(bt->cols[c].name, name)) {
            col = &bt->cols[c];
            break;
        }
    if (!col) {
        if (bt->ncols == bt->cap) {
            size_t ncap = bt->cap ? bt->cap * 2 : 16;
            xp_cif_col *nc = realloc(bt->cols, ncap * sizeof *nc);
            if (!nc) {
                free(name);
                st->failed = 1;
                return CIF_TRAVERSE_END;
            }
            bt->cols = nc;
            bt->cap = ncap;
        }
        col = &bt->cols[bt->ncols++];
        memset(col, 0, sizeof *col);
        col->name = name;
    } else {
        free(name);
    }
    if (col->n == col->cap) {
        size_t ncap = col->cap ? col->cap * 2 : 4;
        char **nv = realloc(col->vals, ncap * sizeof *nv);
        if (!nv) {
            st->failed = 1;
            return CIF_TRAVERSE_END;
        }
        col->vals = nv;
        col->cap = ncap;
    }
    char *text = NULL;
    cif_kind_tp kind = cif_value_kind(value);
    if (kind == CIF_LIST_KIND || kind == CIF_TABLE_KIND) {
        text = LIST_VALUE;
    } else if (kind == CIF_NA_KIND) {
        text = NA_VALUE;
    } else if (kind == CIF_CHAR_KIND || kind == CIF_NUMB_KIND) {
        UChar *u = NULL;
        if (cif_value_get_text(value, &u) == CIF_OK && u) {
            text = utf8_of(u, &not_text);
            free(u);
            if (!text) {
                st->failed = not_text ? 3 : 1;
                return CIF_TRAVERSE_END;
            }
        }
    }
    col->vals[col->n++] = text;
    return CIF_TRAVERSE_SKIP_CURRENT; /* nothing kept in the library's store */
}

static int on_packet_end(cif_packet_tp *packet, void *ctx)
{
    (void)packet;
    (void)ctx;
    return CIF_TRAVERSE_SKIP_CURRENT;
}

/* The slips the forgiving mode reads with a warning: libcif recovers from each in the way
 * other readers do (the short packet's missing values unknown, the quoted string to the end of
 * its line, the bare value as written, the stray value dropped, the misplaced or over-long
 * text as it is). */
static int forgivable(int code)
{
    switch (code) {
    case CIF_PARTIAL_PACKET:
    case CIF_MISSING_ENDQUOTE:
    case CIF_INVALID_BARE_VALUE:
    case CIF_UNEXPECTED_VALUE:
    case CIF_MISSING_VALUE:
    case CIF_MISSING_SPACE:
    case CIF_OVERLENGTH_LINE:
    case CIF_DISALLOWED_CHAR:
    case CIF_INVALID_CHAR:
    case CIF_UNMAPPED_CHAR:
    case CIF_RESERVED_WORD:
    case CIF_DUP_BLOCKCODE: /* each block is read on its own, whatever its name */
        return 1;
    default:
        return 0;
    }
}

/* At most 60 characters of the text libcif points at, for the messages. */
static char *error_excerpt(const UChar *text, size_t length)
{
    if (!text || length == 0)
        return NULL;
    UChar u[61];
    size_t n = length < 60 ? length : 60;
    memcpy(u, text, n * sizeof *u);
    u[n] = 0;
    char *s = utf8_of(u, NULL);
    for (char *p = s; p && *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return s;
}

static int on_error(int code, size_t line, size_t column, const UChar *text, size_t length,
                    void *data)
{
    xp_cif_tables *st = data;
    if (!st->strict && forgivable(code)) {
        if (st->nwarn < XP_CIF_MAX_WARNINGS) {
            char *ex = error_excerpt(text, length);
            char msg[256];
            snprintf(msg, sizeof msg, "%zu:%zu: %s; read on%s%s%s", line, column,
                     xp_cif_error_text(code), ex ? " (the value read: \"" : "", ex ? ex : "",
                     ex ? "\")" : "");
            free(ex);
            if (!(st->warn[st->nwarn] = strdup(msg)))
                st->failed = 1; /* out of memory */
        }
        st->nwarn++;
        return CIF_OK;
    }
    if (!st->err_code) {
        st->err_code = code;
        st->err_line = line;
        st->err_col = column;
        st->err_text = error_excerpt(text, length);
    }
    /* Recorded and the parse goes on with the library's recovery: aborting from here leaks
     * inside libcif 0.4.2. The file is refused afterwards all the same. */
    return CIF_OK;
}

/* The per-thread CIF object the parser needs (its store stays empty between files). */
static pthread_key_t g_cif_key;
static pthread_once_t g_cif_once = PTHREAD_ONCE_INIT;

static void cif_key_destroy(void *p)
{
    if (p)
        (void)!cif_destroy((cif_tp *)p);
}

static void cif_key_make(void)
{
    (void)pthread_key_create(&g_cif_key, cif_key_destroy);
}

static cif_tp *thread_cif(void)
{
    pthread_once(&g_cif_once, cif_key_make);
    cif_tp *cif = pthread_getspecific(g_cif_key);
    if (!cif) {
        if (cif_create(&cif) != CIF_OK)
            return NULL;
        if (pthread_setspecific(g_cif_key, cif)) {
            (void)!cif_destroy(cif);
            return NULL;
        }
    }
    return cif;
}

static void empty_cif(cif_tp *cif)
{
    cif_block_tp **blocks = NULL;
    if (cif_get_all_blocks(cif, &blocks) == CIF_OK && blocks) {
        for (size_t i = 0; blocks[i]; i++)
            (void)!cif_container_destroy(blocks[i]);
        free(blocks);
    }
}


const char *xp_cif_error_text(int code)
{
    return (code >= 0 && code < cif_nerr) ? cif_errlist[code] : "parse error";
}

/* A copy of the text with CR LF and lone CR line ends as LF (libcif 0.4.2 misreads them), its
 * length in *n; NULL when out of memory. */
static char *unix_lines(const char *data, size_t len, size_t *n)
{
    char *out = malloc(len);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\r')
            out[k++] = data[i];
        else if (i + 1 == len || data[i + 1] != '\n')
            out[k++] = '\n';
    }
    *n = k;
    return out;
}

int xp_cif_parse(const char *data, size_t len, int strict, xp_cif_tables *st)
{
    memset(st, 0, sizeof *st);
    st->strict = strict;
    cif_tp *cif = thread_cif();
    if (!cif)
        return CIF_MEMORY_ERROR;
    char *lf = NULL;
    if (memchr(data, '\r', len)) {
        if (!(lf = unix_lines(data, len, &len)))
            return CIF_MEMORY_ERROR;
        data = lf;
    }
    FILE *f = fmemopen((void *)data, len, "rb");
    if (!f) {
        free(lf);
        return CIF_MEMORY_ERROR;
    }
    struct cif_parse_opts_s *po = NULL;
    if (cif_parse_options_create(&po) != CIF_OK) {
        fclose(f);
        free(lf);
        return CIF_MEMORY_ERROR;
    }
    struct cif_handler_s handler = {0};
    handler.handle_block_start = on_block_start;
    handler.handle_frame_start = on_frame_start;
    handler.handle_item = on_item;
    handler.handle_packet_end = on_packet_end;
    po->handler = &handler;
    po->user_data = st;
    po->error_callback = on_error;
    po->default_encoding_name = "UTF-8";
    int prc = cif_parse(f, po, &cif);
    free(po);
    fclose(f);
    free(lf);
    empty_cif(cif);
    return prc;
}

/* ---- lookups in a block's table ---- */

int xp_cif_inapplicable(const xp_cif_block *db, ssize_t tag, ssize_t row)
{
    return tag >= 0 && row >= 0 && (size_t)row < db->cols[tag].n &&
           db->cols[tag].vals[row] == NA_VALUE;
}

ssize_t xp_cif_find(const xp_cif_block *db, const char *tag)
{
    char want[128];
    snprintf(want, sizeof want, "%s", tag);
    normalize_tag(want);
    for (size_t i = 0; i < db->ncols; i++)
        if (!strcmp(db->cols[i].name, want))
            return (ssize_t)i;
    return -1;
}

ssize_t xp_cif_find_any(const xp_cif_block *db, const char *const *tags)
{
    for (; *tags; tags++) {
        ssize_t i = xp_cif_find(db, *tags);
        if (i >= 0)
            return i;
    }
    return -1;
}

ssize_t xp_cif_count(const xp_cif_block *db, ssize_t tag)
{
    return tag < 0 ? 0 : (ssize_t)db->cols[tag].n;
}

const char *xp_cif_text(const xp_cif_block *db, ssize_t tag, ssize_t row)
{
    if (tag < 0 || row < 0 || (size_t)row >= db->cols[tag].n)
        return "?";
    const char *v = db->cols[tag].vals[row];
    if (v == LIST_VALUE)
        return NULL;
    return v && v != NA_VALUE ? v : "?";
}

/* Whether the n bytes at p, case aside, are word (a tag or a block code: '.' and '_' alike)
 * followed by white space or the end. */
static int word_at(const char *p, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (k > n)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char a = p[i], w = word[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (w >= 'A' && w <= 'Z')
            w = (char)(w - 'A' + 'a');
        if (a == '.')
            a = '_';
        if (w == '.')
            w = '_';
        if (a != w)
            return 0;
    }
    return k == n || p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r';
}

size_t xp_cif_line_of(const char *data, size_t len, const char *block, const char *tag)
{
    size_t line = 1, header = 0;
    for (size_t i = 0; i < len; i++) {
        if (i == 0 || data[i - 1] == '\n') {
            size_t j = i;
            while (j < len && (data[j] == ' ' || data[j] == '\t'))
                j++;
            if (len - j > 5 && !strncasecmp(data + j, "data_", 5)) {
                if (header)
                    return header; /* the next block: the tag is not in this one */
                if (word_at(data + j + 5, len - j - 5, block)) {
                    header = line;
                    if (!tag)
                        return header;
                }
            } else if (header && tag && word_at(data + j, len - j, tag)) {
                return line;
            }
        }
        if (data[i] == '\n' || (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n')))
            line++;
    }
    return header;
}
