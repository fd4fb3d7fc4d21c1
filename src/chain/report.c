/* Beamtime reports (JSON or CSV) and the EIP-712 digest of the OracleCommittee's Report. */
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/eth.h"
#include "xtalproof/keccak.h"
#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"

/* ---- time ------------------------------------------------------------------------------ */

/* days since 1970-01-01 of a proleptic Gregorian date */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *p, int n, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -1;
        *v = *v * 10 + (unsigned)(p[i] - '0');
    }
    return 0;
}

int xp_time_parse(const char *text, uint64_t *t, xp_error *err)
{
    size_t n = strlen(text);
    if (n >= 1 && n <= 12 && strspn(text, "0123456789") == n) {
        *t = strtoull(text, NULL, 10);
        return 0;
    }
    unsigned y, mo, d, h, mi, s;
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':' || text[19] != 'Z' || digits(text, 4, &y) || digits(text + 5, 2, &mo) ||
        digits(text + 8, 2, &d) || digits(text + 11, 2, &h) || digits(text + 14, 2, &mi) ||
        digits(text + 17, 2, &s) || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        h > 23 || mi > 59 || s > 59)
        return xp_error_set(err, XP_EINVAL,
                            "\"%.40s\" is not a UTC time YYYY-MM-DDTHH:MM:SSZ or unix seconds",
                            text);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return xp_error_set(err, XP_EINVAL, "\"%s\": %u has no 29 February", text, y);
    *t = (uint64_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s);
    return 0;
}

/* ---- one measurement from (key, text) pairs -------------------------------------------- */

