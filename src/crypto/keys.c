#include "xtalproof/keys.h"

#include <ctype.h>
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"

/* One context for the process, made once and randomized against side channels; after that
 * it is only read, which libsecp256k1 allows from any thread. */
static secp256k1_context *g_ctx;
static pthread_once_t g_ctx_once = PTHREAD_ONCE_INIT;

static void ctx_init(void)
{
    if (sodium_init() < 0)
        return;
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!ctx)
        return;
    uint8_t seed[32];
    randombytes_buf(seed, sizeof seed);
    if (!secp256k1_context_randomize(ctx, seed)) {
        secp256k1_context_destroy(ctx);
        return;
    }
    xp_wipe(seed, sizeof seed);
    g_ctx = ctx;
}

static const secp256k1_context *ctx_get(xp_error *err)
{
    pthread_once(&g_ctx_once, ctx_init);
    if (!g_ctx)
        xp_error_set(err, XP_ECRYPTO, "the secp256k1 context could not be created");
    return g_ctx;
}

int xp_privkey_check(const uint8_t priv[32], xp_error *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    if (!ctx)
        return XP_ECRYPTO;
    if (!secp256k1_ec_seckey_verify(ctx, priv))
        return xp_error_set(err, XP_EINVAL,
                            "the private key is not valid for secp256k1 (zero or not below the "
                            "group order)");
    return XP_OK;
}

int xp_privkey_generate(uint8_t priv[32], xp_error *err)
{
    if (!ctx_get(err))
        return XP_ECRYPTO;
    /* The chance of an invalid draw is about 2^-128; loop rather than reason about it. */
    for (int i = 0; i < 64; i++) {
        randombytes_buf(priv, 32);
        if (xp_privkey_check(priv, NULL) == XP_OK)
            return XP_OK;
    }
    xp_wipe(priv, 32);
    return xp_error_set(err, XP_ECRYPTO, "the random generator gave no valid private key");
}

/* The context, once priv is known to be a valid secret key. */
static int ctx_for_key(const uint8_t priv[32], const secp256k1_context **ctx, xp_error *err)
{
    *ctx = ctx_get(err);
    if (!*ctx)
        return XP_ECRYPTO;
    return xp_privkey_check(priv, err);
}

/* X || Y of a parsed public key. */
static void pubkey_xy(const secp256k1_context *ctx, const secp256k1_pubkey *pk, uint8_t pub[64])
{
    uint8_t ser[65];
    size_t len = sizeof ser;
    secp256k1_ec_pubkey_serialize(ctx, ser, &len, pk, SECP256K1_EC_UNCOMPRESSED);
    memcpy(pub, ser + 1, 64);
}

int xp_privkey_to_pubkey(const uint8_t priv[32], uint8_t pub[64], xp_error *err)
{
    const secp256k1_context *ctx;
    int rc = ctx_for_key(priv, &ctx, err);
    if (rc)
        return rc;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(ctx, &pk, priv))
        return xp_error_set(err, XP_ECRYPTO, "the public key could not be computed");
    pubkey_xy(ctx, &pk, pub);
    return XP_OK;
}

void xp_pubkey_to_address(const uint8_t pub[64], uint8_t addr[XP_ADDRESS_LEN])
{
    uint8_t h[32];
    xp_keccak256(pub, 64, h);
    memcpy(addr, h + 12, XP_ADDRESS_LEN);
}

int xp_privkey_to_address(const uint8_t priv[32], uint8_t addr[XP_ADDRESS_LEN], xp_error *err)
{
    uint8_t pub[64];
    int rc = xp_privkey_to_pubkey(priv, pub, err);
    if (rc)
        return rc;
    xp_pubkey_to_address(pub, addr);
    return XP_OK;
}

void xp_address_to_checksum(const uint8_t addr[XP_ADDRESS_LEN], char out[XP_ADDRESS_HEX_LEN])
{
    char lower[2 * XP_ADDRESS_LEN + 1];
    xp_hex_encode(addr, XP_ADDRESS_LEN, lower, 0);
    uint8_t h[32];
    xp_keccak256(lower, 2 * XP_ADDRESS_LEN, h);
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 2 * XP_ADDRESS_LEN; i++) {
        int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
        char c = lower[i];
        out[2 + i] = (c >= 'a' && nib >= 8) ? (char)(c - 'a' + 'A') : c;
    }
    out[XP_ADDRESS_HEX_LEN - 1] = '\0';
}

