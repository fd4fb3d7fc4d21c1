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
#include "../../src/daemon/worker_internal.h" /* the workers' state structs */

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

/* The explorer: its files by exact path only (web/ holds index.html, app.js, style.css), the
 * read endpoints it adds, none of which needs the token. */
static void routes_explorer(void **state)
{
    (void)state;
    xp_route r;
    const char *allow;
    const char *files[] = {"/", "/index.html", "/app.js", "/style.css", "/verify.html"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        assert_int_equal(route("GET", files[i], &r, &allow), 0);
        assert_int_equal(r.id, XP_ROUTE_STATIC);
        assert_int_equal(r.write, 0);
    }
    assert_int_equal(xp_static_find("/"), xp_static_find("/index.html"));
    assert_int_equal(route("POST", "/index.html", &r, &allow), 405);
    assert_int_equal(route("GET", "/v1/structures/" SYM, &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_STRUCTURE);
    assert_int_equal(r.symhash[31], 0xff);
    assert_int_equal(route("GET", "/v1/structures/0x12", &r, &allow), 400);
    assert_int_equal(route("GET", "/v1/chain/rounds", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_CHAIN_ROUNDS);
    assert_int_equal(route("GET", "/v1/chain/rounds/7", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_CHAIN_ROUND);
    assert_true(r.round == 7);
    assert_int_equal(route("GET", "/v1/chain/rounds/0", &r, &allow), 400);
    assert_int_equal(route("GET", "/v1/chain/datasets", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_CHAIN_DATASETS);
    assert_int_equal(route("GET", "/v1/datasets/a/consistency", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_CONSISTENCY);
    assert_string_equal(r.dataset, "a");
    assert_int_equal(route("POST", "/v1/verify", &r, &allow), 0);
    assert_int_equal(r.id, XP_ROUTE_VERIFY);
    assert_int_equal(r.write, 0); /* verify reads only: no token */
    assert_int_equal(route("GET", "/v1/verify", &r, &allow), 405);
    assert_string_equal(xp_route_label(XP_ROUTE_STATIC), "static");
}

static void routes_refused(void **state)
{
    (void)state;
    xp_route r;
    const char *allow;
    const char *missing[] = {"",
                             "healthz",
                             "//",
                             "/index.html/",
                             "/../index.html",
                             "/nothing.html",
                             "/vendor/",
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
    /* the path's names are checked before the method: a malformed one is 400 whatever the
     * method (issue 21: GET /v1/datasets/..%2Fetc/structures answered 405) */
    assert_int_equal(route("GET", "/v1/datasets/../structures", &r, &allow), 400);
    assert_int_equal(route("GET", "/v1/datasets/..%2Fetc/structures", &r, &allow), 400);
    assert_int_equal(route("GET", "/v1/datasets/ok/structures", &r, &allow), 405);
    assert_string_equal(allow, "POST");
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
    /* the request limits (docs/operations.md): each key's default, then a value given */
    xp_node_config_defaults(&c);
    const struct {
        const unsigned *field;
        unsigned def, given;
    } lim[] = {{&c.max_connections, 256, 256}, {&c.timeout_s, 10, 10},  {&c.per_ip, 32, 0},
               {&c.workers, 0, 256},           {&c.queue_len, 32, 10000}, {&c.deadline_s, 60, 3600},
               {&c.rate, 50, 1000000},         {&c.burst, 100, 1}};
    for (size_t i = 0; i < sizeof lim / sizeof *lim; i++)
        assert_int_equal(*lim[i].field, lim[i].def);
    const char *limits = "{\"maxConnectionsPerIp\":0,\"workerThreads\":256,\"queueLength\":10000,"
                         "\"requestDeadlineSeconds\":3600,\"rateLimitPerSecond\":1000000,"
                         "\"rateLimitBurst\":1,\"anchorEveryRecords\":4294967296}";
    assert_int_equal(xp_node_config_parse(limits, strlen(limits), &c, &err), 0);
    for (size_t i = 0; i < sizeof lim / sizeof *lim; i++)
        assert_int_equal(*lim[i].field, lim[i].given);
    assert_true(c.anchor_every_records == 4294967296ULL);
    assert_int_equal(c.port, 8547); /* a key not given keeps its value */
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
                         "{\"port\":1,\"port\":2}",
                         "{\"queueLength\":0}",
                         "{\"workerThreads\":257}",
                         "{\"maxConnectionsPerIp\":-1}",
                         "{\"requestDeadlineSeconds\":0}",
                         "{\"rateLimitPerSecond\":1000001}",
                         "{\"rateLimitBurst\":0}",
                         "{\"rateLimitBurst\":true}"};
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
                          .transactions = 8, .errors = 1, .gas_used = 12345, .chain_up = 1};
    xp_rounds_stats rs = {.settled = 2, .withdrawals = 1, .revealed = 3};
    /* the anchor worker's and the round watcher's counters, as /metrics shows them together */
    char *ta = xp_anchor_metrics_render(&st), *tr = xp_rounds_metrics_render(&rs);
    assert_non_null(ta);
    assert_non_null(tr);
    char *t = malloc(strlen(ta) + strlen(tr) + 1);
    assert_non_null(t);
    strcat(strcpy(t, ta), tr);
    free(ta);
    free(tr);
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
    xp_metrics_gauges g = {2, 30, 4096, 8192, 1.5, 3, 7, 5, 11, 13, 17, 19};
    char *t = xp_metrics_render(m, &g);
    assert_non_null(t);
    assert_non_null(strstr(t, "# TYPE xtalproof_pool_busy gauge\nxtalproof_pool_busy 3\n"));
    assert_non_null(strstr(t, "# TYPE xtalproof_pool_queued gauge\nxtalproof_pool_queued 7\n"));
    assert_non_null(strstr(t, "xtalproof_explorer_chain_answers_total{source=\"cache\"} 5\n"));
    assert_non_null(strstr(t, "xtalproof_explorer_chain_answers_total{source=\"chain\"} 11\n"));
    assert_non_null(strstr(t, "xtalproof_explorer_rounds_total{source=\"cache\"} 13\n"));
    assert_non_null(strstr(t, "xtalproof_explorer_rounds_total{source=\"chain\"} 17\n"));
    assert_non_null(strstr(t, "# TYPE xtalproof_explorer_reorgs_total counter\n"
                              "xtalproof_explorer_reorgs_total 19\n"));
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
    /* unknown query parameters are refused on every route, GET ones too (docs/api.md) */
    assert_int_equal(ask(f, "GET", "/v1/datasets/set1?x=1", 0, NULL, NULL, NULL), 400);
    assert_int_equal(ask(f, "GET", "/v1/datasets?limit=1", 0, NULL, NULL, NULL), 400);
    assert_int_equal(ask(f, "GET", "/healthz?x", 0, NULL, NULL, NULL), 400);
    assert_int_equal(ask(f, "GET", "/metrics?x=1", 0, NULL, NULL, NULL), 400);
    snprintf(path, sizeof path, "/v1/datasets/set1/records/0x%064d?v=1", 0);
    assert_int_equal(ask(f, "GET", path, 0, NULL, NULL, NULL), 400);
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

/* The explorer: its pages, a crystal across the datasets, the consistency of two versions, verify. */
static void handlers_explorer(void **state)
{
    node_fixture *f = *state;
    xp_http_answer a;
    xp_daemon_request(f->d, "GET", "/", NULL, NULL, NULL, 0, &a);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.type, "text/html; charset=utf-8");
    assert_string_equal(a.cache, "no-cache");
    assert_non_null(strstr(a.body, "<title>Datasets"));
    free(a.body);
    xp_daemon_request(f->d, "GET", "/app.js", NULL, NULL, NULL, 0, &a);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.type, "text/javascript; charset=utf-8");
    free(a.body);
    assert_int_equal(ask(f, "GET", "/app.js/x", 0, NULL, NULL, NULL), 404);
    const char *ds = "{\"name\":\"x1\",\"license\":\"CC0-1.0\"}";
    assert_int_equal(ask(f, "POST", "/v1/datasets", 1, "application/json", ds, NULL), 201);
    json_t *j;
    const char *url = "/v1/datasets/x1/structures?name=nacl.vasp&format=poscar";
    assert_int_equal(ask(f, "POST", url, 1, "text/plain", NACL, &j), 200);
    char sym[67], path[200];
    snprintf(sym, sizeof sym, "%s",
             json_string_value(json_object_get(json_array_get(json_object_get(j, "results"), 0),
                                               "symhash")));
    json_decref(j);
    const char *cscl = "CsCl\n1.0\n4.12 0 0\n0 4.12 0\n0 0 4.12\nCs Cl\n1 1\nDirect\n"
                       "0 0 0\n0.5 0.5 0.5\n";
    url = "/v1/datasets/x1/structures?name=cscl.vasp&format=poscar";
    assert_int_equal(ask(f, "POST", url, 1, "text/plain", cscl, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    json_decref(j);
    /* the crystal: in x1 as its first record; no structure file without explorerStructures */
    snprintf(path, sizeof path, "/v1/structures/%s", sym);
    assert_int_equal(ask(f, "GET", path, 0, NULL, NULL, &j), 200);
    json_t *held = json_array_get(json_object_get(j, "datasets"), 0);
    assert_string_equal(json_string_value(json_object_get(held, "dataset")), "x1");
    assert_int_equal(json_integer_value(json_object_get(held, "index")), 0);
    assert_true(json_is_null(json_object_get(j, "structure")));
    assert_true(json_is_string(json_object_get(j, "protohash")));
    json_decref(j);
    snprintf(path, sizeof path, "/v1/structures/0x%064d", 0);
    assert_int_equal(ask(f, "GET", path, 0, NULL, NULL, NULL), 404);
    /* version 1 (one record) is a prefix of version 2 (two): the proof checks on its own */
    xp_daemon_request(f->d, "GET", "/v1/datasets/x1/consistency?first=1&second=2", NULL, NULL,
                      NULL, 0, &a);
    assert_int_equal(a.status, 200);
    xp_consistency_doc doc;
    xp_error err = {0};
    assert_int_equal(xp_consistency_doc_parse(a.body, strlen(a.body), &doc, &err), 0);
    assert_int_equal(xp_consistency_doc_verify(&doc, &err), 0);
    assert_true(doc.from_size == 1 && doc.to_size == 2);
    free(a.body);
    assert_int_equal(ask(f, "GET", "/v1/datasets/x1/consistency?first=2&second=1", 0, NULL,
                         NULL, NULL), 400);
    assert_int_equal(ask(f, "GET", "/v1/datasets/x1/consistency?first=1", 0, NULL, NULL, NULL),
                     400);
    assert_int_equal(ask(f, "GET", "/v1/datasets/x1/consistency?first=1&second=3", 0, NULL,
                         NULL, NULL), 404);
    /* verify: a record that does not read is one FAIL line; no token needed */
    assert_int_equal(ask(f, "POST", "/v1/verify", 0, "application/json", "{}", &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "failed")), 1);
    json_t *c0 = json_array_get(json_object_get(j, "checks"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "name")), "record");
    assert_string_equal(json_string_value(json_object_get(c0, "status")), "FAIL");
    json_decref(j);
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

/* ---- the workers' counters and state documents (src/daemon/worker_internal.h) ----------- */

/* The three roles' metrics, in the order /metrics shows them, are the text the node has always
 * written (the Prometheus text format; names, help lines and types as in docs/operations.md). */
static void worker_metrics_text(void **state)
{
    (void)state;
    xp_anchor_stats as = {.pending_records = 11, .last_version = 3, .last_block = 1234,
                          .transactions = 5, .errors = 2, .gas_used = 987654, .chain_up = 0};
    xp_rounds_stats rs = {.settled = 4, .withdrawals = 6, .revealed = 7, .checked = 14,
                          .challenged = 15, .moves = 16, .won = 17, .lost = 18};
    xp_oracle_stats os = {.reports = 8, .bad_reports = 9, .signed_targets = 10, .posted = 12,
                          .failures = 13};
    char *t[3] = {xp_anchor_metrics_render(&as), xp_rounds_metrics_render(&rs),
                  xp_oracle_metrics_render(&os)};
    for (int i = 0; i < 3; i++)
        assert_non_null(t[i]);
    char all[8192];
    snprintf(all, sizeof all, "%s%s%s", t[0], t[1], t[2]);
    const char *want =
        "# HELP xtalproof_anchor_pending_records Records registered but not yet anchored.\n"
        "# TYPE xtalproof_anchor_pending_records gauge\n"
        "xtalproof_anchor_pending_records 11\n"
        "# HELP xtalproof_anchor_last_version The last dataset version anchored.\n"
        "# TYPE xtalproof_anchor_last_version gauge\n"
        "xtalproof_anchor_last_version 3\n"
        "# HELP xtalproof_anchor_last_block The block of the last anchor transaction.\n"
        "# TYPE xtalproof_anchor_last_block gauge\n"
        "xtalproof_anchor_last_block 1234\n"
        "# HELP xtalproof_anchor_transactions_total Anchor transactions mined.\n"
        "# TYPE xtalproof_anchor_transactions_total counter\n"
        "xtalproof_anchor_transactions_total 5\n"
        "# HELP xtalproof_anchor_gas_used_total Gas of those transactions.\n"
        "# TYPE xtalproof_anchor_gas_used_total counter\n"
        "xtalproof_anchor_gas_used_total 987654\n"
        "# HELP xtalproof_anchor_errors_total Failed anchor attempts (retried).\n"
        "# TYPE xtalproof_anchor_errors_total counter\n"
        "xtalproof_anchor_errors_total 2\n"
        "# HELP xtalproof_chain_up Whether the chain answered at the last attempt.\n"
        "# TYPE xtalproof_chain_up gauge\n"
        "xtalproof_chain_up 0\n"
        "# HELP xtalproof_rounds_settled_total Round targets settled by the node.\n"
        "# TYPE xtalproof_rounds_settled_total counter\n"
        "xtalproof_rounds_settled_total 4\n"
        "# HELP xtalproof_rounds_withdrawals_total Withdrawals of the node's round balance.\n"
        "# TYPE xtalproof_rounds_withdrawals_total counter\n"
        "xtalproof_rounds_withdrawals_total 6\n"
        "# HELP xtalproof_rounds_revealed_total Commitments revealed by the node.\n"
        "# TYPE xtalproof_rounds_revealed_total counter\n"
        "xtalproof_rounds_revealed_total 7\n"
        "# HELP xtalproof_disputes_checked_total Reveals re-run by the watchtower.\n"
        "# TYPE xtalproof_disputes_checked_total counter\n"
        "xtalproof_disputes_checked_total 14\n"
        "# HELP xtalproof_disputes_challenged_total Challenges sent by the watchtower.\n"
        "# TYPE xtalproof_disputes_challenged_total counter\n"
        "xtalproof_disputes_challenged_total 15\n"
        "# HELP xtalproof_dispute_moves_total Dispute transactions sent by the node.\n"
        "# TYPE xtalproof_dispute_moves_total counter\n"
        "xtalproof_dispute_moves_total 16\n"
        "# HELP xtalproof_disputes_won_total The node's disputes that ended in its favour.\n"
        "# TYPE xtalproof_disputes_won_total counter\n"
        "xtalproof_disputes_won_total 17\n"
        "# HELP xtalproof_disputes_lost_total The node's disputes that ended against it.\n"
        "# TYPE xtalproof_disputes_lost_total counter\n"
        "xtalproof_disputes_lost_total 18\n"
        "# HELP xtalproof_oracle_reports_total Beamtime report files read by the oracle role.\n"
        "# TYPE xtalproof_oracle_reports_total counter\n"
        "xtalproof_oracle_reports_total 8\n"
        "# HELP xtalproof_oracle_bad_reports_total Report files refused (unreadable, malformed).\n"
        "# TYPE xtalproof_oracle_bad_reports_total counter\n"
        "xtalproof_oracle_bad_reports_total 9\n"
        "# HELP xtalproof_oracle_signed_total Round targets signed with the node's key.\n"
        "# TYPE xtalproof_oracle_signed_total counter\n"
        "xtalproof_oracle_signed_total 10\n"
        "# HELP xtalproof_oracle_posted_total Results posted with postResult.\n"
        "# TYPE xtalproof_oracle_posted_total counter\n"
        "xtalproof_oracle_posted_total 12\n"
        "# HELP xtalproof_oracle_failures_total postResult attempts refused by the chain.\n"
        "# TYPE xtalproof_oracle_failures_total counter\n"
        "xtalproof_oracle_failures_total 13\n";
    assert_string_equal(all, want);
    for (int i = 0; i < 3; i++)
        free(t[i]);
}

/* The text a document is stored as (xp_node_state_put and the journal: compact, sorted keys). */
static char *stored_text(const json_t *doc)
{
    assert_non_null(doc);
    char *t = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(t);
    return t;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg("test document: %s", je.text);
    return j;
}

#define ROUNDS_ADDR "0x5FbDB2315678afecb367f032d93F642f64180aa3"
#define H(c) "0x" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define HEX_A H("a1")
#define HEX_B H("b2")
#define HEX_C H("c3")
#define HEX_D H("d4")
#define HEX_E H("e5")
#define HEX_F H("f6")

/* A round watcher's document as the node writes it: keys "R:T" sorted as text (so 10:0 comes
 * before 2:1), "revealed" only once true, a reveal deadline past 2^63 kept as the JSON integer
 * of its bits. */
static const char ROUNDS_DOC[] =
    "{\"cursor\":4711,\"rounds\":\"" ROUNDS_ADDR "\",\"targets\":{"
    "\"10:0\":{\"done\":false,\"mine\":false,\"revealDeadline\":0,\"round\":10,\"target\":0},"
    "\"2:1\":{\"done\":true,\"mine\":true,\"revealDeadline\":1767225600,\"revealed\":true,"
    "\"round\":2,\"target\":1},"
    "\"2:10\":{\"done\":false,\"mine\":true,\"revealDeadline\":-1,\"round\":2,\"target\":10}},"
    "\"withdrawDue\":true}";

static void rounds_state_roundtrip(void **state)
{
    (void)state;
    xp_error err = {0};
    xp_rounds_state s;
    json_t *doc = parse(ROUNDS_DOC);
    assert_int_equal(xp_rounds_state_read(doc, &s, &err), 0);
    json_decref(doc);
    assert_string_equal(s.rounds, ROUNDS_ADDR);
    assert_true(s.cursor == 4711 && s.withdraw_due == 1 && s.ntargets == 3);
    /* the document's order */
    assert_true(s.targets[0].round == 10 && s.targets[0].target == 0 && !s.targets[0].mine);
    assert_true(s.targets[1].round == 2 && s.targets[1].target == 1 && s.targets[1].revealed &&
                s.targets[1].done && s.targets[1].reveal_deadline == 1767225600);
    assert_true(s.targets[2].target == 10 && !s.targets[2].revealed &&
                s.targets[2].reveal_deadline == UINT64_MAX);
    char *t = stored_text(doc = xp_rounds_state_write(&s));
    assert_string_equal(t, ROUNDS_DOC);
    free(t);
    json_decref(doc);
    /* found by (round, target); a new one goes last, as nothing seen yet */
    assert_ptr_equal(xp_rounds_state_target(&s, 2, 10, 0), &s.targets[2]);
    assert_null(xp_rounds_state_target(&s, 3, 0, 0));
    for (uint64_t r = 100; r < 400; r++) /* enough to grow the index a few times */
        assert_non_null(xp_rounds_state_target(&s, r, r % 7, 1));
    xp_round_target *e = xp_rounds_state_target(&s, 3, 0, 1);
    assert_non_null(e);
    e->revealed = 1;
    assert_int_equal(s.ntargets, 304);
    assert_ptr_equal(xp_rounds_state_target(&s, 3, 0, 0), &s.targets[303]);
    assert_ptr_equal(xp_rounds_state_target(&s, 250, 250 % 7, 0), &s.targets[153]);
    assert_ptr_equal(xp_rounds_state_target(&s, 10, 0, 0), &s.targets[0]);
    doc = xp_rounds_state_write(&s);
    assert_non_null(doc);
    t = stored_text(json_object_get(json_object_get(doc, "targets"), "3:0"));
    assert_string_equal(t, "{\"done\":false,\"mine\":false,\"revealDeadline\":0,\"revealed\":true,"
                           "\"round\":3,\"target\":0}");
    free(t);
    json_decref(doc);
    xp_rounds_state_free(&s);
}

/* An oracle document as the node writes it: rounds by decimal id, a report read, one refused,
 * one refused whose message was not UTF-8 (so without "error"), an item posted after a
 * refusal, one not signed (not a member). */
#define ORACLE_ENTRY                                                                              \
    "{\"facility\":\"" HEX_D "\",\"measuredAt\":\"1767225600\",\"property\":\"" HEX_B             \
    "\",\"propertyName\":\"band gap\",\"rawDataHash\":\"" HEX_C "\",\"symhash\":\"" HEX_A         \
    "\",\"uncertaintyQ\":\"6554\",\"unit\":\"eV\",\"value\":\"-1.25\",\"valueQ\":-81920}"
static const char ORACLE_DOC[] =
    "{\"files\":{"
    "\"bad.json\":{\"error\":\"row 2: no \\\"unit\\\"\",\"mtime\":1767225600123456789,"
    "\"size\":17},"
    "\"odd.csv\":{\"mtime\":1767225601000000000,\"size\":40},"
    "\"report.csv\":{\"entries\":[" ORACLE_ENTRY "," ORACLE_ENTRY "],\"mtime\":1767225599000000001,"
    "\"size\":512}},"
    "\"items\":{"
    "\"" HEX_E "\":{\"done\":true,\"error\":\"execution reverted: TooEarly()\",\"failures\":1,"
    "\"file\":\"report.csv\",\"round\":12,\"signed\":true,\"target\":2},"
    "\"" HEX_F "\":{\"done\":false,\"failures\":0,\"file\":\"report.csv\",\"round\":9,"
    "\"signed\":false,\"target\":0}},"
    "\"rounds\":{"
    "\"12\":{\"committee\":\"" ROUNDS_ADDR "\",\"end\":1767312000,\"property\":\"" HEX_B "\","
    "\"round\":12,\"start\":1767225000,\"targetCount\":3,\"targets\":[\"" HEX_C "\",\"" HEX_D
    "\",\"" HEX_A "\"]},"
    "\"9\":{\"committee\":\"" ROUNDS_ADDR "\",\"end\":1767312001,\"property\":\"" HEX_B "\","
    "\"round\":9,\"start\":1767225001,\"targetCount\":1,\"targets\":[\"" HEX_A "\"]}},"
    "\"roundsSeen\":12}";

static void oracle_state_roundtrip(void **state)
{
    (void)state;
    xp_error err = {0};
    xp_oracle_state s;
    json_t *doc = parse(ORACLE_DOC);
    assert_int_equal(xp_oracle_state_read(doc, &s, &err), 0);
    json_decref(doc);
    assert_true(s.rounds_seen == 12 && s.nrounds == 2 && s.nfiles == 3 && s.nitems == 2);
    assert_true(s.rounds[0].round == 12 && s.rounds[1].round == 9);
    assert_true(s.rounds[0].ntargets == 3 && s.rounds[0].start == 1767225000);
    assert_string_equal(s.rounds[0].targets[2], HEX_A);
    assert_true(s.files[0].refused && s.files[0].has_error && s.files[0].size == 17);
    assert_string_equal(s.files[0].error, "row 2: no \"unit\"");
    assert_true(s.files[1].refused && !s.files[1].has_error && !s.files[1].nentries);
    assert_true(!s.files[2].refused && s.files[2].nentries == 2);
    const xp_oracle_entry *e = &s.files[2].entries[1];
    assert_true(e->r.value_q == -81920 && e->r.uncertainty_q == 6554 &&
                e->r.measured_at == 1767225600 && e->r.round == 0);
    assert_true(e->r.symhash[0] == 0xa1 && e->r.property[31] == 0xb2 &&
                e->r.raw_data_hash[5] == 0xc3 && e->r.facility[0] == 0xd4);
    assert_string_equal(e->property_name, "band gap");
    assert_true(s.items[0].digest[0] == 0xe5 && s.items[0].done && s.items[0].signed_ &&
                s.items[0].failures == 1 && s.items[0].has_error);
    assert_true(s.items[1].round == 9 && !s.items[1].signed_ && !s.items[1].has_error);
    char *t = stored_text(doc = xp_oracle_state_write(&s));
    assert_string_equal(t, ORACLE_DOC);
    free(t);
    json_decref(doc);
    xp_oracle_state_free(&s);
    /* the document of a node that has seen nothing yet */
    const char *fresh = "{\"files\":{},\"items\":{},\"rounds\":{},\"roundsSeen\":0}";
    doc = parse(fresh);
    assert_int_equal(xp_oracle_state_read(doc, &s, &err), 0);
    json_decref(doc);
    t = stored_text(doc = xp_oracle_state_write(&s));
    assert_string_equal(t, fresh);
    free(t);
    json_decref(doc);
    xp_oracle_state_free(&s);
}

/* The deployment's chain state: the anchor worker reads and writes "datasets", "models" and
 * "anchorPending"; "provenance" (and any other key) is the chain module's and stays. */
#define ANCHOR_DATASETS                                                                           \
    "\"datasets\":{\"cod\":{\"id\":2,\"root\":\"" HEX_B "\",\"size\":50,\"version\":1},"          \
    "\"mp-oxides\":{\"id\":1,\"root\":\"" HEX_A "\",\"size\":200,\"version\":4}}"
static const char ANCHOR_DOC[] =
    "{\"anchorPending\":{\"cod\":{\"root\":\"" HEX_C "\",\"size\":75,\"version\":2}},"
    ANCHOR_DATASETS ",\"models\":{\"band-gap\":2,\"formation-energy-per-atom\":1},"
    "\"provenance\":\"" ROUNDS_ADDR "\"}";

static void anchor_state_roundtrip(void **state)
{
    (void)state;
    xp_error err = {0};
    xp_anchor_state s;
    json_t *doc = parse(ANCHOR_DOC);
    assert_int_equal(xp_anchor_state_read(doc, &s, &err), 0);
    json_decref(doc);
    assert_true(s.ndatasets == 2 && s.has_pending && s.npending == 1 && s.nmodels == 2);
    const xp_anchor_entry *d = xp_anchor_entry_find(s.datasets, s.ndatasets, "mp-oxides");
    assert_non_null(d);
    assert_true(d->id == 1 && d->version == 4 && d->size == 200);
    assert_string_equal(d->root, HEX_A);
    assert_true(s.pending[0].size == 75 && s.pending[0].version == 2);
    assert_string_equal(s.models[1].name, "formation-energy-per-atom");
    doc = json_pack("{s:s}", "provenance", ROUNDS_ADDR);
    assert_int_equal(xp_anchor_state_write(&s, doc, &err), 0);
    char *t = stored_text(doc);
    assert_string_equal(t, ANCHOR_DOC);
    free(t);
    /* the pending version anchored: the entry goes, "anchorPending" stays (empty) */
    xp_anchor_entry a = s.pending[0];
    a.id = 2;
    assert_int_equal(xp_anchor_state_set(&s, 0, &a), 0);
    xp_anchor_state_unpend(&s, "cod");
    assert_int_equal(xp_anchor_state_write(&s, doc, &err), 0);
    t = stored_text(doc);
    assert_string_equal(t, "{\"anchorPending\":{},\"datasets\":{\"cod\":{\"id\":2,\"root\":\"" HEX_C
                           "\",\"size\":75,\"version\":2},\"mp-oxides\":{\"id\":1,\"root\":\""
                           HEX_A "\",\"size\":200,\"version\":4}},\"models\":{\"band-gap\":2,"
                           "\"formation-energy-per-atom\":1},\"provenance\":\"" ROUNDS_ADDR "\"}");
    free(t);
    json_decref(doc);
    xp_anchor_state_free(&s);
    /* a state that never had a pending version: none written */
    const char *plain = "{" ANCHOR_DATASETS ",\"models\":{},\"provenance\":\"" ROUNDS_ADDR "\"}";
    doc = parse(plain);
    assert_int_equal(xp_anchor_state_read(doc, &s, &err), 0);
    assert_false(s.has_pending);
    assert_int_equal(xp_anchor_state_write(&s, doc, &err), 0);
    t = stored_text(doc);
    assert_string_equal(t, plain);
    free(t);
    json_decref(doc);
    xp_anchor_state_free(&s);
}

/* A document not in its form is refused with a sentence naming the place, the struct empty. */
static void worker_state_refused(void **state)
{
    (void)state;
    static const struct {
        int which; /* 0 rounds, 1 oracle, 2 anchor */
        const char *doc, *says;
    } bad[] = {
        {0, "[]", "not an object"},
        {0, "{\"rounds\":\"" ROUNDS_ADDR "\",\"targets\":{},\"withdrawDue\":false}",
         "has no \"cursor\""},
        {0,
         "{\"cursor\":\"5\",\"rounds\":\"" ROUNDS_ADDR "\",\"targets\":{},\"withdrawDue\":false}",
         "\"cursor\" is not an integer"},
        {0, "{\"cursor\":5,\"rounds\":\"" ROUNDS_ADDR "\",\"targets\":{},\"withdrawDue\":false,"
            "\"x\":1}",
         "unknown key \"x\""},
        {0, "{\"cursor\":5,\"rounds\":\"0x12\",\"targets\":{},\"withdrawDue\":false}",
         "\"rounds\" is not an address"},
        {0, "{\"cursor\":5,\"rounds\":\"" ROUNDS_ADDR "\",\"targets\":[],\"withdrawDue\":false}",
         "\"targets\" is not an object"},
        {0, "{\"cursor\":5,\"rounds\":\"" ROUNDS_ADDR "\",\"targets\":{\"1:0\":{\"done\":false,"
            "\"mine\":1,\"revealDeadline\":0,\"round\":1,\"target\":0}},\"withdrawDue\":false}",
         "targets.\"1:0\": \"mine\" is not true or false"},
        {0, "{\"cursor\":5,\"rounds\":\"" ROUNDS_ADDR "\",\"targets\":{\"1:1\":{\"done\":false,"
            "\"mine\":true,\"revealDeadline\":0,\"round\":1,\"target\":0}},\"withdrawDue\":false}",
         "the key of round 1:0"},
        {1, "{\"files\":{},\"items\":{},\"rounds\":{}}", "has no \"roundsSeen\""},
        {1, "{\"files\":{\"r.csv\":{\"entries\":[],\"error\":\"x\",\"mtime\":1,\"size\":2}},"
            "\"items\":{},\"rounds\":{},\"roundsSeen\":0}",
         "files.\"r.csv\": \"entries\" is not an array without \"error\""},
        {1, "{\"files\":{\"r.csv\":{\"entries\":[{\"facility\":\"" HEX_D "\",\"measuredAt\":\"1\","
            "\"property\":\"" HEX_B "\",\"propertyName\":\"p\",\"rawDataHash\":\"" HEX_C "\","
            "\"symhash\":\"0x" "A1" H("a1") "\",\"uncertaintyQ\":\"1\",\"unit\":\"eV\","
            "\"value\":\"1\",\"valueQ\":1}],\"mtime\":1,\"size\":2}},\"items\":{},\"rounds\":{},"
            "\"roundsSeen\":0}",
         "files.\"r.csv\".entries[0]: \"symhash\" is not a string of at most 66 bytes"},
        {1, "{\"files\":{\"r.csv\":{\"entries\":[{\"facility\":\"" HEX_D "\",\"measuredAt\":\"1\","
            "\"property\":\"" HEX_B "\",\"propertyName\":\"p\",\"rawDataHash\":\"" HEX_C "\","
            "\"symhash\":\"" HEX_A "\",\"uncertaintyQ\":\"007\",\"unit\":\"eV\","
            "\"value\":\"1\",\"valueQ\":1}],\"mtime\":1,\"size\":2}},\"items\":{},\"rounds\":{},"
            "\"roundsSeen\":0}",
         "\"uncertaintyQ\" is not an unsigned 64-bit integer in decimal"},
        {1, "{\"files\":{\"r.csv\":{\"entries\":[{\"facility\":\"" HEX_D "\",\"measuredAt\":\"1\","
            "\"property\":\"" HEX_B "\",\"propertyName\":\"p\",\"rawDataHash\":\"" HEX_C "\","
            "\"symhash\":\"0x" "A1A1" "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
            "\",\"uncertaintyQ\":\"1\",\"unit\":\"eV\","
            "\"value\":\"1\",\"valueQ\":1}],\"mtime\":1,\"size\":2}},\"items\":{},\"rounds\":{},"
            "\"roundsSeen\":0}",
         "\"symhash\" is not 0x and 64 lowercase hex digits"},
        {1, "{\"files\":{},\"items\":{\"0x12\":{\"done\":false,\"failures\":0,\"file\":\"r.csv\","
            "\"round\":1,\"signed\":false,\"target\":0}},\"rounds\":{},\"roundsSeen\":0}",
         "items.\"0x12\": the key is not a digest"},
        {1, "{\"files\":{},\"items\":{},\"rounds\":{\"13\":{\"committee\":\"" ROUNDS_ADDR "\","
            "\"end\":2,\"property\":\"" HEX_B "\",\"round\":12,\"start\":1,\"targetCount\":0,"
            "\"targets\":[]}},\"roundsSeen\":13}",
         "rounds.\"13\": the key of round 12"},
        {1, "{\"files\":{},\"items\":{},\"rounds\":{\"1\":{\"committee\":\"" ROUNDS_ADDR "\","
            "\"end\":2,\"property\":\"" HEX_B "\",\"round\":1,\"start\":1,\"targetCount\":1,"
            "\"targets\":[7]}},\"roundsSeen\":1}",
         "rounds.\"1\": targets[0] is not a symhash"},
        {2, "{\"datasets\":{\"cod\":{\"root\":\"" HEX_A "\",\"size\":1,\"version\":1}}}",
         "datasets.\"cod\" has no \"id\""},
        {2, "{\"anchorPending\":{\"cod\":{\"id\":1,\"root\":\"" HEX_A "\",\"size\":1,"
            "\"version\":1}}}",
         "anchorPending.\"cod\": unknown key \"id\""},
        {2, "{\"datasets\":{\"cod\":{\"id\":1,\"root\":\"0x12\",\"size\":1,\"version\":1}}}",
         "datasets.\"cod\": \"root\" is not 32 bytes in hex"},
        {2, "{\"anchorPending\":[]}", "\"anchorPending\" is not an object"},
        {2, "{\"models\":{\"band-gap\":\"2\"}}", "models.\"band-gap\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        xp_error err = {0};
        json_t *doc = parse(bad[i].doc);
        int rc;
        if (bad[i].which == 0) {
            xp_rounds_state s;
            rc = xp_rounds_state_read(doc, &s, &err);
            assert_true(!s.targets && !s.ntargets);
        } else if (bad[i].which == 1) {
            xp_oracle_state s;
            rc = xp_oracle_state_read(doc, &s, &err);
            assert_true(!s.rounds && !s.files && !s.items && !s.nfiles);
        } else {
            xp_anchor_state s;
            rc = xp_anchor_state_read(doc, &s, &err);
            assert_true(!s.datasets && !s.pending && !s.models && !s.npending);
        }
        json_decref(doc);
        if (rc != XP_EINVAL || !strstr(err.msg, bad[i].says))
            fail_msg("document %zu: rc %d, \"%s\" (expected a sentence with \"%s\")", i, rc,
                     err.msg, bad[i].says);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(routes_known),    cmocka_unit_test(routes_refused),
        cmocka_unit_test(routes_explorer),
        cmocka_unit_test(names),           cmocka_unit_test(submission_raw),
        cmocka_unit_test(submission_json), cmocka_unit_test(dataset_req),
        cmocka_unit_test(versions),        cmocka_unit_test(config),
        cmocka_unit_test(metrics),         cmocka_unit_test(anchor_metrics),
        cmocka_unit_test(worker_metrics_text), cmocka_unit_test(rounds_state_roundtrip),
        cmocka_unit_test(oracle_state_roundtrip), cmocka_unit_test(anchor_state_roundtrip),
        cmocka_unit_test(worker_state_refused),
        cmocka_unit_test_setup_teardown(handlers_datasets, node_setup, node_teardown),
        cmocka_unit_test_setup_teardown(handlers_explorer, node_setup, node_teardown),
        cmocka_unit_test_setup_teardown(handlers_predictions, node_setup, node_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
