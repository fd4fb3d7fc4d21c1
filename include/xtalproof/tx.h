/* Ethereum transactions: legacy (with or without EIP-155 replay protection), EIP-2930
 * (type 1, access lists) and EIP-1559 (type 2). Signing (libsecp256k1, low s), encoding,
 * hashing, strict decoding of raw bytes, sender recovery, and validity by the rules of the
 * latest fork (see xp_tx_validate). */
#ifndef XTALPROOF_TX_H
#define XTALPROOF_TX_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/eth.h"
#include "xtalproof/rlp.h"

enum { XP_TX_LEGACY = 0, XP_TX_2930 = 1, XP_TX_1559 = 2 };

typedef struct xp_access_entry {
    uint8_t address[20];
    size_t nkeys;
    uint8_t (*keys)[32];
} xp_access_entry;

typedef struct xp_tx {
    int type;
    int protected_; /* legacy only: 1 when EIP-155 (chain id in v) */
    uint64_t chain_id;
    uint64_t nonce;
    xp_u256 gas_price;    /* legacy and type 1 */
    xp_u256 max_priority; /* type 2: maxPriorityFeePerGas */
    xp_u256 max_fee;      /* type 2: maxFeePerGas */
    uint64_t gas_limit;
    int has_to; /* 0: contract creation */
    uint8_t to[20];
    xp_u256 value;
    uint8_t *data; /* malloc'd, owned */
    size_t data_len;
    xp_access_entry *access; /* malloc'd, owned */
    size_t naccess;
    /* signature: r, s and the parity of R's y (v = 27 + parity, or 35 + 2 chainId + parity) */
    int signed_;
    xp_u256 r, s;
    int y_parity;
} xp_tx;

/* Frees data and access list (not tx itself) and zeroes tx. */
void xp_tx_clear(xp_tx *tx);
/* Copies data into tx (replacing what was there). */
int xp_tx_set_data(xp_tx *tx, const uint8_t *data, size_t n, xp_error *err);

/* keccak-256 of the payload that is signed. */
void xp_tx_signing_hash(const xp_tx *tx, uint8_t hash[32]);
/* Signs with a secret key: fills r, s, y_parity (deterministic nonce, low s). */
int xp_tx_sign(xp_tx *tx, const uint8_t priv[32], xp_error *err);
/* Appends the raw signed transaction (type byte || RLP, or the RLP list for legacy). */
int xp_tx_encode(const xp_tx *tx, xp_rlp_buf *out, xp_error *err);
/* Raw bytes to fields. Refuses anything that is not canonical RLP of the right shape, and
 * fields larger than their type (addresses of 20 bytes, storage keys of 32, integers without
 * leading zeros, nonce and gas in 64 bits, values and fees in 256 bits). */
int xp_tx_decode(const uint8_t *raw, size_t n, xp_tx *tx, xp_error *err);
/* Recovers the sender. Signature values are checked as go-ethereum does after Homestead:
 * 0 < r, s < n, s <= n/2, parity 0 or 1, legacy v of 27/28 or 35 + 2 chainId + {0,1}. */
int xp_tx_sender(const xp_tx *tx, uint8_t addr[20], xp_error *err);
/* Intrinsic gas under the latest rules: 21000 (+32000 creating a contract, + 2 per word of
 * init code), 4 per zero and 16 per non-zero data byte, 2400 per access-list address and
 * 1900 per storage key. *floor gets the EIP-7623 calldata floor (21000 + 10 per token). */
int xp_tx_intrinsic_gas(const xp_tx *tx, uint64_t *gas, uint64_t *floor, xp_error *err);
/* The rule sets validity can be judged by. Cancun is the newest fork of the ethereum/tests
 * transaction files; Prague adds the EIP-7623 calldata floor, Osaka the EIP-7825 gas cap. */
enum { XP_FORK_CANCUN = 0, XP_FORK_PRAGUE = 1, XP_FORK_OSAKA = 2, XP_FORK_LATEST = XP_FORK_OSAKA };
/* Parses "cancun", "prague", "osaka" or "latest"; -1 for anything else. */
int xp_fork_parse(const char *name);
const char *xp_fork_name(int fork);

/* Validity as a node judges a transaction on its own, by the rules of fork: signature and
 * sender, chain id (when chain_id is not 0), nonce below 2^64-1 (EIP-2681), gas limit at
 * least the intrinsic gas (and, from Prague, the calldata floor; from Osaka, at most 2^24),
 * init code at most 49152 bytes (EIP-3860), priority fee not above the fee cap, gas limit ×
 * fee cap within 256 bits. The sentence names the rule that failed. */
int xp_tx_validate(const xp_tx *tx, uint64_t chain_id, int fork, xp_error *err);
/* Decode + validate + sender + hash in one step (hash = keccak of the raw bytes). */
int xp_tx_parse_raw(const uint8_t *raw, size_t n, uint64_t chain_id, int fork, xp_tx *tx,
                    uint8_t sender[20], uint8_t hash[32], xp_error *err);
/* The decoded transaction as a JSON object text (type, chainId, nonce, fees, gas, to, value,
 * data, accessList, v/yParity, r, s, and sender and hash when given). malloc'd. */
char *xp_tx_to_json(const xp_tx *tx, const uint8_t *sender, const uint8_t *hash);

#endif
