/* The openings handed to verify: an openings file's text, one opening or one per line
 * (include/xtalproof/prover.h, xp_openings). */
#include <stdio.h>
#include <string.h>

#include "xtalproof/prover.h"

/* One opening, a step's (version 2: it names a "step") or a layer's (version 1). */
static int add_one(xp_openings *o, const char *text, size_t n, xp_error *e)
{
    if (o->nlayer + o->nstep == XP_VERIFY_MAX_OPENINGS)
        return xp_error_set(e, XP_EINVAL, "more than %d openings", XP_VERIFY_MAX_OPENINGS);
    int names_step = 0;
    for (size_t i = 0; i + 6 <= n && !names_step; i++)
        names_step = !memcmp(text + i, "\"step\"", 6);
    int rc;
    if (names_step) {
        rc = xp_step_opening_parse(text, n, &o->step[o->nstep], e);
        o->nstep += rc == 0;
    } else {
        rc = xp_trace_opening_parse(text, n, &o->layer[o->nlayer], e);
        o->nlayer += rc == 0;
    }
    return rc;
}

void xp_openings_read(const char *name, const char *text, size_t len, xp_openings *o)
{
    memset(o, 0, sizeof *o);
    xp_error e = {0};
    if (add_one(o, text, len, &e) == 0)
        return;
    size_t line = 0;
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        size_t k = 0;
        while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
            k++;
        line++;
        if (k < n) { /* not a blank line */
            int was_full = o->nlayer + o->nstep == XP_VERIFY_MAX_OPENINGS;
            e.msg[0] = '\0';
            add_one(o, p, n, &e);
            if (e.msg[0] && o->nbad < 4)
                snprintf(o->bad[o->nbad++], XP_ERROR_MAX, "%.200s line %zu: %.280s", name, line,
                         e.msg);
            if (was_full)
                break;
        }
        p += n + 1;
    }
    if (o->nlayer + o->nstep == 0 && o->nbad == 0)
        snprintf(o->bad[o->nbad++], XP_ERROR_MAX, "%.200s holds no opening", name);
}

void xp_openings_free(xp_openings *o)
{
    for (size_t i = 0; i < o->nstep; i++)
        xp_step_opening_free(&o->step[i]);
    o->nstep = 0;
}

void xp_openings_report(const xp_openings *o, xp_verify_report *rep)
{
    if (!o->nbad)
        return;
    if (o->nlayer + o->nstep == 0) /* the SKIP line of no opening goes */
        for (size_t i = 0; i < rep->n; i++)
            if (!strcmp(rep->check[i].name, "opening") && rep->check[i].status == XP_CHECK_SKIP) {
                memmove(&rep->check[i], &rep->check[i + 1], (rep->n - i - 1) * sizeof *rep->check);
                rep->n--;
                break;
            }
    for (size_t i = 0; i < o->nbad && rep->n < XP_VERIFY_MAX_CHECKS; i++) {
        xp_check *c = &rep->check[rep->n++];
        c->name = "opening";
        c->status = XP_CHECK_FAIL;
        snprintf(c->reason, sizeof c->reason, "%s", o->bad[i]);
        rep->failed++;
    }
}