static int copy_text(const char *field, const char *v, char *out, size_t cap, int need,
                     xp_error *err)
{
    size_t n = strlen(v);
    if (need && !n)
        return xp_error_set(err, XP_EINVAL, "\"%s\" is empty", field);
    if (n >= cap)
        return xp_error_set(err, XP_EINVAL, "\"%s\" is longer than %zu bytes", field, cap - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return xp_error_set(err, XP_EINVAL, "\"%s\" holds a control character", field);
    memcpy(out, v, n + 1);
    return 0;
}

/* one raw data path: relative, no "..", no empty parts */
static int raw_path(const char *v, char *out, xp_error *err)
{
    if (copy_text("rawData", v, out, 256, 1, err))
        return XP_EINVAL;
    if (v[0] == '/' || !strcmp(v, "..") || !strncmp(v, "../", 3) || strstr(v, "/../") ||
        (strlen(v) >= 3 && !strcmp(v + strlen(v) - 3, "/..")))
        return xp_error_set(err, XP_EINVAL,
                            "raw data file \"%s\" must be relative to the report and stay in "
                            "its folder",
                            v);
    return 0;
}

static int set_field(xp_measurement *m, const char *key, const char *v, unsigned *seen,
                     xp_error *err)
{
    static const char *const keys[] = {"target",      "symhash",    "property", "value",
                                       "uncertainty", "unit",       "facility", "beamline",
                                       "proposalId",  "measuredAt", "rawData"};
    unsigned k;
    for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (!strcmp(key, keys[k]))
            break;
    if (k == sizeof keys / sizeof keys[0])
        return xp_error_set(err, XP_EINVAL, "unknown field \"%.40s\"", key);
    if (*seen & (1u << k))
        return xp_error_set(err, XP_EINVAL, "field \"%s\" given twice", key);
    *seen |= 1u << k;
    switch (k) {
    case 0:
        if (!*v)
            return 0;
        if (raw_path(v, m->target, err))
            return xp_error_prefix(err, XP_EINVAL, "target");
        return 0;
    case 1:
        if (!*v)
            return 0;
        m->has_symhash = 1;
        if (xp_hex_decode_exact(v, m->symhash, 32, err))
            return xp_error_prefix(err, XP_EINVAL, "symhash");
        return 0;
    case 2:
        return copy_text(key, v, m->property, sizeof m->property, 1, err);
    case 3:
        if (copy_text(key, v, m->value, sizeof m->value, 1, err) ||
            xp_q16_parse(v, &m->value_q, err))
            return xp_error_prefix(err, XP_EINVAL, "value");
        return 0;
    case 4:
        if (copy_text(key, v, m->uncertainty, sizeof m->uncertainty, 1, err) ||
            xp_q16_parse(v, &m->uncertainty_q, err))
            return xp_error_prefix(err, XP_EINVAL, "uncertainty");
        if (m->uncertainty_q < 0)
            return xp_error_set(err, XP_EINVAL, "uncertainty is negative");
        return 0;
    case 5:
        return copy_text(key, v, m->unit, sizeof m->unit, 1, err);
    case 6:
        return copy_text(key, v, m->facility, sizeof m->facility, 1, err);
    case 7:
        return copy_text(key, v, m->beamline, sizeof m->beamline, 0, err);
    case 8:
        return copy_text(key, v, m->proposal, sizeof m->proposal, 0, err);
    case 9:
        if (xp_time_parse(v, &m->measured_at, err))
            return xp_error_prefix(err, XP_EINVAL, "measuredAt");
        return 0;
    default: { /* rawData in CSV: paths separated by ';' */
        const char *p = v;
        while (*p) {
            const char *e = strchr(p, ';');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            char one[256];
            if (m->nraw == XP_REPORT_MAX_RAW)
                return xp_error_set(err, XP_EINVAL, "more than %d raw data files",
                                    XP_REPORT_MAX_RAW);
            if (l >= sizeof one)
                return xp_error_set(err, XP_EINVAL, "a raw data path is too long");
            memcpy(one, p, l);
            one[l] = 0;
            if (raw_path(one, m->raw[m->nraw], err))
                return XP_EINVAL;
            m->nraw++;
            p = e ? e + 1 : p + l;
        }
        return 0;
    }
    }
}

static int check_complete(const xp_measurement *m, unsigned seen, xp_error *err)
{
    static const char *const need[] = {"property", "value",    "uncertainty",
                                       "unit",     "facility", "measuredAt"};
    static const int bit[] = {2, 3, 4, 5, 6, 9};
    for (int i = 0; i < 6; i++)
        if (!(seen & (1u << bit[i])))
            return xp_error_set(err, XP_EINVAL, "\"%s\" is missing", need[i]);
    if (!m->has_symhash == !m->target[0])
        return xp_error_set(err, XP_EINVAL,
                            "give exactly one of \"target\" (a structure file) "
                            "and \"symhash\"");
    uint8_t b[32];
    if (xp_short_name(m->property, b, err) || xp_report_facility(m, b, err))
        return XP_EINVAL;
    return 0;
}

int xp_report_facility(const xp_measurement *m, uint8_t out[32], xp_error *err)
{
    char f[80];
    snprintf(f, sizeof f, "%s%s%s", m->facility, m->beamline[0] ? "/" : "", m->beamline);
    if (strlen(f) > 32)
        return xp_error_set(err, XP_EINVAL, "facility/beamline \"%s\" is longer than 32 bytes", f);
    return xp_short_name(f, out, err);
}

/* ---- JSON ------------------------------------------------------------------------------ */

static int parse_json(const char *text, size_t len, xp_report *r, xp_error *err)
{
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return xp_error_set(err, XP_EINVAL, "report: not a JSON object (line %d: %s)", je.line,
                            je.text);
    }
    int rc = 0;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "version") && strcmp(key, "measurements") && strcmp(key, "origin")) {
            rc = xp_error_set(err, XP_EINVAL, "report: unknown field \"%.40s\"", key);
            goto out;
        }
    }
    json_t *ver = json_object_get(o, "version"), *ms = json_object_get(o, "measurements");
    if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
        rc = xp_error_set(err, XP_EINVAL, "report: \"version\" must be 1");
        goto out;
    }
    size_t n = json_array_size(ms);
    if (!json_is_array(ms) || n == 0 || n > XP_REPORT_MAX_ROWS) {
        rc = xp_error_set(err, XP_EINVAL, "report: \"measurements\" must be an array of 1 to %d",
                          XP_REPORT_MAX_ROWS);
        goto out;
    }
    if (!(r->m = calloc(n, sizeof *r->m))) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *e = json_array_get(ms, i);
        xp_measurement *m = &r->m[i];
        unsigned seen = 0;
        if (!json_is_object(e))
            rc = xp_error_set(err, XP_EINVAL, "not an object");
        json_object_foreach(e, key, v)
        {
            if (rc)
                break;
            char num[64];
            const char *s = NULL;
            if (!strcmp(key, "rawData")) {
                if (!json_is_array(v)) {
                    rc = xp_error_set(err, XP_EINVAL, "\"rawData\" must be an array of paths");
                    break;
                }
                seen |= 1u << 10;
                size_t k;
                json_t *p;
                json_array_foreach(v, k, p)
                {
                    if (rc)
                        break;
                    if (!json_is_string(p) || m->nraw == XP_REPORT_MAX_RAW)
                        rc = xp_error_set(err, XP_EINVAL, "\"rawData\" must be at most %d paths",
                                          XP_REPORT_MAX_RAW);
                    else if (!raw_path(json_string_value(p), m->raw[m->nraw], err))
                        m->nraw++;
                    else
                        rc = XP_EINVAL;
                }
                continue;
            }
            if (json_is_string(v))
                s = json_string_value(v);
            else if (json_is_integer(v) && (!strcmp(key, "measuredAt") || !strcmp(key, "value") ||
                                            !strcmp(key, "uncertainty"))) {
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
                s = num;
            } else if (json_is_real(v) && (!strcmp(key, "value") || !strcmp(key, "uncertainty"))) {
                snprintf(num, sizeof num, "%.17g", json_real_value(v));
                s = num;
            }
            if (!s)
                rc = xp_error_set(err, XP_EINVAL, "\"%.40s\" has the wrong type", key);
            else
                rc = set_field(m, key, s, &seen, err);
        }
        if (!rc)
            rc = check_complete(m, seen, err);
        if (rc)
            xp_error_prefix(err, rc, "report: measurement %zu", i + 1);
        r->n = i + 1;
    }