int xp_address_parse(const char *text, uint8_t addr[XP_ADDRESS_LEN], xp_error *err)
{
    if (strlen(text) != 2 * XP_ADDRESS_LEN + 2 || text[0] != '0' || (text[1] != 'x'))
        return xp_error_set(err, XP_EINVAL,
                            "an address is 0x followed by 40 hex digits, not \"%.60s\"", text);
    int rc = xp_hex_decode_exact(text, addr, XP_ADDRESS_LEN, err);
    if (rc)
        return xp_error_prefix(err, rc, "address %.60s", text);
    int upper = 0, lower = 0;
    for (const char *p = text + 2; *p; p++) {
        upper += isupper((unsigned char)*p) != 0;
        lower += islower((unsigned char)*p) != 0;
    }
    if (upper && lower) {
        char want[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(addr, want);
        if (strcmp(want, text) != 0)
            return xp_error_set(err, XP_EINVAL,
                                "address %s has a wrong EIP-55 checksum (expected %s)", text, want);
    }
    return XP_OK;
}

int xp_sign_digest(const uint8_t priv[32], const uint8_t digest[32], uint8_t sig[XP_SIG_LEN],
                   xp_error *err)
{
    const secp256k1_context *ctx;
    int rc = ctx_for_key(priv, &ctx, err);
    if (rc)
        return rc;
    secp256k1_ecdsa_recoverable_signature rs;
    /* NULL nonce function: RFC 6979 with HMAC-SHA256. libsecp256k1 always emits low s. */
    if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, digest, priv, NULL, NULL))
        return xp_error_set(err, XP_ECRYPTO, "signing failed");
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rs);
    sig[64] = (uint8_t)recid;
    return XP_OK;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

int xp_recover_pubkey(const uint8_t digest[32], const uint8_t sig[XP_SIG_LEN], uint8_t pub[64],
                      xp_error *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    if (!ctx)
        return XP_ECRYPTO;
    int v = sig[64];
    if (v == 27 || v == 28)
        v -= 27;
    if (v != 0 && v != 1)
        return xp_error_set(err, XP_EINVAL, "signature recovery id %d is not 0, 1, 27 or 28",
                            sig[64]);
    if (all_zero(sig, 32) || all_zero(sig + 32, 32))
        return xp_error_set(err, XP_EINVAL, "signature has r or s equal to zero");
    secp256k1_ecdsa_signature plain;
    if (!secp256k1_ecdsa_signature_parse_compact(ctx, &plain, sig))
        return xp_error_set(err, XP_EINVAL, "signature has r or s not below the group order");
    if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain))
        return xp_error_set(err, XP_EINVAL,
                            "signature has s above half the group order (malleable); refused");
    secp256k1_ecdsa_recoverable_signature rs;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig, v))
        return xp_error_set(err, XP_EINVAL, "signature could not be parsed");
    secp256k1_pubkey pk;
    if (!secp256k1_ecdsa_recover(ctx, &pk, &rs, digest))
        return xp_error_set(err, XP_ECRYPTO, "no public key recovers from this signature");
    pubkey_xy(ctx, &pk, pub);
    return XP_OK;
}

int xp_recover_address(const uint8_t digest[32], const uint8_t sig[XP_SIG_LEN],
                       uint8_t addr[XP_ADDRESS_LEN], xp_error *err)
{
    uint8_t pub[64];
    int rc = xp_recover_pubkey(digest, sig, pub, err);
    if (rc)
        return rc;
    xp_pubkey_to_address(pub, addr);
    return XP_OK;
}

void xp_personal_digest(const uint8_t *msg, size_t len, uint8_t out[32])
{
    char prefix[64];
    int n = snprintf(prefix, sizeof prefix,
                     "\x19"
                     "Ethereum Signed Message:\n%zu",
                     len);
    xp_keccak256_ctx c;
    xp_keccak256_init(&c);
    xp_keccak256_update(&c, prefix, (size_t)n);
    xp_keccak256_update(&c, msg, len);
    xp_keccak256_final(&c, out);
}
