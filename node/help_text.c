/* The help texts of every command (node/help.h). An option a command accepts is listed here, or
 * the parser refuses it; tests/cli/test_help.sh checks both ways. */
#include "help.h"

#define END {NULL, NULL, NULL}
#define O_DEPLOY {"deployment", "FILE", "the deployment file (default: the one in the node's home)"}
#define O_RPC {"rpc", "URL", "the chain's JSON-RPC URL (default: the deployment file's)"}
#define O_KS {"keystore", "FILE", "the V3 keystore of the account that signs"}
#define O_PW                                                                                       \
    {"password-file", "FILE",                                                                      \
     "the keystore's password (default: asked on the terminal, or the first line of standard "   \
     "input)"}
#define O_JSON {"json", NULL, "JSON output, one object per line"}
#define O_QUIET                                                                                    \
    {"quiet", NULL, "print only failures and the summary, not a line per duplicate or match"}
#define O_SPECIES                                                                                  \
    {"species", "\"A B\"", "species of a POSCAR file that has no species line, in order"}
#define O_LIGHT {"light-kdf", NULL, "cheap scrypt parameters (n=4096): tests and throwaway keys only"}

#define G_KEY "Keys"
#define G_XTAL "Structures"
#define G_DATA "Datasets and proofs"
#define G_PRED "Models, predictions and checks"
#define G_CHAIN "The chain"
#define G_ROUND "Rounds, results and disputes"
#define G_ETH "Ethereum tools"
#define G_NODE "The node"
#define G_BENCH "Benchmarks (JSON)"
#define G_MISC "Other"

const char *const xp_help_groups[] = {G_KEY,   G_XTAL, G_DATA, G_PRED,  G_CHAIN,
                                      G_ROUND, G_ETH,  G_NODE, G_BENCH, G_MISC, NULL};

