/* xtalproof node state [NAME]: what the daemon's workers keep in the store (nodestate.h). */
#include <stdio.h>
#include <stdlib.h>

#include "chain_cmds.h"
#include "cli.h"
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
        xp_cli_print_json(doc); /* takes the reference */
        return XP_EXIT_OK;
    }
    size_t i;
    json_t *e;
    json_array_foreach(doc, i, e) puts(json_string_value(e));
    json_decref(doc);
    return XP_EXIT_OK;
}
