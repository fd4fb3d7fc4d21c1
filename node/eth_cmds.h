/* The eth subcommands, spread over node/cmd_eth*.c. */
#ifndef XTALPROOF_NODE_ETH_CMDS_H
#define XTALPROOF_NODE_ETH_CMDS_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"

int xp_eth_cli_unhex(const char *hex, uint8_t **out, size_t *n, xp_error *err);
int xp_cmd_eth_abi_encode(int argc, char **argv);
int xp_cmd_eth_send(int argc, char **argv);
int xp_cmd_eth_balance(int argc, char **argv);
int xp_cmd_eth_logs(int argc, char **argv);

#endif
