/* Placeholders for eth subcommands still to come. */
#include "cli.h"
#include "eth_cmds.h"

int xp_cmd_bench_chain(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return xp_cli_usage("bench chain: not built yet");
}
