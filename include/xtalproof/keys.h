/* secp256k1 keys, recoverable ECDSA signatures and Ethereum addresses (libsecp256k1). */
#ifndef XTALPROOF_KEYS_H
#define XTALPROOF_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"

#define XP_ADDRESS_LEN 20
#define XP_SIG_LEN 65 /* r (32) || s (32) || recovery id (1: 0 or 1) */
/* "0x" + 40 hex digits + NUL */
#define XP_ADDRESS_HEX_LEN 43

/* Checks that priv is a valid secret key: 0 < priv < n. */
int xp_privkey_check(const uint8_t priv[32], xp_error *err);

/* Draws a fresh secret key from libsodium's generator. */
int xp_privkey_generate(uint8_t priv[32], xp_error *err);

/* The uncompressed public key without its 0x04 tag: X || Y, 64 bytes. */
int xp_privkey_to_pubkey(const uint8_t priv[32], uint8_t pub[64], xp_error *err);

/* address = last 20 bytes of keccak256(X || Y). */
void xp_pubkey_to_address(const uint8_t pub[64], uint8_t addr[XP_ADDRESS_LEN]);
int xp_privkey_to_address(const uint8_t priv[32], uint8_t addr[XP_ADDRESS_LEN], xp_error *err);

/* EIP-55 mixed-case checksummed form, "0x" included. */
void xp_address_to_checksum(const uint8_t addr[XP_ADDRESS_LEN], char out[XP_ADDRESS_HEX_LEN]);

/* Parses "0x" + 40 hex digits. All-lower or all-upper digits are accepted as unchecksummed;
 * mixed case must be a correct EIP-55 checksum, else XP_EINVAL. */
int xp_address_parse(const char *text, uint8_t addr[XP_ADDRESS_LEN], xp_error *err);

/* Signs a 32-byte digest: deterministic nonce (RFC 6979), low s. sig = r || s || recid. */
int xp_sign_digest(const uint8_t priv[32], const uint8_t digest[32], uint8_t sig[XP_SIG_LEN],
                   xp_error *err);

/* Recovers the signer's public key and address from a digest and r || s || v, where v is the
 * recovery id 0 or 1 (27 and 28 are accepted too). A signature with s > n/2 is refused as
 * malleable; r or s of zero or not below n is refused. */
int xp_recover_pubkey(const uint8_t digest[32], const uint8_t sig[XP_SIG_LEN], uint8_t pub[64],
                      xp_error *err);
int xp_recover_address(const uint8_t digest[32], const uint8_t sig[XP_SIG_LEN],
                       uint8_t addr[XP_ADDRESS_LEN], xp_error *err);

/* EIP-191 personal_sign digest of a message: keccak256("\x19Ethereum Signed Message:\n" ‖
 * decimal length ‖ message). */
void xp_personal_digest(const uint8_t *msg, size_t len, uint8_t out[32]);

#endif
