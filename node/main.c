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
    "  bench hash-scale [--atoms 500,5000,50000] [--kind random|supercell|moved|noisy|all]\n"
    "                                CPU time to hash one large cell of each size, as JSON\n"
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
    "  eth keccak HEX | --text S     keccak-256 of bytes or a string\n"
    "  eth rlp-decode HEX            RLP to JSON (strings as 0x hex, lists as arrays)\n"
    "  eth tx-decode [--chain-id N] [--fork F] RAWHEX\n"
    "                                a signed transaction's fields, sender and hash as JSON;\n"
    "                                exit 1 with the reason when invalid; chain id 1 unless\n"
    "                                given (0: any); fork cancun (default), prague or osaka\n"
    "  eth abi-encode SIG ARG...     calldata for a function signature, e.g. 'f(uint256,bool)'\n"
    "  eth send --rpc URL --keystore F --password-file P --to ADDR [--value WEI] [--data HEX]\n"
    "             [--idempotency-key K] [--confirmations N] [--gas N] [--bump-after S]\n"
    "             [--timeout S] [--rpc-timeout S] [--rpc-retries N] [--journal F] [--no-wait]\n"
    "             [--resume-only]\n"
    "                                sign, journal and send a transaction; wait for its receipt\n"
    "  eth balance --rpc URL ADDR    balance in wei\n"
    "  eth logs --rpc URL [--address A] [--event SIG] [--from N] [--to N] [--step N]\n"
    "                                logs as JSON lines, decoded when --event is given\n"
    "  bench tx                      signed and encoded transactions per second, as JSON\n"
    "  bench chain [--rpc URL]       transactions sent and confirmed per second, as JSON\n"
    "  prove --model NAME --keystore F [--password-file P] [--round R [--target I]]\n"
    "        [--chain-id C] [--rounds-contract ADDR] [--model-id N] [--dataset NAME] [--reveal]\n"
    "        [--out RECORD.json] FILE\n"
    "                                a signed prediction record; the salt stays in the store\n"
    "                                until --reveal writes the record with it\n"
    "  verify RECORD.json [--structure FILE] [--model FILE] [--opening OPENINGS]\n"
    "                                every offline check, one PASS/FAIL/SKIP line each;\n"
    "                                OPENINGS: trace open's lines, one opening a line\n"
    "         [--rpc URL [--provenance ADDR] [--dataset-id N] [--from-block N]]\n"
    "                                and the checks against the chain: commitment, result\n"
    "                                order, reveal, registered model, anchored dataset root\n"
    "  trace open RECORD.json --structure FILE --step KIND [--layer L] [--atom A] [--k K]\n"
    "             [--model FILE] [--out F]\n"
    "                                one step of the trace (nbr, embed, self, pair, edge,\n"
    "                                update, sum, mean, head): its output and every leaf it\n"
    "                                reads, with Merkle paths (version-1 records: --layer\n"
    "                                0..4|pooled|output [--atom A], one leaf)\n"
    "  bench open --model NAME [--repeat N] FILE\n"
    "                                CPU time to open each kind of step, as JSON\n"
    "  bench verify RECORD.json [--structure F] [--model F] [--opening F] [--repeat N]\n"
    "               [--rpc URL ...]  CPU and wall time of whole verifications, as JSON\n"
    "  node [--config FILE] [--port P] [--port-file F] [--token-file F]\n"
    "                                the daemon: HTTP API on 127.0.0.1 (docs/api.md)\n"
    "  node state [NAME]             the daemon's workers' state documents in the store\n"
    "  deploy --rpc URL --keystore F [--password-file P] [--committee A,B,... --threshold K]\n"
    "         [--out FILE] [--artifacts DIR]\n"
    "                                deploy the four contracts; write the deployment file\n"
    "  deploy show [--deployment FILE]  the deployment and its chain state (anchored, models)\n"
    "  devnet up [--port N] | down | status | warp SECONDS\n"
    "                                local anvil with the contracts and dev keys\n"
    "  anchor --dataset NAME --keystore F [--uri U]\n"
    "                                create or extend the dataset on chain (once per version)\n"
    "  model register NAME --keystore F [--uri U] [--training-dataset NAME]...\n"
    "  round open --property P --reward WEI --tolerance X [--stake WEI] [--commit-window S]\n"
    "             [--result-window S] [--reveal-window S] [--royalty-bps N]\n"
    "             [--challenge-window S] [--move-window S] [--bond WEI]\n"
    "             [--idempotency-key K] --keystore F TARGET...\n"
    "                                TARGET: a structure file, or SYMHASH:STRUCTUREROOT (from\n"
    "                                hash --json); stake default reward/64, the least allowed\n"
    "  round show R | commit|reveal --round R --record REC.json --keystore F [--model-id N]\n"
    "  round settle --round R [--target I] --keystore F | withdraw --keystore F\n"
    "  round royalties --model-id N --keystore F\n"
    "                                credit what winners owe a model's training datasets\n"
    "  oracle sign --report R.json|R.csv --keystore K [--round N] [--out SIG]\n"
    "  oracle submit --report R --keystore K [--round N] SIG...\n"
    "                                without --round: every open round the report measures\n"
    "  challenge RECORD.json --structure FILE [--model M] --keystore F [--force]\n"
    "  challenge --round R [--target I] --structure FILE|DIR [FILE...] --keystore F [--force]\n"
    "                                re-run revealed predictions; challenge the false ones\n"
    "  dispute show ID | claim ID | concede ID [--keystore F]\n"
    "  dispute respond ID --structure FILE [--model M] [--force-pick] --keystore F\n"
    "                                the next move of this key's side of the dispute game\n"
    "                                chain commands: --deployment FILE, --rpc URL override\n"
    "  predictions [--symhash H] [--model NAME] [--limit N] [--json] | show HASH\n"
    "              | import RECORD.json...\n"
    "                                the prediction records in the store (prove keeps each)\n"
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
        return xp_cli_usage("bench: expected \"bench hash\", \"bench hash-scale\", \"bench "
                            "dedup\", \"bench merkle\", "
                            "\"bench infer\", \"bench open\", \"bench dispute\", \"bench verify\", \"bench tx\" or "
                            "\"bench chain\"");
    }
    static const char *const COMMANDS[] = {
        "version", "key",     "keccak",      "hash",   "same",         "model",       "models",
        "predict", "dataset", "register",    "proof",  "verify-proof", "consistency", "deploy",
        "devnet",  "anchor",  "round",       "oracle", "eth",          "prove",       "verify",
        "challenge", "dispute", "trace", "node", "predictions", "bench"};
    return xp_cli_unknown("command", cmd, COMMANDS, sizeof COMMANDS / sizeof COMMANDS[0]);
}
