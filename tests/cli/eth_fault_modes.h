/* The eth fault proxy's provider behaviours (eth_fault_modes.c): what public RPC providers do
 * that a local node does not, each chosen by a word of the proxy's fifth argument. */
#ifndef ETH_FAULT_MODES_H
#define ETH_FAULT_MODES_H

#include <stddef.h>

/* Parses "logs-range=N,logs-count=N,429=K:S,5xx=K:B,flicker=N,lag=N,underpriced-repeat";
 * 0, or -1 with the reason on stderr. */
int modes_parse(const char *spec);
/* Before forwarding: an HTTP answer of its own (status, extra header line, body) for this
 * request, 1 when it made one; 0 to forward. */
int modes_before(const char *req, size_t n, int *status, char *header, size_t hcap,
                 char **body, size_t *blen);
/* After forwarding: the node's answer as the provider would give it (malloc'd, replacing
 * *resp); 0, or -1 when it could not be rewritten (out of memory). */
int modes_after(const char *req, size_t n, char **resp, size_t *rlen);
/* What the modes did, one line on stderr. */
void modes_report(void);

#endif
