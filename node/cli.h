/* Shared pieces of the command line: option parsing, messages, exit codes. */
#ifndef XTALPROOF_NODE_CLI_H
#define XTALPROOF_NODE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xtalproof/bytes.h"
#include "xtalproof/error.h"

enum { XP_EXIT_OK = 0, XP_EXIT_FAIL = 1, XP_EXIT_USAGE = 2 };

/* One option a command accepts. flag=1: takes no value. */
typedef struct xp_opt {
    const char *name; /* without the leading "--" */
    int flag;
    const char *value; /* filled by xp_cli_parse: the value, or "1" for a flag that was given */
} xp_opt;

/* Parses argv (after the command words) into opts; the rest goes to pos (at most maxpos).
 * Returns 0, or XP_EXIT_USAGE after printing a sentence. */
int xp_cli_parse(const char *cmd, int argc, char **argv, xp_opt *opts, int nopts, const char **pos,
                 int maxpos, int *npos);
/* With XTALPROOF_LIST_OPTIONS set in the environment, prints "CMD: --a --b" (the options the
 * parser accepts) and exits 0: the help test compares it with the help text (node/help.c). */
void xp_cli_list_options(const char *cmd, const xp_opt *opts, int nopts);
/* 1 when the help entry of cmd lists the option (or cmd has no entry): the parser refuses an
 * option the parser's array holds for a sibling subcommand but the help does not list. */
int xp_cli_help_lists(const char *cmd, const char *opt);
const char *xp_cli_get(const xp_opt *opts, int nopts, const char *name);

/* Prints "xtalproof: <sentence>" to stderr. Returns XP_EXIT_FAIL or XP_EXIT_USAGE as asked. */
int xp_cli_fail(const xp_error *err);
int xp_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The usage message of an unknown (sub)command: what it is, the known ones, and the closest. */
int xp_cli_unknown(const char *what, const char *word, const char *const *list, size_t n);

/* Reads a password from the file, or, without one, from the terminal (echo off; asked twice
 * when confirm is set) or from the first line of standard input, which must come within 2 s
 * (else an error, not a wait). A password file or keystore that its group or others can read
 * gets a warning. Free with xp_cli_password_free. */
int xp_cli_password(const char *file, int confirm, char **password, xp_error *err);
void xp_cli_password_free(char *password);

/* "record" or "records" as n is 1 or not: "1 record", "2 records", "0 records". */
const char *xp_cli_plural(unsigned long long n, const char *one, const char *many);
int xp_cmd_key(int argc, char **argv);
int xp_cmd_version(int argc, char **argv);
int xp_cmd_keccak(int argc, char **argv);
int xp_cmd_hash(int argc, char **argv);
int xp_cmd_bench_hash(int argc, char **argv);
int xp_cmd_bench_hash_scale(int argc, char **argv);
int xp_cmd_same(int argc, char **argv);
int xp_cmd_bench_dedup(int argc, char **argv);

/* model inference (cmd_model.c, cmd_predict.c) */
struct xp_model;
int xp_cli_model_dirs(const char **dirs, int cap);
int xp_model_open(const char *name, struct xp_model **m, char *path, size_t cap, xp_error *err);
int xp_cmd_model(int argc, char **argv);
int xp_cmd_models(int argc, char **argv);
int xp_cmd_predict(int argc, char **argv);
int xp_cmd_bench_infer(int argc, char **argv);

/* The provenance store's commands (issue 4) and their shared helpers (cmd_store_util.c). */
struct xp_store;
int xp_cli_store_open(struct xp_store **s);
/* The largest structure file the commands read. */
#define XP_CLI_MAX_FILE ((size_t)256 << 20)
/* The symhash of a file's one structure, read as the commands read files. */
int xp_cli_symhash_of_file(const char *path, uint8_t symhash[32], xp_error *err);
/* The symhash and the structureRoot (docs/formats.md, "The committed crystal") of the one
 * structure in a file: a round's target. */
int xp_cli_target_of_file(const char *path, uint8_t symhash[32], uint8_t root[32], xp_error *err);
int xp_cmd_dataset(int argc, char **argv);
int xp_cmd_register(int argc, char **argv);
int xp_cmd_proof(int argc, char **argv);
int xp_cmd_verify_proof(int argc, char **argv);
int xp_cmd_consistency(int argc, char **argv);
int xp_cmd_bench_merkle(int argc, char **argv);

/* Ethereum client (node/cmd_eth*.c) */
int xp_cmd_eth(int argc, char **argv);
int xp_cmd_bench_chain(int argc, char **argv);
int xp_cmd_bench_tx(int argc, char **argv);
int xp_cmd_bench_node_load(int argc, char **argv);

/* Prediction records (issue 8): prove, verify, trace openings. */
struct xp_inclusion_doc;
/* The inclusion proof of FILE|SYMHASH in version `number` (0: the latest) of a dataset
 * (cmd_proof.c, shared with prove --dataset). */
int xp_cli_make_inclusion(struct xp_store *s, const char *name, uint32_t number, const char *arg,
                          struct xp_inclusion_doc *doc, xp_error *err);
/* Writes text (malloc'd, freed here; NULL: out of memory writing `what`) to a new file `out`,
 * never over an existing one, or to standard output; returns the exit status. */
int xp_cli_emit(const char *out, char *text, const char *what);
struct xp_pred_record;
/* The model of a record: `given` (--model), else its modelName when that file's keccak is the
 * record's modelHash (cmd_verify.c). */
int xp_cli_record_model(const char *given, const struct xp_pred_record *r, struct xp_model **m,
                        xp_error *err);
int xp_cmd_prove(int argc, char **argv);
int xp_cmd_verify(int argc, char **argv);
int xp_cmd_bench_verify(int argc, char **argv);
int xp_cmd_trace(int argc, char **argv);
int xp_cmd_bench_open(int argc, char **argv);
int xp_cmd_bench_dispute(int argc, char **argv);

/* The node daemon (cmd_node*.c) and what it shares with the store's commands. */
struct xp_read_opts;
struct json_t;
struct xp_dataset;
int xp_cmd_node(int argc, char **argv);

/* Deployment and the chain commands (issue 9): node/cmd_deploy.c, node/cmd_chain*.c */
int xp_cmd_deploy(int argc, char **argv);
int xp_cmd_devnet(int argc, char **argv);
int xp_cmd_anchor(int argc, char **argv);
int xp_cmd_model_register(int argc, char **argv);
int xp_cmd_round(int argc, char **argv);
int xp_cmd_oracle(int argc, char **argv);
/* the dispute game (node/cmd_dispute.c) */
int xp_cmd_challenge(int argc, char **argv);
int xp_cmd_dispute(int argc, char **argv);
/* node/cmd_node_state.c */
int xp_cmd_node_state(int argc, char **argv);
int xp_cmd_deploy_show(int argc, char **argv);

/* The store's prediction records (node/cmd_predictions.c) */
int xp_cmd_predictions(int argc, char **argv);

#endif