const xp_help xp_help_table[] = {
    /* ---- keys ---- */
    {"key new", G_KEY, "key new --keystore FILE [--password-file F] [--light-kdf]",
     "create a new secp256k1 key in a V3 keystore (mode 0600)",
     "Prints the new account's EIP-55 address. The keystore is never written over.",
     (const xp_help_opt[]){{"keystore", "FILE", "the new keystore (must not exist)"}, O_PW, O_LIGHT,
                           END},
     "xtalproof key new --keystore ~/.xtalproof/me.json"},
    {"key address", G_KEY, "key address --keystore FILE [--password-file F]",
     "print a keystore's EIP-55 checksummed address",
     "The keystore is decrypted: a wrong password is an error.",
     (const xp_help_opt[]){{"keystore", "FILE", "the keystore"}, O_PW, END},
     "xtalproof key address --keystore me.json --password-file pw.txt"},
    {"key import", G_KEY,
     "key import --private-key-file F --keystore FILE [--password-file P] [--light-kdf]",
     "write a hex private key into a new keystore", NULL,
     (const xp_help_opt[]){{"private-key-file", "F", "a file holding the key as 64 hex digits"},
                           {"keystore", "FILE", "the new keystore (must not exist)"}, O_PW, O_LIGHT,
                           END},
     "xtalproof key import --private-key-file key.hex --keystore me.json"},

    /* ---- structures ---- */
    {"hash", G_XTAL, "hash [--json] [--symprec X] [--angle-tolerance D|none] [--species S] PATH...",
     "symhash and protohash of each structure",
     "Reads CIF and POSCAR files (directories recursively) and prints, for each structure, its "
     "symhash (same crystal: same hash whatever its cell, origin or atom order), protohash "
     "(same prototype), space group and formula (electropositive first: NaCl, BaTiO3), under a "
     "header row. Exit 1 when a file cannot be read.",
     (const xp_help_opt[]){O_JSON,
                           {"symprec", "X", "symmetry tolerance in Å (default 1e-3)"},
                           {"angle-tolerance", "D|none", "angle tolerance in degrees (default 2)"},
                           O_SPECIES, END},
     "xtalproof hash --json NaCl.cif structures/"},
    {"same", G_XTAL, "same [--json] [--ltol F] [--stol F] [--angle-tolerance D] [--prim-tol X] A B",
     "are two files the same material? (the loose matcher)",
     "Exit 0 when the same, 1 when different, 2 on an error. The report gives the cell and site "
     "misfits found.",
     (const xp_help_opt[]){O_JSON,
                           {"ltol", "F", "fractional length tolerance (default 0.2)"},
                           {"stol", "F", "site tolerance, in units of (V/n)^(1/3) (default 0.3)"},
                           {"angle-tolerance", "D", "angle tolerance in degrees (default 5; "
                                                    "--angle-tol too)"},
                           {"prim-tol", "X", "tolerance of the primitive-cell reduction in Å "
                                             "(default 0.01)"},
                           O_SPECIES, END},
     "xtalproof same a.cif b.vasp"},
    {"keccak", G_MISC, "keccak [--text S | --hex H | FILE...]", "keccak-256 of files, a string or "
     "hex bytes", "Exactly one of --text, --hex or files.",
     (const xp_help_opt[]){{"text", "S", "hash the UTF-8 bytes of S"},
                           {"hex", "H", "hash the bytes written in hex"}, END},
     "xtalproof keccak models/band-gap.xpm"},

    /* ---- datasets ---- */
    {"dataset create", G_DATA,
     "dataset create NAME --license SPDX [--description TEXT] --keystore FILE [--password-file F]",
     "a new dataset in the store, owned by the keystore's account", NULL,
     (const xp_help_opt[]){{"license", "SPDX", "the data's license, e.g. CC-BY-4.0 (--licence "
                                               "too)"},
                           {"description", "TEXT", "a line about the data (default: none)"},
                           {"keystore", "FILE", "the owner's keystore"}, O_PW, END},
     "xtalproof dataset create my-oxides --license CC-BY-4.0 --keystore me.json"},
    {"dataset list", G_DATA, "dataset list [--json]", "the store's datasets, one line each",
     "Text has a header row: name, license, versions, records and the latest version's root.",
     (const xp_help_opt[]){O_JSON, END}, "xtalproof dataset list"},
    {"dataset show", G_DATA, "dataset show NAME [--json]",
     "a dataset: owner, license, and every version with its size and root", NULL,
     (const xp_help_opt[]){{"json", NULL, "JSON output, one document indented by two spaces"},
                           END},
     "xtalproof dataset show my-oxides --json"},
    {"dataset check", G_DATA, "dataset check NAME",
     "recompute a dataset's log: every record, version root and index", "Exit 1 on a mismatch.",
     (const xp_help_opt[]){END}, "xtalproof dataset check my-oxides"},
    {"dataset rehash", G_DATA, "dataset rehash NAME [--json] [--quiet] PATH...",
     "index a dataset's records by the current symhash version",
     "Records keep the leaves they were registered with; the index gains the current hash of "
     "each structure, read again from PATH.",
     (const xp_help_opt[]){O_JSON, O_QUIET, END},
     "xtalproof dataset rehash my-oxides structures/"},
    {"register", G_DATA,
     "register --dataset NAME [--parent SYMHASH] [--meta JSON] [--json] [--quiet] PATH...",
     "append the structures under PATH to a dataset and cut a new version",
     "Each structure becomes one record (its symhash, the file's keccak and the metadata); a "
     "structure already in the dataset is a duplicate and not added again. Directories are walked recursively.",
     (const xp_help_opt[]){{"dataset", "NAME", "the dataset"},
                           {"parent", "SYMHASH", "the structure these were derived from"},
                           {"meta", "JSON", "a JSON object kept with every record"}, O_JSON,
                           O_QUIET, END},
     "xtalproof register --dataset my-oxides structures/"},
    {"proof", G_DATA, "proof --dataset NAME [--version N] FILE|SYMHASH",
     "a JSON inclusion proof of a structure in a version", NULL,
     (const xp_help_opt[]){{"dataset", "NAME", "the dataset"},
                           {"version", "N", "the version, from 1 (default: the latest)"}, END},
     "xtalproof proof --dataset my-oxides NaCl.cif > nacl-proof.json"},
    {"verify-proof", G_DATA, "verify-proof PROOF.json [--structure FILE]",
     "check an inclusion proof (exit 0 valid, 1 invalid)",
     "Compare the root it prints with the dataset's anchored root of that version.",
     (const xp_help_opt[]){{"structure", "FILE", "also check the record is this structure's"}, END},
     "xtalproof verify-proof nacl-proof.json --structure NaCl.cif"},
    {"consistency", G_DATA, "consistency --dataset NAME --from M --to N | --verify PROOF.json",
     "prove that version N only appended to version M, or check such a proof", NULL,
     (const xp_help_opt[]){{"dataset", "NAME", "the dataset"},
                           {"from", "M", "the earlier version"},
                           {"to", "N", "the later version"},
                           {"verify", "PROOF.json", "check a proof instead of making one"}, END},
     "xtalproof consistency --dataset my-oxides --from 1 --to 2 > c.json\n"
     "xtalproof consistency --verify c.json"},

    /* ---- models, predictions, records ---- */
    {"models", G_PRED, "models [--json] [--dir D]",
     "the model files: name, property, unit, modelHash, weightsRoot and what each was trained on",
     "Models are looked for in $XTALPROOF_MODELS, ./models, then the installed models. Under "
     "each, the note of its model card (NAME.card.json beside the file: training data, level "
     "of theory, known bias); --json gives the whole card.",
     (const xp_help_opt[]){O_JSON, {"dir", "D", "list this folder only"}, END},
     "xtalproof models --json"},
    {"model import", G_PRED,
     "model import --from DIR [--atom-init F] [--name N] [--property P --unit U] [--out F] "
     "[--force]",
     "convert an exported CGCNN checkpoint to an .xpm model file", NULL,
     (const xp_help_opt[]){{"from", "DIR", "the exported checkpoint (tensors and its config)"},
                           {"atom-init", "F", "the embedding's atom_init.json (default: "
                                              "DIR/../../atom_init.json)"},
                           {"name", "N", "the model's name (default: the folder's name)"},
                           {"property", "P", "the property predicted"},
                           {"unit", "U", "its unit"},
                           {"out", "F", "the file written (default: models/N.xpm)"},
                           {"force", NULL, "replace an existing file"}, END},
     "xtalproof model import --from ckpt/ --name my-model --property \"band gap\" --unit eV"},
    {"predict", G_PRED,
     "predict --model NAME [--device cpu|gpu|auto] [--threads N] [--json] [--repeat N] PATH...",
     "predict a property with the deterministic fixed-point network",
     "Prints a header row, then the value (the shortest decimal of its Q16.16 valueQ), unit, "
     "trace root and file of every structure; CPU and GPU give the same bits. The model card's "
     "note (what the model predicts and its known bias) goes to standard error once; --json "
     "carries it as \"modelNote\".",
     (const xp_help_opt[]){{"model", "NAME", "the model (`xtalproof models` lists them)"},
                           {"device", "cpu|gpu|auto", "where to run (default cpu)"},
                           {"threads", "N", "CPU threads, 1..256 (default: every core)"},
                           O_JSON, O_SPECIES,
                           {"repeat", "N", "run the batch N times, 1..1000 (default 1)"}, END},
     "xtalproof predict --model formation-energy-per-atom --json NaCl.cif"},
    {"prove", G_PRED,
     "prove --model NAME --keystore F [--password-file P] [--round R [--target I] [--chain-id C] "
     "[--rounds-contract ADDR]] [--model-id N] [--dataset NAME] [--reveal] [--out REC.json] FILE",
     "a signed prediction record of one structure, kept in the store",
     "Without --reveal the record holds a hiding commitment and no salt (the salt stays in the "
     "store). For a round, run it once to commit and again with --reveal after the result. "
     "Outside a round (no --round), --reveal makes and reveals the record in one step.",
     (const xp_help_opt[]){{"model", "NAME", "the model"}, O_KS, O_PW,
                           {"round", "R", "the round the commitment is for (default: none)"},
                           {"target", "I", "the target's index in the round (default 0)"},
                           {"chain-id", "C", "the chain of the round (default 0)"},
                           {"rounds-contract", "ADDR", "the Rounds contract (default: none)"},
                           {"model-id", "N", "the model's id in ModelRegistry"},
                           {"dataset", "NAME", "add the structure's inclusion proof in this "
                                               "dataset's latest version"},
                           {"reveal", NULL, "write the record with its salt"},
                           {"out", "REC.json", "a new file (default: standard output)"}, END},
     "xtalproof prove --model band-gap --keystore me.json --reveal --out rec.json NaCl.cif"},
    {"verify", G_PRED,
     "verify RECORD.json [--structure FILE] [--model FILE] [--opening OPENINGS] [--rpc URL "
     "[--provenance ADDR] [--dataset-id N] [--from-block N]]",
     "every check of a prediction record, one PASS/FAIL/SKIP line each",
     "Offline: record, signature, structure, file, model, inference, value, commitment, dataset, "
     "openings. With --rpc, against the chain: commitment, result order, reveal, registered "
     "model, anchored dataset root, disputes. Exit 1 when a check fails.",
     (const xp_help_opt[]){{"structure", "FILE", "the structure file (re-hashed, re-run)"},
                           {"model", "FILE", "the model file (default: found by the record's "
                                             "modelName when its keccak matches)"},
                           {"opening", "OPENINGS", "trace open's lines, one opening a line"},
                           {"rpc", "URL", "check the record against this chain too"},
                           {"provenance", "ADDR", "the ProvenanceRegistry of the dataset's anchor"},
                           {"dataset-id", "N", "the dataset's id in ProvenanceRegistry"},
                           {"from-block", "N", "where to start reading logs (default 0)"}, END},
     "xtalproof verify rec.json --structure NaCl.cif"},
    {"trace open", G_PRED,
     "trace open RECORD.json --structure FILE --step KIND [--layer L] [--atom A] [--k K] "
     "[--model FILE] [--out F]",
     "open one step of a record's inference trace, with every leaf it reads",
     "KIND: nbr, embed, self, pair, edge, update, sum, mean or head. Version-1 records open a "
     "layer instead: --layer 0..4|pooled|output [--atom A].",
     (const xp_help_opt[]){{"structure", "FILE", "the structure file"},
                           {"step", "KIND", "the kind of step"},
                           {"layer", "L", "the convolution layer (default 0)"},
                           {"atom", "A", "the atom (default 0)"},
                           {"k", "K", "the neighbour, for --step edge (default 0)"},
                           {"model", "FILE", "the model file (default: found by name)"},
                           {"out", "F", "a new file (default: standard output)"}, END},
     "xtalproof trace open rec.json --structure NaCl.cif --step edge --layer 1 --atom 0 --k 3"},
    {"predictions list", G_PRED, "predictions list [--symhash H] [--model NAME] [--limit N] "
     "[--json]",
     "the prediction records kept in the store",
     "`xtalproof predictions` alone lists them too. Text has a header row (hash, symhash, model, "
     "value, round, target, predictor, revealed); a record outside a round shows - for its round "
     "and target.",
     (const xp_help_opt[]){{"symhash", "H", "only this structure's"},
                           {"model", "NAME", "only this model's"},
                           {"limit", "N", "at most N records (default: all)"}, O_JSON, END},
     "xtalproof predictions --model band-gap --json"},
    {"predictions show", G_PRED, "predictions show HASH", "one stored record, as JSON", NULL,
     (const xp_help_opt[]){END}, "xtalproof predictions show 0x4f…"},
    {"predictions import", G_PRED, "predictions import RECORD.json...",
     "keep records made elsewhere in the store (each is parsed and checked first)", NULL,
     (const xp_help_opt[]){END}, "xtalproof predictions import rec.json"},

    /* ---- the chain ---- */
    {"deploy", G_CHAIN,
     "deploy --rpc URL --keystore F [--password-file P] [--committee A,B,... --threshold K] "
     "[--out FILE] [--artifacts DIR]",
     "deploy the contracts and write the deployment file",
     "ProvenanceRegistry, ModelRegistry, OracleCommittee, StepVerifier, Rounds and Disputes; "
     "crash-safe (journalled: run it again to finish).",
     (const xp_help_opt[]){O_RPC, O_KS, O_PW,
                           {"committee", "A,B,...", "the oracle committee's addresses (default: "
                                                    "the deployer alone)"},
                           {"threshold", "K", "signatures a result needs (default 1)"},
                           {"out", "FILE", "the deployment file (default: "
                                           "deployment-CHAINID.json in the node's home)"},
                           {"artifacts", "DIR", "the contracts' bytecode folder (default: the "
                                                "installed or source tree's contracts/bin)"},
                           END},
     "xtalproof deploy --rpc http://127.0.0.1:8545 --keystore me.json"},
    {"deploy show", G_CHAIN, "deploy show [--deployment FILE]",
     "the deployment and its chain state: anchored datasets, registered models",
     "One JSON document, indented by two spaces.",
     (const xp_help_opt[]){O_DEPLOY, END}, "xtalproof deploy show"},
    {"devnet", G_CHAIN, "devnet up [--port N] | down | status | warp SECONDS",
     "a local anvil chain with the contracts deployed and development keys",
     "up starts anvil on 127.0.0.1 and deploys; warp moves the chain's clock forward.",
     (const xp_help_opt[]){{"port", "N", "anvil's port (default 8545)"}, END},
     "xtalproof devnet up\nxtalproof devnet warp 86400\nxtalproof devnet down"},
    {"anchor", G_CHAIN, "anchor --dataset NAME --keystore F [--password-file P] [--uri U]",
     "create or extend a dataset on chain with its latest version's root",
     "Once per version: a version already anchored is not sent again.",
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, {"dataset", "NAME", "the dataset"},
                           {"uri", "U", "where the data can be fetched (default: none)"}, END},
     "xtalproof anchor --dataset my-oxides --keystore me.json"},
    {"model register", G_CHAIN,
     "model register NAME --keystore F [--password-file P] [--uri U] [--training-dataset "
     "NAME]...",
     "record a model's modelHash and weightsRoot in ModelRegistry",
     "Training datasets (at most 16, anchored first) earn royalties from the model's wins.",
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW,
                           {"uri", "U", "where the model can be fetched (default: none)"},
                           {"training-dataset", "NAME", "a dataset the model was trained on; "
                                                        "may be given more than once"},
                           END},
     "xtalproof model register band-gap --keystore me.json --training-dataset my-oxides"},

    /* ---- rounds, results, disputes ---- */
    {"round open", G_ROUND,
     "round open --property P --reward WEI --tolerance X --keystore F [options] TARGET...",
     "fund a round of targets (structure files, or SYMHASH:STRUCTUREROOT from hash --json)",
     "The reward per target is escrowed; predictions within the tolerance of the measured value "
     "win. Every window is in seconds.",
     (const xp_help_opt[]){
         O_DEPLOY, O_RPC, O_KS, O_PW, {"property", "P", "the property measured"},
         {"reward", "WEI", "the reward per target"},
         {"tolerance", "X", "how close a winning prediction is, in the property's unit"},
         {"stake", "WEI", "what a predictor stakes (default: reward/64, the least allowed)"},
         {"commit-window", "S", "time to commit (default 3600)"},
         {"result-window", "S", "time for the oracle's result after it (default 86400)"},
         {"reveal-window", "S", "time to reveal after the result (default 86400)"},
         {"royalty-bps", "N", "royalty to training datasets, basis points (default 0)"},
         {"challenge-window", "S", "time to challenge a reveal after the reveal deadline, 1 h to "
                                   "30 d (default 86400)"},
         {"move-window", "S", "time per move of a dispute, 1 h to 7 d (default 86400)"},
         {"bond", "WEI", "a challenger's bond, at least the stake (default: the stake)"},
         {"committee", "ADDR", "the OracleCommittee whose result counts (default: the "
                               "deployment's)"},
         {"idempotency-key", "K", "a key that makes a retried open send nothing twice"}, END},
     "xtalproof round open --property \"band gap\" --reward 1000000000000000000 --tolerance 0.2 "
     "--keystore me.json NaCl.cif"},
    {"round show", G_ROUND, "round show R | --round R", "a round's terms, targets, commitments, "
     "reveals, result and payouts", NULL,
     (const xp_help_opt[]){O_DEPLOY, O_RPC, {"round", "R", "the round"}, END},
     "xtalproof round show 1"},
    {"round commit", G_ROUND,
     "round commit --round R --record REC.json --keystore F [--model-id N] | --round R --model "
     "NAME --target I --keystore F FILE",
     "send a prediction's commitment to a round, with the stake",
     "With --model, the record is made first (as prove does).",
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, {"round", "R", "the round"},
                           {"record", "REC.json", "a record made by prove for this round"},
                           {"model-id", "N", "the model's id in ModelRegistry"},
                           {"model", "NAME", "make the record with this model"},
                           {"target", "I", "the target's index (with --model)"}, END},
     "xtalproof round commit --round 1 --record rec.json --keystore me.json"},
    {"round reveal", G_ROUND,
     "round reveal --round R --record REC.json --keystore F [--model-id N] | --round R --model "
     "NAME --target I --keystore F FILE",
     "reveal a committed prediction after the result", NULL,
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, {"round", "R", "the round"},
                           {"record", "REC.json", "the record made by prove --reveal"},
                           {"model-id", "N", "the model's id in ModelRegistry"},
                           {"model", "NAME", "make the revealed record with this model"},
                           {"target", "I", "the target's index (with --model)"}, END},
     "xtalproof round reveal --round 1 --record rev.json --keystore me.json"},
    {"round settle", G_ROUND, "round settle --round R [--target I] --keystore F",
     "pay a round's winners, the challengers and the royalties",
     "After the challenge window, once every dispute has ended.",
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, {"round", "R", "the round"},
                           {"target", "I", "settle one target only (default: every target)"}, END},
     "xtalproof round settle --round 1 --keystore me.json"},
    {"round royalties", G_ROUND, "round royalties --model-id N --keystore F",
     "credit what winners owe a model's training datasets", NULL,
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, {"model-id", "N", "the model"}, END},
     "xtalproof round royalties --model-id 1 --keystore me.json"},
    {"round withdraw", G_ROUND, "round withdraw --keystore F",
     "withdraw what the Rounds contract holds for this account", NULL,
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, END},
     "xtalproof round withdraw --keystore me.json"},
    {"oracle sign", G_ROUND, "oracle sign --report R.json|R.csv --keystore K [--round N] [--out SIG]",
     "sign a beamtime report (EIP-712) as a committee member",
     "Without --round: every open round the report measures.",
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW,
                           {"report", "R", "the report, JSON or CSV (see examples/beamtime)"},
                           {"round", "N", "the round (default: every open round it measures)"},
                           {"committee", "ADDR", "the OracleCommittee (default: the "
                                                 "deployment's)"},
                           {"out", "SIG", "a new file (default: standard output)"}, END},
     "xtalproof oracle sign --report report.json --keystore member1.json --out sig1.json"},
    {"oracle submit", G_ROUND, "oracle submit --report R --keystore K [--round N] SIG...",
     "post a report with k of n committee signatures", NULL,
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, {"report", "R", "the report"},
                           {"round", "N", "the round (default: every open round it measures)"},
                           END},
     "xtalproof oracle submit --report report.json --keystore me.json sig1.json sig2.json"},
    {"challenge", G_ROUND,
     "challenge RECORD.json --structure FILE [--model M] --keystore F [--force] | challenge "
     "--round R [--target I] --structure FILE|DIR [FILE...] --keystore F [--force]",
     "re-run revealed predictions and challenge the false ones (with the round's bond)",
     "Without --force a reveal that checks out is not challenged.",
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW,
                           {"structure", "FILE|DIR", "the target's structure file, or a folder of "
                                                     "them"},
                           {"model", "M", "the model file (default: found by name)"},
                           {"round", "R", "check every reveal of this round"},
                           {"target", "I", "only this target (default: all)"},
                           {"force", NULL, "challenge even a reveal that checks out"}, END},
     "xtalproof challenge --round 1 --structure targets/ --keystore me.json"},
    {"dispute show", G_ROUND, "dispute show ID", "a dispute's state, claims and moves", NULL,
     (const xp_help_opt[]){O_DEPLOY, O_RPC, END}, "xtalproof dispute show 1"},
    {"dispute respond", G_ROUND,
     "dispute respond ID --structure FILE [--model M] [--force-pick] --keystore F",
     "make this key's next move of the dispute game", NULL,
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, {"structure", "FILE", "the target's file"},
                           {"model", "M", "the model file (default: found by name)"},
                           {"force-pick", NULL, "as the challenger, pick the first candidate "
                                                "even when none differs from the honest trace"},
                           END},
     "xtalproof dispute respond 1 --structure NaCl.cif --keystore me.json"},
    {"dispute claim", G_ROUND, "dispute claim ID --keystore F",
     "end a dispute whose side to move let its deadline pass, or whose reveal was lost in "
     "another dispute", NULL,
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, END},
     "xtalproof dispute claim 1 --keystore me.json"},
    {"dispute concede", G_ROUND, "dispute concede ID --keystore F",
     "give up this key's side of a dispute", NULL,
     (const xp_help_opt[]){O_DEPLOY, O_RPC, O_KS, O_PW, END},
     "xtalproof dispute concede 1 --keystore me.json"},

    /* ---- ethereum tools ---- */
    {"eth keccak", G_ETH, "eth keccak HEX | --text S", "keccak-256 of bytes or a string", NULL,
     (const xp_help_opt[]){{"text", "S", "hash the UTF-8 bytes of S"}, END},
     "xtalproof eth keccak 0x68656c6c6f"},
    {"eth rlp-decode", G_ETH, "eth rlp-decode HEX",
     "RLP to JSON (strings as 0x hex, lists as arrays)", NULL, (const xp_help_opt[]){END},
     "xtalproof eth rlp-decode 0xc88363617483646f67"},
    {"eth tx-decode", G_ETH, "eth tx-decode [--chain-id N] [--fork F] RAWHEX",
     "a signed transaction's fields, sender and hash as JSON",
     "Exit 1 with the reason when the transaction is invalid.",
     (const xp_help_opt[]){{"chain-id", "N", "the chain id it must carry (default 1; 0: any)"},
                           {"fork", "F", "cancun, prague or osaka: the transaction types "
                                         "allowed (default cancun)"},
                           END},
     "xtalproof eth tx-decode --chain-id 31337 0x02f8…"},
    {"eth abi-encode", G_ETH, "eth abi-encode SIG ARG...",
     "calldata for a function signature and its arguments", NULL, (const xp_help_opt[]){END},
     "xtalproof eth abi-encode 'transfer(address,uint256)' 0x00000000000000000000000000000000000000aa 7"},
    {"eth send", G_ETH,
     "eth send --rpc URL --keystore F [--password-file P] --to ADDR [--value WEI] [--data HEX] "
     "[options]",
     "sign, journal and send a transaction, then wait for its receipt",
     "Crash-safe: the signed transaction is journalled before it is broadcast, so a run killed at "
     "any point and run again sends nothing twice (with the same --idempotency-key).",
     (const xp_help_opt[]){O_RPC, O_KS, O_PW, {"to", "ADDR", "the recipient (none: create a contract "
                                                           "from --data)"},
                           {"value", "WEI", "wei to send (default 0)"},
                           {"data", "HEX", "calldata, or a contract's creation code"},
                           {"gas", "N", "the gas limit (default: estimated)"},
                           {"idempotency-key", "K", "sends with the same key send once"},
                           {"confirmations", "N", "blocks to wait for (default 1)"},
                           {"journal", "F", "the journal (default: in the node's home)"},
                           {"timeout", "S", "give up waiting after S seconds (default 300)"},
                           {"bump-after", "S", "raise the fee of a transaction still pending after "
                                               "S seconds (default 30)"},
                           {"no-wait", NULL, "return once broadcast"},
                           {"resume-only", NULL, "only finish what the journal holds"},
                           {"rpc-timeout", "S", "seconds per JSON-RPC call (default 10)"},
                           {"rpc-retries", "N", "retries of a failed call (default 6)"},
                           {"l2", "op-stack", "count the L1 data fee of an OP-stack chain "
                                              "(GasPriceOracle) in the cost checked against the "
                                              "balance"}, END},
     "xtalproof eth send --rpc http://127.0.0.1:8545 --keystore me.json --to 0x…aa --value 1"},
    {"eth balance", G_ETH, "eth balance --rpc URL [--block B] ADDR", "an account's balance in wei",
     NULL,
     (const xp_help_opt[]){{"rpc", "URL", "the chain's JSON-RPC URL"},
                           {"block", "B", "a block number or tag (default latest)"}, END},
     "xtalproof eth balance --rpc http://127.0.0.1:8545 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"},
    {"eth logs", G_ETH,
     "eth logs --rpc URL [--address A] [--event SIG] [--from N] [--to N] [--step N]",
     "logs as JSON lines, decoded when --event is given", NULL,
     (const xp_help_opt[]){{"rpc", "URL", "the chain's JSON-RPC URL"},
                           {"address", "A", "only this contract's"},
                           {"event", "SIG", "only this event, e.g. 'Transfer(address,address,"
                                            "uint256)' (decoded)"},
                           {"from", "N", "the first block (default 0; --from-block too, as "
                                         "verify says it)"},
                           {"to", "N", "the last block (default: the latest; --to-block too)"},
                           {"step", "N", "blocks per eth_getLogs call (default 1000)"}, END},
     "xtalproof eth logs --rpc http://127.0.0.1:8545 --from 0"},

    /* ---- the node ---- */
    {"node", G_NODE, "node [--config FILE] [--port P] [--port-file F] [--token-file F]",
     "the daemon: the HTTP API on 127.0.0.1 and the chain workers",
     "See docs/operations.md for the configuration and docs/api.md for the API. SIGTERM or "
     "SIGINT stops it cleanly.",
     (const xp_help_opt[]){{"config", "FILE", "the configuration (JSON; default: built-in "
                                              "defaults)"},
                           {"port", "P", "the port (default 8547; 0: any free port)"},
                           {"port-file", "F", "write the port to this file once listening"},
                           {"token-file", "F", "the API token (mode 0600)"}, END},
     "xtalproof node --config /etc/xtalproof/node.json"},
    {"node state", G_NODE, "node state [NAME]",
     "the daemon's workers' state documents kept in the store", NULL, (const xp_help_opt[]){END},
     "xtalproof node state"},

    /* ---- benchmarks ---- */
    {"bench hash", G_BENCH, "bench hash [--symprec X] [--angle-tolerance D] [--species S] PATH...",
     "structures hashed per second and peak memory", NULL,
     (const xp_help_opt[]){{"symprec", "X", "as hash"}, {"angle-tolerance", "D", "as hash"},
                           O_SPECIES, END},
     "xtalproof bench hash structures/"},
    {"bench hash-scale", G_BENCH,
     "bench hash-scale [--atoms 500,5000,50000] [--kind random|supercell|moved|noisy|all] [--seed N] "
     "[--repeat N]",
     "CPU time to hash one large cell of each size", NULL,
     (const xp_help_opt[]){{"atoms", "LIST", "the sizes (default 500,5000,50000)"},
                           {"kind", "K", "random, supercell, moved, noisy or all (default all)"},
                           {"seed", "N", "the generator's seed (default 1)"},
                           {"repeat", "N", "runs of each (default 1)"}, END},
     "xtalproof bench hash-scale --atoms 1000,2000"},
    {"bench merkle", G_BENCH,
     "bench merkle [--leaves N] [--batch B] [--proofs P] [--threads T] [--home DIR]",
     "store appends, proofs and roots per second, size and memory", NULL,
     (const xp_help_opt[]){{"leaves", "N", "records appended (default 1000000)"},
                           {"batch", "B", "records per transaction (default 100000)"},
                           {"proofs", "P", "inclusion proofs made and checked (default 100000)"},
                           {"threads", "T", "threads checking proofs (default: every core)"},
                           {"home", "DIR", "the store's folder (default: a new temporary one)"},
                           END},
     "xtalproof bench merkle --leaves 100000"},
    {"bench dedup", G_BENCH, "bench dedup [--registered N] [--register-name P] [--species S] PATH...",
     "lookups of \"already registered?\" in an index of N structures", NULL,
     (const xp_help_opt[]){{"registered", "N", "the index's size (default 100000)"},
                           {"register-name", "P", "only files whose name starts with P may be "
                                                  "registered"},
                           O_SPECIES, END},
     "xtalproof bench dedup --registered 10000 structures/"},
    {"bench infer", G_BENCH,
     "bench infer --model NAME [--device cpu|gpu|auto] [--threads N] [--repeat N] [--batch B] "
     "PATH...",
     "featurize, forward and end-to-end structures per second", NULL,
     (const xp_help_opt[]){{"model", "NAME", "the model"},
                           {"device", "cpu|gpu|auto", "where to run (default cpu)"},
                           {"threads", "N", "CPU threads (default: every core)"},
                           {"repeat", "N", "runs of the batch (default 1)"},
                           {"batch", "B", "forward in calls of B structures each, over at "
                                          "least B (the files' structures cycled; default: all "
                                          "in one call)"},
                           O_SPECIES, END},
     "xtalproof bench infer --model band-gap --device gpu --batch 4096 structures/"},
    {"bench open", G_BENCH, "bench open --model NAME [--repeat N] FILE",
     "CPU time to open each kind of trace step", NULL,
     (const xp_help_opt[]){{"model", "NAME", "the model"}, {"repeat", "N", "runs (default 5)"}, END},
     "xtalproof bench open --model band-gap NaCl.cif"},
    {"bench verify", G_BENCH,
     "bench verify RECORD.json [--structure F] [--model F] [--opening F] [--repeat N] [--rpc URL "
     "...]",
     "CPU and wall time of whole verifications", NULL,
     (const xp_help_opt[]){{"structure", "F", "as verify"}, {"model", "F", "as verify"},
                           {"opening", "F", "as verify"}, {"rpc", "URL", "as verify"},
                           {"provenance", "ADDR", "as verify"}, {"dataset-id", "N", "as verify"},
                           {"from-block", "N", "as verify"},
                           {"repeat", "N", "runs, 1..100000 (default 100)"}, END},
     "xtalproof bench verify rec.json --structure NaCl.cif"},
    {"bench dispute", G_BENCH, "bench dispute --model NAME [--repeat N] FILE",
     "CPU time of the dispute game's checks and each kind of defender turn", NULL,
     (const xp_help_opt[]){{"model", "NAME", "the model"},
                           {"repeat", "N", "runs, 1..10000 (default 5)"}, END},
     "xtalproof bench dispute --model band-gap NaCl.cif"},
    {"bench node-load", G_BENCH,
     "bench node-load --port P [--clients N] [--seconds S] [--model M] [--dataset D] FILE",
     "a running node under load: predictions of FILE in a loop from each client, /healthz and "
     "read latencies meanwhile",
     "Prints the latencies' p50, p99 and max, the predictions done and the 503s.",
     (const xp_help_opt[]){{"port", "P", "the node's port on 127.0.0.1"},
                           {"clients", "N", "clients posting predictions (default 8)"},
                           {"seconds", "S", "how long (default 20)"},
                           {"model", "M", "the model predicted with (default band-gap)"},
                           {"dataset", "D", "the dataset read meanwhile (default: the dataset list)"}, END},
     "xtalproof bench node-load --port 8547 --clients 8 --seconds 15 --dataset ds cell.vasp"},
    {"bench tx", G_BENCH, "bench tx [--count N]", "transactions signed and encoded per second",
     NULL, (const xp_help_opt[]){{"count", "N", "transactions (default 20000)"}, END},
     "xtalproof bench tx"},
    {"bench chain", G_BENCH,
     "bench chain [--rpc URL | --anvil PATH] [--count N] [--journalled N] [--keystore F]",
     "transactions sent and confirmed per second against a chain",
     "Without --rpc it starts its own anvil.",
     (const xp_help_opt[]){{"rpc", "URL", "the chain (default: a new anvil)"},
                           {"anvil", "PATH", "the anvil program to start"},
                           {"count", "N", "raw transactions (default 2000)"},
                           {"journalled", "N", "journalled sends (default 200)"}, O_KS, O_PW, END},
     "xtalproof bench chain --count 500"},

    /* ---- other ---- */
    {"version", G_MISC, "version", "the version, build options, libraries and CUDA devices", NULL,
     (const xp_help_opt[]){END}, "xtalproof version"},
    {"help", G_MISC, "help [COMMAND...]", "this list, or one command's help", NULL,
     (const xp_help_opt[]){END}, "xtalproof help round open"},
};

const size_t xp_help_count = sizeof xp_help_table / sizeof xp_help_table[0];
