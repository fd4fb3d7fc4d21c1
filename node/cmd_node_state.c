/* xtalproof node state [NAME]: what the daemon's workers keep in the store (nodestate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/nodestate.h"

int xp_cmd_node_state(int argc, char **argv)
{
    const char *pos[2];
    int npos;
    if (xp_cli_parse("node state", argc, argv, NULL, 0, pos, 2, &npos) || npos > 1)
        return xp_cli_usage("node state: expected at most one NAME");
    xp_store *s;
    int rc = xp_cli_store_open(&s);
    if (rc)
        return rc;
    xp_error err = {0};
    json_t *doc = NULL;
    rc = npos ? xp_node_state_get(s, pos[0], &doc, &err) : xp_node_state_names(s, &doc, &err);
    xp_store_close(s);
    if (rc)
        return xp_cli_fail(&err);
    if (npos) {
        xp_cli_print_doc(doc); /* takes the reference */
        return XP_EXIT_OK;
    }
    size_t i;
    json_t *e;
    json_array_foreach(doc, i, e) puts(json_string_value(e));
    json_decref(doc);
    return XP_EXIT_OK;
}

/* xtalproof deploy show [--deployment F]: the deployment file and its chain state (what was
 * anchored and registered, kept in the deployment's journal), as one JSON object. */
int xp_cmd_deploy_show(int argc, char **argv)
{
    xp_opt o[] = {{"deployment", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("deploy show", argc, argv, o, 1, pos, 1, &npos) || npos)
        return xp_cli_usage("deploy show: takes only [--deployment FILE]");
    xp_error err = {0};
    xp_deployment d;
    json_t *state = NULL, *file = NULL;
    char *dp = xp_deployment_find(xp_cli_get(o, 1, "deployment"), &err);
    int rc = dp ? xp_deployment_load(dp, &d, &err) : XP_ENOTFOUND;
    if (!rc)
        rc = xp_chain_state_read(dp, &d, &state, &err);
    if (!rc && !(file = xp_json_load_file(dp, JSON_REJECT_DUPLICATES, NULL)))
        rc = xp_error_set(&err, XP_EIO, "%s could not be read again", dp);
    if (!rc)
        xp_cli_print_doc(json_pack("{s:s, s:o, s:o}", "path", dp, "deployment", file, "state",
                                   state));
    else
        json_decref(state);
    free(dp);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
