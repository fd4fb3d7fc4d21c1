/* Helpers of the store's commands: opening the store, hashing one structure file. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"
#include "xtalproof/store.h"
#include "xtalproof/symhash.h"


int xp_cli_store_open(struct xp_store **s)
{
    xp_error err = {0};
    if (xp_store_open(NULL, 0, s, &err))
        return xp_cli_fail(&err);
    return XP_EXIT_OK;
}

int xp_cli_symhash_of_file(const char *path, uint8_t symhash[32], xp_error *err)
{
    xp_read_opts opts = {.max_bytes = XP_CLI_MAX_FILE};
    return xp_symhash_of_file(path, &opts, symhash, err);
}

int xp_cli_target_of_file(const char *path, uint8_t symhash[32], uint8_t root[32], xp_error *err)
{
    xp_read_opts opts = {.max_bytes = XP_CLI_MAX_FILE};
    xp_structure_list list;
    int rc = xp_read_structures(path, &opts, &list, err);
    if (rc)
        return rc;
    if (list.n != 1)
        rc = xp_error_set(err, XP_EINVAL, "%s holds %zu structures, not one", path, list.n);
    xp_xtal_id id;
    if (!rc && !(rc = xp_xtal_identify(list.items[0], NULL, &id, err))) {
        memcpy(symhash, id.symhash, 32);
        xp_xtal_id_clear(&id);
        if ((rc = xp_structure_root(list.items[0], root, err)))
            xp_error_prefix(err, rc, "%s: no structureRoot", path);
    }
    xp_structure_list_free(&list);
    return rc;
}
