/* The xtalproof program: dispatches to the commands in this folder. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "help.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        xp_help_usage(stderr);
        return XP_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help")) {
        char *self[] = {"help"};
        return xp_help_asked(argc - 2, argv + 2) ? xp_help_main(1, self)
                                                 : xp_help_main(argc - 2, argv + 2);
    }
    if (xp_help_asked(argc - 1, argv + 1))
        return xp_help_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version"))
        return xp_cmd_version(argc - 2, argv + 2);
    if (!strcmp(cmd, "key"))
        return xp_cmd_key(argc - 2, argv + 2);
    if (!strcmp(cmd, "keccak"))
        return xp_cmd_keccak(argc - 2, argv + 2);
    if (!strcmp(cmd, "hash"))
        return xp_cmd_hash(argc - 2, argv + 2);
    if (!strcmp(cmd, "same"))
        return xp_cmd_same(argc - 2, argv + 2);
    if (!strcmp(cmd, "model") && argc >= 3 && !strcmp(argv[2], "register"))
        return xp_cmd_model_register(argc - 3, argv + 3);
    if (!strcmp(cmd, "model"))
        return xp_cmd_model(argc - 2, argv + 2);
    if (!strcmp(cmd, "models"))
        return xp_cmd_models(argc - 2, argv + 2);
    if (!strcmp(cmd, "predict"))
        return xp_cmd_predict(argc - 2, argv + 2);
    if (!strcmp(cmd, "dataset"))
        return xp_cmd_dataset(argc - 2, argv + 2);
    if (!strcmp(cmd, "register"))
        return xp_cmd_register(argc - 2, argv + 2);
    if (!strcmp(cmd, "proof"))
        return xp_cmd_proof(argc - 2, argv + 2);
    if (!strcmp(cmd, "verify-proof"))
        return xp_cmd_verify_proof(argc - 2, argv + 2);
    if (!strcmp(cmd, "consistency"))
        return xp_cmd_consistency(argc - 2, argv + 2);
    if (!strcmp(cmd, "deploy") && argc >= 3 && !strcmp(argv[2], "show"))
        return xp_cmd_deploy_show(argc - 3, argv + 3);
    if (!strcmp(cmd, "deploy"))
        return xp_cmd_deploy(argc - 2, argv + 2);
    if (!strcmp(cmd, "devnet"))
        return xp_cmd_devnet(argc - 2, argv + 2);
    if (!strcmp(cmd, "anchor"))
        return xp_cmd_anchor(argc - 2, argv + 2);
    if (!strcmp(cmd, "round"))
        return xp_cmd_round(argc - 2, argv + 2);
    if (!strcmp(cmd, "oracle"))
        return xp_cmd_oracle(argc - 2, argv + 2);
    if (!strcmp(cmd, "challenge"))
        return xp_cmd_challenge(argc - 2, argv + 2);
    if (!strcmp(cmd, "dispute"))
        return xp_cmd_dispute(argc - 2, argv + 2);
    if (!strcmp(cmd, "eth"))
        return xp_cmd_eth(argc - 2, argv + 2);
    if (!strcmp(cmd, "prove"))
        return xp_cmd_prove(argc - 2, argv + 2);
    if (!strcmp(cmd, "verify"))
        return xp_cmd_verify(argc - 2, argv + 2);
    if (!strcmp(cmd, "trace"))
        return xp_cmd_trace(argc - 2, argv + 2);
    if (!strcmp(cmd, "node") && argc >= 3 && !strcmp(argv[2], "state"))
        return xp_cmd_node_state(argc - 3, argv + 3);
    if (!strcmp(cmd, "node"))
        return xp_cmd_node(argc - 2, argv + 2);
    if (!strcmp(cmd, "predictions"))
        return xp_cmd_predictions(argc - 2, argv + 2);
    if (!strcmp(cmd, "bench")) {
        if (argc >= 3 && !strcmp(argv[2], "verify"))
            return xp_cmd_bench_verify(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "open"))
            return xp_cmd_bench_open(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "dispute"))
            return xp_cmd_bench_dispute(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "infer"))
            return xp_cmd_bench_infer(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "merkle"))
            return xp_cmd_bench_merkle(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "hash"))
            return xp_cmd_bench_hash(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "hash-scale"))
            return xp_cmd_bench_hash_scale(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "dedup"))
            return xp_cmd_bench_dedup(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "chain"))
            return xp_cmd_bench_chain(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "tx"))
            return xp_cmd_bench_tx(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "node-load"))
            return xp_cmd_bench_node_load(argc - 3, argv + 3);
        return xp_cli_subcommand_usage("bench", argc >= 3 ? argv[2] : NULL);
    }
    static const char *const COMMANDS[] = {
        "version", "key",     "keccak",      "hash",   "same",         "model",       "models",
        "predict", "dataset", "register",    "proof",  "verify-proof", "consistency", "deploy",
        "devnet",  "anchor",  "round",       "oracle", "eth",          "prove",       "verify",
        "challenge", "dispute", "trace", "node", "predictions", "bench", "help"};
    return xp_cli_unknown("command", cmd, COMMANDS, sizeof COMMANDS / sizeof COMMANDS[0]);
}
