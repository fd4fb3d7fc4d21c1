/* The xtalproof program: dispatches to the commands in this folder. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char USAGE[] =
    "usage: xtalproof <command> [options]\n"
    "\n"
    "Provenance, prediction commitments and verification for crystal-structure data.\n"
    "\n"
    "commands:\n"
    "  version                       print the version, build options and CUDA devices\n"
    "  key new --keystore FILE [--password-file F] [--light-kdf]\n"
    "                                create a new key in a V3 keystore (mode 0600)\n"
    "  key address --keystore FILE [--password-file F]\n"
    "                                print the keystore's EIP-55 checksummed address\n"
    "  key import --private-key-file F --keystore FILE [--password-file P] [--light-kdf]\n"
    "                                write a hex private key into a new keystore\n"
    "  keccak [--text S | --hex H | FILE...]\n"
    "                                print keccak-256 of files, a string or hex bytes\n"
    "  hash [--json] [--symprec X] [--angle-tolerance D|none] [--species \"A B\"] PATH...\n"
    "                                symhash of each structure (CIF, POSCAR; directories\n"
    "                                recursively); symprec in Å, default 1e-3;\n"
    "                                angle tolerance in degrees, default 2\n"
    "  same [--json] [--ltol F] [--stol F] [--angle-tol D] [--prim-tol X] A B\n"
    "                                same material? (loose match; exit 0 same, 1 different,\n"
    "                                2 error); defaults ltol 0.2, stol 0.3, angle 5°\n"
    "  dataset create NAME --license SPDX [--description TEXT] [--keystore FILE]\n"
    "                 [--password-file F]\n"
    "                                a new dataset, owned by the keystore's address\n"
    "  dataset list | show NAME [--json] | check NAME\n"
    "                                datasets; versions with size and root; recheck a log\n"
    "  register --dataset NAME [--parent SYMHASH] [--meta JSON] [--json] PATH...\n"
    "                                append the structures under PATH, cut a new version\n"
    "  proof --dataset NAME [--version N] FILE|SYMHASH\n"
    "                                JSON inclusion proof of a structure in a version\n"
    "  verify-proof PROOF.json [--structure FILE]\n"
    "                                check an inclusion proof (exit 0 valid, 1 invalid)\n"
    "  consistency --dataset NAME --from M --to N | --verify PROOF.json\n"
    "                                JSON proof that version N only appended to M; check one\n"
    "  bench hash PATH...            structures per second and peak memory, as JSON\n"
    "  bench merkle [--leaves N] [--batch B] [--proofs P] [--threads T] [--home DIR]\n"
    "                                store appends, proofs, roots, size and memory, as JSON\n"
    "  bench dedup [--registered N] PATH...\n"
    "                                lookups in an index of N registered structures, as JSON\n"
    "  model import --from DIR [--name N] [--property P --unit U] [--out F] [--force]\n"
    "                                convert an exported CGCNN checkpoint to models/N.xpm\n"
    "  models [--json] [--dir D]     list the model files with property, unit and modelHash\n"
    "  predict --model NAME [--device cpu|gpu|auto] [--threads N] [--json] PATH...\n"
    "                                predict a property with the fixed-point network\n"
    "  bench infer --model NAME [--device cpu|gpu|auto] [--threads N] PATH...\n"
    "                                featurize, forward and end-to-end rates, as JSON\n"
    "  node [--config FILE] [--port P] [--port-file F] [--token-file F]\n"
    "                                the daemon: HTTP API on 127.0.0.1 (docs/api.md)\n"
    "\n"
    "Without --password-file the password is asked on the terminal, or read as the first\n"
    "line of standard input. --light-kdf uses cheap scrypt parameters (n=4096, r=8, p=6),\n"
    "meant for tests and throwaway keys only.\n"
    "\n"
    "exit status: 0 success, 1 a check failed or the input was bad, 2 usage error.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return XP_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return XP_EXIT_OK;
    }
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
    if (!strcmp(cmd, "node"))
        return xp_cmd_node(argc - 2, argv + 2);
    if (!strcmp(cmd, "bench")) {
        if (argc >= 3 && !strcmp(argv[2], "infer"))
            return xp_cmd_bench_infer(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "merkle"))
            return xp_cmd_bench_merkle(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "hash"))
            return xp_cmd_bench_hash(argc - 3, argv + 3);
        if (argc >= 3 && !strcmp(argv[2], "dedup"))
            return xp_cmd_bench_dedup(argc - 3, argv + 3);
        return xp_cli_usage(
            "bench: expected \"bench hash\", \"bench dedup\", \"bench merkle\" or \"bench infer\"");
    }
    return xp_cli_usage("unknown command \"%s\"", cmd);
}