out:
    json_decref(o);
    return rc;
}

/* ---- CSV (RFC 4180: quoted fields with "" escapes; no line breaks inside fields) ------ */

#define CSV_MAX_COLS 11

static int csv_line(const char **pp, const char *end, char cols[CSV_MAX_COLS][600], int *ncols,
                    xp_error *err)
{
    const char *p = *pp;
    int n = 0;
    for (;;) {
        if (n == CSV_MAX_COLS)
            return xp_error_set(err, XP_EINVAL, "more than %d columns", CSV_MAX_COLS);
        char *o = cols[n];
        size_t k = 0;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end || *p == '\n' || *p == '\r')
                    return xp_error_set(err, XP_EINVAL, "an unterminated quoted field");
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        p++;
                    } else {
                        p++;
                        break;
                    }
                }
                if (k + 1 >= 600)
                    return xp_error_set(err, XP_EINVAL, "a field longer than 599 bytes");
                o[k++] = *p++;
            }
            if (p < end && *p != ',' && *p != '\n' && *p != '\r')
                return xp_error_set(err, XP_EINVAL, "text after a quoted field");
        } else {
            while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
                if (*p == '"')
                    return xp_error_set(err, XP_EINVAL, "a quote inside an unquoted field");
                if (k + 1 >= 600)
                    return xp_error_set(err, XP_EINVAL, "a field longer than 599 bytes");
                o[k++] = *p++;
            }
        }
        o[k] = 0;
        n++;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        break;
    }
    if (p < end && *p == '\r')
        p++;
    if (p < end && *p == '\n')
        p++;
    *pp = p;
    *ncols = n;
    return 0;
}

static const char *const csv_header[CSV_MAX_COLS] = {
    "target",   "symhash",  "property",    "value",       "uncertainty", "unit",
    "facility", "beamline", "proposal_id", "measured_at", "raw_data"};
