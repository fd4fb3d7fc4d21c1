/* The chain commands (node/cmd_deploy.c, node/cmd_chain*.c) and their shared helpers. */
#ifndef XTALPROOF_NODE_CHAIN_CMDS_H
#define XTALPROOF_NODE_CHAIN_CMDS_H

#include "cli.h"
#include "xtalproof/chain.h"

/* Opens the deployment of the options' --deployment and --rpc, with the key of the keystore
 * file (its password from --password-file, or asked) when keystore is not NULL. */
int xp_cli_chain_open(xp_chain *c, const xp_opt *o, int no, const char *keystore, xp_error *err);
/* One JSON line of the object (stolen) on standard output. */
void xp_cli_print_json(json_t *o);
/* Output conventions (docs/architecture.md, "Output"): text has a header row over every table;
 * --json prints JSON Lines (xp_cli_print_json: one compact object a line) for results and lists,
 * and a command that shows one document indents it by two spaces (xp_cli_print_doc). Both take
 * the reference. */
void xp_cli_print_doc(json_t *o);
/* JSON strings of bytes (0x hex, n <= 32) and of an unsigned integer (decimal), as the ABI
 * encoder takes them (node/cmd_chain_round.c). */
json_t *xp_cli_jhex(const uint8_t *p, size_t n);
json_t *xp_cli_jdec(uint64_t v);
/* A folder of the source tree beside the program (contracts, testnet): $env, else
 * <exe>/../../<name>, else ./<name>; NULL when none holds `probe`. malloc'd. */
char *xp_cli_tree_dir(const char *env, const char *name, const char *probe);
/* Parses a decimal u64 option (absent: keeps *v). */
int xp_cli_u64(const char *cmd, const char *name, const char *text, uint64_t *v);

/* round open (node/cmd_chain_round_open.c): the options --property, --reward, --tolerance,
 * --stake, --commit-window, --result-window, --reveal-window, --royalty-bps, --committee,
 * --challenge-window, --move-window, --bond, --idempotency-key and the targets. */
int xp_round_open(xp_chain *c, const xp_opt *o, int no, const char **pos, int npos, xp_error *err);

#endif
