/* xtalproof node: the daemon (src/daemon/) started from its options and configuration file, run
 * until SIGTERM, SIGINT or SIGHUP, then stopped gracefully. docs/operations.md. */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/daemon.h"

static int parse_args(xp_node_config *cfg, int argc, char **argv)
{
    xp_opt o[] = {{"config", 0, 0}, {"port", 0, 0}, {"port-file", 0, 0}, {"token-file", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("node", argc, argv, o, 4, pos, 0, &npos))
        return XP_EXIT_USAGE;
    xp_node_config_defaults(cfg);
    xp_error err = {0};
    const char *cf = xp_cli_get(o, 4, "config");
    if (cf) {
        char *text;
        size_t len;
        if (xp_file_read(cf, 1 << 20, &text, &len, &err))
            return xp_cli_fail(&err);
        int rc = xp_node_config_parse(text, len, cfg, &err);
        free(text);
        if (rc) {
            xp_error_prefix(&err, rc, "%s", cf);
            return xp_cli_fail(&err);
        }
    }
    const char *p = xp_cli_get(o, 4, "port");
    if (p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (!*p || *end || v < 0 || v > 65535)
            return xp_cli_usage("node: --port must be 0..65535 (0: any free port)");
        cfg->port = (int)v;
    }
    if ((p = xp_cli_get(o, 4, "port-file")))
        snprintf(cfg->port_file, sizeof cfg->port_file, "%s", p);
    if ((p = xp_cli_get(o, 4, "token-file")))
        snprintf(cfg->token_file, sizeof cfg->token_file, "%s", p);
    if (!cfg->home[0] && xp_home_dir(cfg->home, sizeof cfg->home, &err))
        return xp_cli_fail(&err);
    /* the configured home is the home of everything the node reads and writes (the store, the
       deployment files and their chain state, the journal, keys and exports), the library's
       lookups included: they read XTALPROOF_HOME, set here before any thread starts */
    if (setenv("XTALPROOF_HOME", cfg->home, 1))
        return xp_cli_usage("node: the home path cannot be set");
    if (!cfg->token_file[0] &&
        snprintf(cfg->token_file, sizeof cfg->token_file, "%s/api-token", cfg->home) >=
            (int)sizeof cfg->token_file)
        return xp_cli_usage("node: the home path is too long");
    return XP_EXIT_OK;
}

int xp_cmd_node(int argc, char **argv)
{
    xp_node_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return XP_EXIT_FAIL;
    int rc = parse_args(cfg, argc, argv);
    if (rc) {
        free(cfg);
        return rc;
    }
    /* the threads the daemon starts inherit a mask without the stopping signals: only sigwait
       gets them */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    xp_error err = {0};
    xp_daemon *d = NULL;
    unsigned port = 0;
    if ((rc = xp_daemon_open(cfg, &d, &err)) || (rc = xp_daemon_listen(d, &port, &err))) {
        xp_daemon_close(d);
        free(cfg);
        return xp_cli_fail(&err);
    }
    if (cfg->port_file[0]) {
        char text[16];
        snprintf(text, sizeof text, "%u\n", port);
        if (xp_file_replace(cfg->port_file, text, strlen(text), 0644, &err)) {
            xp_daemon_shutdown(d);
            xp_daemon_close(d);
            free(cfg);
            return xp_cli_fail(&err);
        }
    }
    printf("xtalproof node: listening on http://127.0.0.1:%u (home %s)\n", port, cfg->home);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "xtalproof node: signal %d: finishing the requests in flight\n", sig);
    xp_daemon_shutdown(d);
    if (cfg->port_file[0])
        unlink(cfg->port_file);
    if (cfg->keystore[0])
        fprintf(stderr, "xtalproof node: stopping the anchor worker (a send in flight finishes)\n");
    xp_daemon_close(d);
    free(cfg);
    fprintf(stderr, "xtalproof node: stopped\n");
    return XP_EXIT_OK;
}