static const char *const csv_key[CSV_MAX_COLS] = {
    "target",   "symhash",  "property",   "value",      "uncertainty", "unit",
    "facility", "beamline", "proposalId", "measuredAt", "rawData"};

static int parse_csv(const char *text, size_t len, xp_report *r, xp_error *err)
{
    const char *p = text, *end = text + len;
    char(*cols)[600] = malloc(CSV_MAX_COLS * 600);
    int map[CSV_MAX_COLS], nc, rc;
    size_t line = 1;
    if (!cols)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!(r->m = calloc(XP_REPORT_MAX_ROWS, sizeof *r->m))) {
        free(cols);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    if ((rc = csv_line(&p, end, cols, &nc, err)))
        goto out;
    for (int i = 0; i < nc; i++) {
        map[i] = -1;
        for (int k = 0; k < CSV_MAX_COLS; k++)
            if (!strcmp(cols[i], csv_header[k]))
                map[i] = k;
        for (int j = 0; j < i && map[i] >= 0; j++)
            if (map[j] == map[i])
                map[i] = -1;
        if (map[i] < 0) {
            rc = xp_error_set(err, XP_EINVAL, "unknown or repeated column \"%.40s\"", cols[i]);
            goto out;
        }
    }
    while (p < end) {
        line++;
        if (*p == '\n' || *p == '\r') { /* blank line */
            p += (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
            continue;
        }
        int n;
        if ((rc = csv_line(&p, end, cols, &n, err)))
            goto out;
        if (n != nc) {
            rc = xp_error_set(err, XP_EINVAL, "%d fields, the header has %d", n, nc);
            goto out;
        }
        if (r->n == XP_REPORT_MAX_ROWS) {
            rc = xp_error_set(err, XP_EINVAL, "more than %d measurements", XP_REPORT_MAX_ROWS);
            goto out;
        }
        xp_measurement *m = &r->m[r->n++];
        unsigned seen = 0;
        for (int i = 0; i < n && !rc; i++)
            rc = set_field(m, csv_key[map[i]], cols[i], &seen, err);
        if (!rc)
            rc = check_complete(m, seen, err);
        if (rc)
            goto out;
    }
    if (r->n == 0)
        rc = xp_error_set(err, XP_EINVAL, "no measurements");
out:
    if (rc)
        xp_error_prefix(err, rc, "report: line %zu", line);
    free(cols);
    return rc;
}

int xp_report_parse(const char *text, size_t len, xp_report *r, xp_error *err)
{
    memset(r, 0, sizeof *r);
    if (memchr(text, 0, len))
        return xp_error_set(err, XP_EINVAL, "report: a NUL byte in the text");
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    int rc =
        (i < len && text[i] == '{') ? parse_json(text, len, r, err) : parse_csv(text, len, r, err);
    if (rc)
        xp_report_free(r);
    return rc;
}

void xp_report_free(xp_report *r)
{
    free(r->m);
    memset(r, 0, sizeof *r);
}

/* ---- EIP-712 ---------------------------------------------------------------------------- */

static void kstr(const char *s, uint8_t out[32])
{
    xp_keccak256(s, strlen(s), out);
}

void xp_oracle_digest(const xp_oracle_report *r, uint64_t chain_id,
                      const uint8_t committee[XP_ADDRESS_LEN], uint8_t out[32])
{
    uint8_t dom[5][32], st[9][32], ds[32], sh[32], msg[66];
    kstr("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
         dom[0]);
    kstr("xtalproof OracleCommittee", dom[1]);
    kstr("1", dom[2]);
    xp_word_u64(dom[3], chain_id);
    memset(dom[4], 0, 32);
    memcpy(dom[4] + 12, committee, 20);
    xp_keccak256(dom, sizeof dom, ds);
    kstr("OracleReport(uint256 round,bytes32 symhash,bytes32 property,int256 value,uint256 "
         "uncertainty,bytes32 rawDataHash,bytes32 facility,uint64 measuredAt)",
         st[0]);
    xp_word_u64(st[1], r->round);
    memcpy(st[2], r->symhash, 32);
    memcpy(st[3], r->property, 32);
    xp_word_i64(st[4], r->value_q);
    xp_word_u64(st[5], r->uncertainty_q);
    memcpy(st[6], r->raw_data_hash, 32);
    memcpy(st[7], r->facility, 32);
    xp_word_u64(st[8], r->measured_at);
    xp_keccak256(st, sizeof st, sh);
    msg[0] = 0x19;
    msg[1] = 0x01;
    memcpy(msg + 2, ds, 32);
    memcpy(msg + 34, sh, 32);
    xp_keccak256(msg, sizeof msg, out);
}

json_t *xp_oracle_report_tuple(const xp_oracle_report *r)
{
    char hx[3][67], num[3][32];
    snprintf(num[0], sizeof num[0], "%llu", (unsigned long long)r->round);
    snprintf(num[1], sizeof num[1], "%lld", (long long)r->value_q);
    snprintf(num[2], sizeof num[2], "%llu", (unsigned long long)r->uncertainty_q);
    char rd[67], fa[67], mt[32];
    snprintf(mt, sizeof mt, "%llu", (unsigned long long)r->measured_at);
    return json_pack("[s, s, s, s, s, s, s, s]", num[0], xp_hex_encode(r->symhash, 32, hx[0], 1),
                     xp_hex_encode(r->property, 32, hx[1], 1), num[1], num[2],
                     xp_hex_encode(r->raw_data_hash, 32, rd, 1),
                     xp_hex_encode(r->facility, 32, fa, 1), mt);
}

/* ---- a measurement as the on-chain Report ------------------------------------------------ */

#define XP_TARGET_FILE_MAX ((size_t)256 << 20)

/* SHA-256 of a file, read in pieces (raw data may be large) */
static int sha256_file(const char *path, uint8_t out[32], xp_error *err)
{
    FILE *f = xp_file_fopen_regular(path, err);
    if (!f)
        return xp_error_prefix(err, err ? err->code : XP_EIO, "raw data file");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    unsigned char buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return ok ? 0 : xp_error_set(err, XP_EIO, "raw data file %s could not be read", path);
}

/* The symhash of the one structure in a target file. */
static int target_symhash(const char *path, uint8_t out[32], xp_error *err)
{
    xp_read_opts opts = {.max_bytes = XP_TARGET_FILE_MAX};
    int rc = xp_symhash_of_file(path, &opts, out, err);
    if (rc)
        xp_error_prefix(err, rc, "target %s", path);
    return rc;
}

int xp_report_entry(const char *dir, const xp_measurement *m, xp_oracle_report *r, xp_error *err)
{
    memset(r, 0, sizeof *r);
    char p[4400];
    int rc = 0;
    if (m->has_symhash) {
        memcpy(r->symhash, m->symhash, 32);
    } else {
        snprintf(p, sizeof p, "%.4096s/%s", dir, m->target);
        if ((rc = target_symhash(p, r->symhash, err)))
            return rc;
    }
    r->value_q = m->value_q;
    r->uncertainty_q = (uint64_t)m->uncertainty_q;
    r->measured_at = m->measured_at;
    if (xp_short_name(m->property, r->property, err) || xp_report_facility(m, r->facility, err))
        return XP_EINVAL;
    /* rawDataHash = keccak256(sha256(file 1) ‖ … ‖ sha256(file n)); no files: zero */
    if (!m->nraw)
        return 0;
    uint8_t cat[XP_REPORT_MAX_RAW * 32];
    for (size_t i = 0; !rc && i < m->nraw; i++) {
        snprintf(p, sizeof p, "%.4096s/%s", dir, m->raw[i]);
        rc = sha256_file(p, cat + 32 * i, err);
    }
    if (!rc)
        xp_keccak256(cat, 32 * m->nraw, r->raw_data_hash);
    return rc;
}
