/* The daemon's pieces without a server (daemon.h): routes, names, request bodies, the
 * configuration and the metrics text; and its handlers, through xp_daemon_request on a store of
 * its own with no chain (datasets, structures, records, proofs checked by the proof reader,
 * predict, prediction records, refusals). Expectations are written by hand from docs/api.md and
 * the Prometheus text format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "xtalproof/bytes.h"
#include "xtalproof/daemon.h"
#include "xtalproof/proofdoc.h"
#include "xtalproof/store.h"

#define SYM "0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static int route(const char *m, const char *p, xp_route *r, const char **allow)
{
    xp_error err = {0};
    int st = xp_api_route(m, p, r, allow, &err);
    if (st)
        assert_true(err.msg[0] != '\0');
    return st;
}

static void routes_known(void **state)
{
    (void)state;
    xp_route r;
    const char *allow;
    assert_int_equal(route("GET", "/healthz", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_HEALTHZ);
    assert_int_equal(route("GET", "/v1/rounds/42", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_ROUND);
    assert_true(r.round == 42);
    assert_int_equal(r.write, 0);
    assert_int_equal(route("GET", "/v1/rounds/9223372036854775807", &r, &allow), 0);
    assert_true(r.round == 9223372036854775807ULL);
    /* not a round id: 0, leading zeros, signs, too large, not decimal */
    const char *bad_ids[] = {"/v1/rounds/0", "/v1/rounds/007", "/v1/rounds/-1", "/v1/rounds/+1",
                             "/v1/rounds/9223372036854775808", "/v1/rounds/12345678901234567890",
                             "/v1/rounds/0x1", "/v1/rounds/1a"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++)
        assert_int_equal(route("GET", bad_ids[i], &r, &allow), 400);
    assert_int_equal(route("POST", "/v1/rounds/1", &r, &allow), 405);
    assert_int_equal(route("GET", "/v1/rounds", &r, &allow), 404);
    assert_int_equal(route("HEAD", "/metrics", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_METRICS);
    assert_int_equal(route("GET", "/v1/datasets", &r, &allow), 0);
    assert_int_equal(r.write, 0);
    assert_int_equal(route("POST", "/v1/datasets", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_DATASETS);
    assert_int_equal(r.write, 1);
    assert_int_equal(route("GET", "/v1/datasets/my-set_1.0", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_DATASET);
    assert_string_equal(r.dataset, "my-set_1.0");
    assert_int_equal(route("POST", "/v1/datasets/a/structures", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_STRUCTURES);
    assert_int_equal(r.write, 1);
    assert_int_equal(route("POST", "/v1/datasets/a/versions", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_VERSIONS);
    assert_int_equal(route("GET", "/v1/datasets/a/records/" SYM, &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_RECORD);
    assert_int_equal(r.symhash[0], 0x00);
    assert_int_equal(r.symhash[1], 0x11);
    assert_int_equal(r.symhash[31], 0xff);
    assert_int_equal(route("GET", "/v1/datasets/a/proof/" SYM, &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_PROOF);
    assert_int_equal(route("POST", "/v1/predict", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_PREDICT);
    assert_int_equal(r.write, 0); /* predict reads only: no token */
    assert_string_equal(xp_route_label(XP_ROUTE_RECORD), "/v1/datasets/{name}/records/{symhash}");
}

static void routes_refused(void **state)
{
    (void)state;
    xp_route r;
    const char *allow;
    const char *missing[] = {"",
                             "healthz",
                             "/",
                             "/healthz/",
                             "/v1",
                             "/v1/",
                             "/v1/datasets/",
                             "//v1/datasets",
                             "/v1//datasets",
                             "/v1/datasets/a/",
                             "/v1/datasets/a/nothing",
                             "/v1/datasets/a/records",
                             "/v1/datasets/a/records/" SYM "/x",
                             "/v1/datasets/a/b/c/d/e/f/g",
                             "/v2/datasets",
                             "/V1/datasets",
                             "/v1/predict/x"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++)
        assert_int_equal(route("GET", missing[i], &r, &allow), 404);
    assert_int_equal(route("DELETE", "/v1/datasets/a", &r, &allow), 405);
    assert_string_equal(allow, "GET, HEAD");
    assert_int_equal(route("GET", "/v1/predict", &r, &allow), 405);
    assert_string_equal(allow, "POST");
    assert_int_equal(route("POS", "/v1/datasets", &r, &allow), 405);
    assert_int_equal(route("OST", "/v1/datasets", &r, &allow), 405);
    assert_int_equal(route("PUT", "/v1/datasets/a/structures", &r, &allow), 405);
    const char *bad[] = {"/v1/datasets/..",
                         "/v1/datasets/.",
                         "/v1/datasets/.hidden",
                         "/v1/datasets/-x",
                         "/v1/datasets/a%2Fb",
                         "/v1/datasets/a b",
                         "/v1/datasets/a%00b",
                         "/v1/datasets/"
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                         "/v1/datasets/a/records/0x1234",
                         "/v1/datasets/a/records/" SYM "0",
                         "/v1/datasets/a/proof/00112233445566778899aabbccddeeff00112233445566778899"
                         "aabbccddeeff00",
                         "/v1/datasets/a/proof/"
                         "0xg0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(route("GET", bad[i], &r, &allow), 400);
    assert_int_equal(route("POST", "/v1/datasets/../structures", &r, &allow), 400);
    /* the method is checked first: a GET there is refused whatever the name */
    assert_int_equal(route("GET", "/v1/datasets/../structures", &r, &allow), 405);
}

static void names(void **state)
{
    (void)state;
    assert_true(xp_api_valid_name("a"));
    assert_true(xp_api_valid_name("A.b_c-9"));
    assert_true(xp_api_valid_name("a.."));
    char n64[65], n65[66];
    memset(n64, 'x', 64);
    n64[64] = '\0';
    memset(n65, 'x', 65);
    n65[65] = '\0';
    assert_true(xp_api_valid_name(n64));
    assert_false(xp_api_valid_name(n65));
    assert_false(xp_api_valid_name(""));
    assert_false(xp_api_valid_name(".."));
    assert_false(xp_api_valid_name("-a"));
    assert_false(xp_api_valid_name("a/b"));
    assert_false(xp_api_valid_name("a\\b"));
    assert_false(xp_api_valid_name("é"));
}

static void submission_raw(void **state)
{
    (void)state;
    xp_api_submission s;
    xp_error err = {0};
    const char body[] = "data_x\n";
    assert_int_equal(xp_api_parse_submission(body, 7, "text/plain", "cif", "a.cif", NULL, &s, &err),
                     0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.files[0].format, XP_FORMAT_CIF);
    assert_string_equal(s.files[0].name, "a.cif");
    assert_ptr_equal(s.files[0].data, body);
    assert_int_equal(s.files[0].len, 7);
    assert_int_equal(s.cut, 1);
    assert_int_equal(s.cut_given, 0); /* the anchor worker's default then decides */
    xp_api_submission_free(&s);
    assert_int_equal(xp_api_parse_submission(body, 7, NULL, NULL, NULL, "false", &s, &err), 0);
    assert_string_equal(s.files[0].name, "body");
    assert_int_equal(s.files[0].format, XP_FORMAT_AUTO);
    assert_int_equal(s.cut, 0);
    assert_int_equal(s.cut_given, 1);
    xp_api_submission_free(&s);
    assert_int_equal(xp_api_parse_submission(body, 0, NULL, NULL, NULL, NULL, &s, &err), XP_EINVAL);
    assert_int_equal(xp_api_parse_submission(body, 7, NULL, "xyz", NULL, NULL, &s, &err),
                     XP_EINVAL);
    assert_int_equal(xp_api_parse_submission(body, 7, NULL, NULL, NULL, "yes", &s, &err),
                     XP_EINVAL);
    assert_int_equal(xp_api_parse_submission(body, 7, NULL, NULL, "a\"b", NULL, &s, &err),
                     XP_EINVAL);
    assert_int_equal(xp_api_parse_submission(body, 7, NULL, NULL, "", NULL, &s, &err), XP_EINVAL);
}

static int parse_json(const char *text, xp_api_submission *s)
{
    xp_error err = {0};
    int rc = xp_api_parse_submission(text, strlen(text), "application/json; charset=utf-8", NULL,
                                     NULL, NULL, s, &err);
    if (rc)
        assert_true(err.msg[0] != '\0');
    return rc;
}

static void submission_json(void **state)
{
    (void)state;
    xp_api_submission s;
    assert_int_equal(parse_json("{\"files\":[{\"name\":\"a\",\"format\":\"poscar\",\"content\":"
                                "\"x\\ny\"},{\"content\":\"z\"}],\"parent\":\"" SYM
                                "\",\"meta\":{\"b\":1,\"a\":\"x\"},\"cut\":false}",
                                &s),
                     0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.files[0].name, "a");
    assert_int_equal(s.files[0].format, XP_FORMAT_POSCAR);
    assert_int_equal(s.files[0].len, 3);
    assert_memory_equal(s.files[0].data, "x\ny", 3);
    assert_string_equal(s.files[1].name, "files[1]");
    assert_int_equal(s.files[1].format, XP_FORMAT_AUTO);
    assert_int_equal(s.has_parent, 1);
    assert_int_equal(s.parent[1], 0x11);
    assert_string_equal(s.meta, "{\"a\":\"x\",\"b\":1}");
    assert_int_equal(s.cut, 0);
    assert_int_equal(s.cut_given, 1);
    xp_api_submission_free(&s);
    const char *bad[] = {"",
                         "{",
                         "[]",
                         "{}",
                         "{\"files\":[]}",
                         "{\"files\":{}}",
                         "{\"files\":[1]}",
                         "{\"files\":[{}]}",
                         "{\"files\":[{\"content\":\"\"}]}",
                         "{\"files\":[{\"content\":5}]}",
                         "{\"files\":[{\"content\":\"x\",\"name\":7}]}",
                         "{\"files\":[{\"content\":\"x\",\"name\":\"\"}]}",
                         "{\"files\":[{\"content\":\"x\",\"format\":\"pdb\"}]}",
                         "{\"files\":[{\"content\":\"x\",\"size\":1}]}",
                         "{\"files\":[{\"content\":\"x\"}],\"parent\":\"0x12\"}",
                         "{\"files\":[{\"content\":\"x\"}],\"parent\":5}",
                         "{\"files\":[{\"content\":\"x\"}],\"meta\":[]}",
                         "{\"files\":[{\"content\":\"x\"}],\"meta\":{\"a\":1.5}}",
                         "{\"files\":[{\"content\":\"x\"}],\"cut\":1}",
                         "{\"files\":[{\"content\":\"x\"}],\"other\":1}",
                         "{\"files\":[{\"content\":\"x\"}],\"files\":[{\"content\":\"y\"}]}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(parse_json(bad[i], &s), XP_EINVAL);
        assert_null(s.files);
    }
    /* format and name belong in the JSON body */
    xp_error err = {0};
    const char *ok = "{\"files\":[{\"content\":\"x\"}]}";
    assert_int_equal(
        xp_api_parse_submission(ok, strlen(ok), "application/json", "cif", NULL, NULL, &s, &err),
        XP_EINVAL);
}

static void dataset_req(void **state)
{
    (void)state;
    xp_api_dataset_req q;
    xp_error err = {0};
    const char *good = "{\"name\":\"ds\",\"license\":\"CC0-1.0\",\"description\":\"x y\"}";
    assert_int_equal(xp_api_parse_dataset_req(good, strlen(good), &q, &err), 0);
    assert_string_equal(q.name, "ds");
    assert_string_equal(q.license, "CC0-1.0");
    assert_string_equal(q.description, "x y");
    const char *bad[] = {"",
                         "null",
                         "{\"name\":\"ds\"}",
                         "{\"license\":\"x\"}",
                         "{\"name\":\"../x\",\"license\":\"x\"}",
                         "{\"name\":\"ds\",\"license\":\"\"}",
                         "{\"name\":\"ds\",\"license\":1}",
                         "{\"name\":\"ds\",\"license\":\"x\",\"owner\":\"me\"}",
                         "{\"name\":\"d\\u0000s\",\"license\":\"x\"}",
                         "{\"name\":\"ds\",\"license\":\"x\",\"description\":null}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        xp_error_clear(&err);
        assert_int_equal(xp_api_parse_dataset_req(bad[i], strlen(bad[i]), &q, &err), XP_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
}

static void versions(void **state)
{
    (void)state;
    uint32_t v = 7;
    xp_error err = {0};
    assert_int_equal(xp_api_parse_version(NULL, &v, &err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(xp_api_parse_version("1", &v, &err), 0);
    assert_int_equal(v, 1);
    assert_int_equal(xp_api_parse_version("4294967295", &v, &err), 0);
    assert_int_equal(v, 4294967295u);
    const char *bad[] = {"0", "-1", "+1", "1x", " 1", "4294967296", "99999999999", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(xp_api_parse_version(bad[i], &v, &err), XP_EINVAL);
}

static void config(void **state)
{
    (void)state;
    xp_node_config c;
    xp_error err = {0};
    xp_node_config_defaults(&c);
    assert_int_equal(c.port, 8547);
    assert_int_equal(c.max_body, 4 << 20);
    const char *good = "{\"port\":0,\"portFile\":\"/tmp/p\",\"tokenFile\":\"/tmp/t\","
                       "\"home\":\"/h\",\"maxBodyBytes\":2048,\"maxConnections\":3,"
                       "\"connectionTimeoutSeconds\":5,\"shutdownGraceSeconds\":0}";
    assert_int_equal(xp_node_config_parse(good, strlen(good), &c, &err), 0);
    assert_int_equal(c.port, 0);
    assert_string_equal(c.port_file, "/tmp/p");
    assert_string_equal(c.token_file, "/tmp/t");
    assert_string_equal(c.home, "/h");
    assert_int_equal(c.max_body, 2048);
    assert_int_equal(c.max_connections, 3);
    assert_int_equal(c.timeout_s, 5);
    assert_int_equal(c.grace_s, 0);
    /* the anchor worker's keys: off (no keystore) with defaults 1000 records, 600 s */
    assert_string_equal(c.keystore, "");
    assert_int_equal(c.anchor_every_records, 1000);
    assert_int_equal(c.anchor_every_s, 600);
    const char *anchor = "{\"keystore\":\"/k.json\",\"passwordFile\":\"/pw\","
                         "\"deployment\":\"/d.json\",\"rpc\":\"http://127.0.0.1:8545\","
                         "\"anchorEveryRecords\":50,\"anchorEverySeconds\":7}";
    assert_int_equal(xp_node_config_parse(anchor, strlen(anchor), &c, &err), 0);
    assert_string_equal(c.keystore, "/k.json");
    assert_string_equal(c.password_file, "/pw");
    assert_string_equal(c.deployment, "/d.json");
    assert_string_equal(c.rpc, "http://127.0.0.1:8545");
    assert_int_equal(c.anchor_every_records, 50);
    assert_int_equal(c.anchor_every_s, 7);
    assert_int_equal(c.watch_rounds, 1);
    assert_int_equal(c.reorg_depth, 12);
    const char *watch = "{\"watchRounds\":false,\"reorgDepth\":0}";
    assert_int_equal(xp_node_config_parse(watch, strlen(watch), &c, &err), 0);
    assert_int_equal(c.watch_rounds, 0);
    assert_int_equal(c.reorg_depth, 0);
    const char *bad[] = {"{\"anchorEveryRecords\":0}",
                         "{\"anchorEverySeconds\":86401}",
                         "{\"rpc\":\"ftp://x\"}",
                         "{\"rpc\":8545}",
                         "{\"watchRounds\":1}",
                         "{\"reorgDepth\":10001}",
                         "{\"keystore\":\"\"}",
                         "",
                         "[]",
                         "{\"port\":65536}",
                         "{\"port\":-1}",
                         "{\"port\":\"80\"}",
                         "{\"port\":80.5}",
                         "{\"maxBodyBytes\":10}",
                         "{\"home\":\"\"}",
                         "{\"home\":1}",
                         "{\"listen\":\"0.0.0.0\"}",
                         "{\"port\":1,\"port\":2}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        xp_error_clear(&err);
        assert_int_equal(xp_node_config_parse(bad[i], strlen(bad[i]), &c, &err), XP_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
}

static void anchor_metrics(void **state)
{
    (void)state;
    xp_anchor_stats st = {.pending_records = 7, .last_version = 4, .last_block = 99,
                          .transactions = 8, .errors = 1, .gas_used = 12345, .chain_up = 1,
                          .settled = 2, .withdrawals = 1, .revealed = 3};
    char *t = xp_anchor_metrics_render(&st);
    assert_non_null(t);
    const char *want[] = {"# TYPE xtalproof_anchor_pending_records gauge\n"
                          "xtalproof_anchor_pending_records 7\n",
                          "\nxtalproof_anchor_last_version 4\n",
                          "\nxtalproof_anchor_last_block 99\n",
                          "# TYPE xtalproof_anchor_transactions_total counter\n"
                          "xtalproof_anchor_transactions_total 8\n",
                          "\nxtalproof_anchor_gas_used_total 12345\n",
                          "\nxtalproof_anchor_errors_total 1\n",
                          "\nxtalproof_chain_up 1\n",
                          "\nxtalproof_rounds_settled_total 2\n",
                          "\nxtalproof_rounds_withdrawals_total 1\n",
                          "\nxtalproof_rounds_revealed_total 3\n"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        assert_non_null(strstr(t, want[i]));
    free(t);
}

static void metrics(void **state)
{
    (void)state;
    xp_metrics *m = calloc(1, sizeof *m);
    assert_non_null(m);
    xp_metrics_observe(m, XP_ROUTE_HEALTHZ, 200, 0.0002);
    xp_metrics_observe(m, XP_ROUTE_HEALTHZ, 200, 0.003);
    xp_metrics_observe(m, XP_ROUTE_HEALTHZ, 405, 7.0);
    xp_metrics_gauges g = {2, 30, 4096, 8192, 1.5};
    char *t = xp_metrics_render(m, &g);
    assert_non_null(t);
    assert_non_null(strstr(t, "# TYPE xtalproof_http_requests_total counter\n"));
    assert_non_null(
        strstr(t, "xtalproof_http_requests_total{route=\"/healthz\",status=\"200\"} 2\n"));
    assert_non_null(
        strstr(t, "xtalproof_http_requests_total{route=\"/healthz\",status=\"405\"} 1\n"));
    /* buckets are cumulative: 0.0002 in all; 0.003 from le=0.005; 7 s only in +Inf */
    assert_non_null(strstr(
        t, "xtalproof_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0005\"} 1\n"));
    assert_non_null(strstr(
        t, "xtalproof_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 1\n"));
    assert_non_null(strstr(
        t, "xtalproof_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 2\n"));
    assert_non_null(strstr(
        t, "xtalproof_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"5\"} 2\n"));
    assert_non_null(strstr(
        t, "xtalproof_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 3\n"));
    assert_non_null(
        strstr(t, "xtalproof_http_request_duration_seconds_sum{route=\"/healthz\"} 7.003200\n"));
    assert_non_null(
        strstr(t, "xtalproof_http_request_duration_seconds_count{route=\"/healthz\"} 3\n"));
    assert_null(strstr(t, "route=\"/metrics\""));
    assert_non_null(strstr(t, "\nxtalproof_datasets 2\n"));
    assert_non_null(strstr(t, "\nxtalproof_records 30\n"));
    assert_non_null(strstr(t, "\nprocess_resident_memory_bytes 4096\n"));
    free(t);
    free(m);
    assert_true(xp_process_rss() > 0);
}

/* ---- the handlers, without a server ------------------------------------------------------- */

typedef struct node_fixture {
    char home[64];
    char token[300];
    xp_daemon *d;
} node_fixture;

static const char NACL[] = "NaCl\n1.0\n0 2.82 2.82\n2.82 0 2.82\n2.82 2.82 0\nNa Cl\n1 1\ndirect\n"
                           "0 0 0\n0.5 0.5 0.5\n";

static int node_setup(void **state)
{
    node_fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/xp-test-daemon-XXXXXX");
    assert_non_null(mkdtemp(f->home));
    setenv("XTALPROOF_MODELS", XP_TEST_VECTORS "/../../models", 1);
    xp_node_config cfg;
    xp_node_config_defaults(&cfg);
    snprintf(cfg.home, sizeof cfg.home, "%s", f->home);
    snprintf(cfg.token_file, sizeof cfg.token_file, "%s/api-token", f->home);
    cfg.max_body = 4096;
    xp_error err = {0};
    if (xp_daemon_open(&cfg, &f->d, &err))
        fail_msg("%s", err.msg);
    char *tok;
    size_t len;
    assert_int_equal(xp_file_read(cfg.token_file, 1024, &tok, &len, &err), 0);
    while (len && (tok[len - 1] == '\n'))
        tok[--len] = '\0';
    snprintf(f->token, sizeof f->token, "Bearer %s", tok);
    free(tok);
    *state = f;
    return 0;
}

static int node_teardown(void **state)
{
    node_fixture *f = *state;
    xp_daemon_close(f->d);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->home);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* A request; the answer's JSON (NULL for another type) and status. */
static unsigned ask(node_fixture *f, const char *method, const char *url, int auth,
                    const char *ctype, const char *body, json_t **j)
{
    xp_http_answer a;
    xp_daemon_request(f->d, method, url, ctype, auth ? f->token : NULL, body,
                      body ? strlen(body) : 0, &a);
    assert_non_null(a.body);
    if (j)
        *j = !a.type || !strcmp(a.type, "application/json") ? json_loads(a.body, 0, NULL) : NULL;
    free(a.body);
    return a.status;
}

static void handlers_datasets(void **state)
{
    node_fixture *f = *state;
    json_t *j;
    assert_int_equal(ask(f, "GET", "/healthz", 0, NULL, NULL, &j), 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    json_decref(j);
    const char *ds = "{\"name\":\"set1\",\"license\":\"CC-BY-4.0\"}";
    assert_int_equal(ask(f, "POST", "/v1/datasets", 0, "application/json", ds, NULL), 401);
    assert_int_equal(ask(f, "POST", "/v1/datasets", 1, "application/json", ds, &j), 201);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "set1");
    json_decref(j);
    assert_int_equal(ask(f, "POST", "/v1/datasets", 1, "application/json", ds, NULL), 409);
    /* one structure, then the same again: a duplicate; versions cut (no anchor worker) */
    const char *url = "/v1/datasets/set1/structures?name=nacl.vasp&format=poscar";
    assert_int_equal(ask(f, "POST", url, 1, "text/plain", NACL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "added")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
    json_t *res = json_array_get(json_object_get(j, "results"), 0);
    char sym[67];
    snprintf(sym, sizeof sym, "%s", json_string_value(json_object_get(res, "symhash")));
    assert_string_equal(json_string_value(json_object_get(res, "status")), "added");
    json_decref(j);
    assert_int_equal(ask(f, "POST", url, 1, "text/plain", NACL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "duplicates")), 1);
    assert_true(json_is_false(json_object_get(j, "newVersion")));
    json_decref(j);
    assert_int_equal(ask(f, "GET", "/v1/datasets/set1", 0, NULL, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "records")), 1);
    json_decref(j);
    /* the record, and its proof: the proof reader checks it on its own */
    char path[200];
    snprintf(path, sizeof path, "/v1/datasets/set1/records/%s", sym);
    assert_int_equal(ask(f, "GET", path, 0, NULL, NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "index")), 0);
    json_decref(j);
    snprintf(path, sizeof path, "/v1/datasets/set1/proof/%s?version=1", sym);
    xp_http_answer a;
    xp_daemon_request(f->d, "GET", path, NULL, NULL, NULL, 0, &a);
    assert_int_equal(a.status, 200);
    xp_inclusion_doc doc;
    xp_error err = {0};
    assert_int_equal(xp_inclusion_doc_parse(a.body, strlen(a.body), &doc, &err), 0);
    assert_int_equal(xp_inclusion_doc_verify(&doc, NULL, &err), 0);
    free(a.body);
    snprintf(path, sizeof path, "/v1/datasets/set1/records/0x%064d", 0);
    assert_int_equal(ask(f, "GET", path, 0, NULL, NULL, NULL), 404);
    /* refusals */
    assert_int_equal(ask(f, "GET", "/v1/datasets/set1?x=1", 0, NULL, NULL, NULL), 200);
    assert_int_equal(ask(f, "POST", "/v1/datasets/set1/versions?x=1", 1, NULL, "", NULL), 400);
    assert_int_equal(ask(f, "GET", "/v1/nothing", 0, NULL, NULL, NULL), 404);
    xp_daemon_request(f->d, "DELETE", "/v1/datasets", NULL, f->token, NULL, 0, &a);
    assert_int_equal(a.status, 405);
    assert_non_null(a.allow);
    free(a.body);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(ask(f, "POST", url, 1, "text/plain", big, NULL), 413);
    assert_int_equal(ask(f, "GET", "/metrics", 0, NULL, NULL, NULL), 200);
}

static void handlers_predictions(void **state)
{
    node_fixture *f = *state;
    json_t *j;
    assert_int_equal(ask(f, "POST", "/v1/predict?model=formation-energy-per-atom&format=poscar",
                         0, "text/plain", NACL, &j),
                     200);
    assert_true(json_is_integer(json_object_get(j, "valueQ")));
    assert_string_equal(json_string_value(json_object_get(j, "model")), "formation-energy-per-atom");
    json_decref(j);
    assert_int_equal(
        ask(f, "POST", "/v1/predict?model=no-such-model&format=poscar", 0, "text/plain", NACL, NULL),
        404);
    assert_int_equal(ask(f, "POST", "/v1/predict", 0, "text/plain", NACL, NULL), 400);
    assert_int_equal(ask(f, "GET", "/v1/predictions", 0, NULL, NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "predictions")), 0);
    json_decref(j);
    /* no key configured: the node cannot sign */
    assert_int_equal(ask(f, "POST", "/v1/predictions?model=formation-energy-per-atom&format=poscar",
                         1, "text/plain", NACL, NULL),
                     409);
    /* the round watcher is off */
    assert_int_equal(ask(f, "GET", "/v1/rounds/1", 0, NULL, NULL, NULL), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(routes_known),    cmocka_unit_test(routes_refused),
        cmocka_unit_test(names),           cmocka_unit_test(submission_raw),
        cmocka_unit_test(submission_json), cmocka_unit_test(dataset_req),
        cmocka_unit_test(versions),        cmocka_unit_test(config),
        cmocka_unit_test(metrics),         cmocka_unit_test(anchor_metrics),
        cmocka_unit_test_setup_teardown(handlers_datasets, node_setup, node_teardown),
        cmocka_unit_test_setup_teardown(handlers_predictions, node_setup, node_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
