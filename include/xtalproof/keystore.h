/* Ethereum V3 keystores (Web3 Secret Storage): scrypt or pbkdf2-hmac-sha256 key derivation,
 * aes-128-ctr, keccak-256 MAC over derived_key[16..32] || ciphertext. */
#ifndef XTALPROOF_KEYSTORE_H
#define XTALPROOF_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/keys.h"

/* Limits on what a keystore may ask of us, so a hostile file cannot take all memory or time. */
#define XP_KEYSTORE_SCRYPT_MAX_MEM (1024ull * 1024 * 1024) /* 128 * n * r bytes */
#define XP_KEYSTORE_PBKDF2_MAX_ITER 10000000u
#define XP_KEYSTORE_MAX_BYTES 65536

typedef enum { XP_KDF_SCRYPT = 1, XP_KDF_PBKDF2 = 2 } xp_kdf;

typedef struct xp_keystore {
    xp_kdf kdf;
    uint64_t n;      /* scrypt N */
    uint32_t r, p;   /* scrypt r, p */
    uint32_t c;      /* pbkdf2 iterations */
    uint8_t salt[64];
    size_t salt_len;
    uint8_t iv[16];
    uint8_t ciphertext[32];
    uint8_t mac[32];
    int has_address;
    uint8_t address[XP_ADDRESS_LEN];
} xp_keystore;

/* Scrypt cost of newly written keystores: "standard" is what common wallets use (n=2^18, r=8,
 * p=1: about 256 MiB and a second); "light" (n=2^12, r=8, p=6) is for tests and throwaway keys. */
typedef enum { XP_KDF_COST_STANDARD = 0, XP_KDF_COST_LIGHT = 1 } xp_kdf_cost;

/* Parses and validates keystore JSON (no key derivation yet). */
int xp_keystore_parse(const char *json, size_t len, xp_keystore *ks, xp_error *err);

/* Derives the key, checks the MAC and decrypts. A wrong password is XP_EPASSWORD and never
 * yields a key. The recovered key must be a valid secp256k1 key, and if the file names an
 * address, must match it. */
int xp_keystore_decrypt(const xp_keystore *ks, const char *password, size_t password_len,
                        uint8_t priv[32], xp_error *err);

/* Encrypts priv under password with scrypt and returns malloc'd V3 JSON text. */
int xp_keystore_encrypt(const uint8_t priv[32], const char *password, size_t password_len,
                        xp_kdf_cost cost, char **json, xp_error *err);

/* File helpers: read + decrypt; encrypt + create the file with mode 0600, never overwriting. */
int xp_keystore_load(const char *path, const char *password, uint8_t priv[32], xp_error *err);
int xp_keystore_save(const char *path, const uint8_t priv[32], const char *password,
                     xp_kdf_cost cost, xp_error *err);

#endif
