/* Web3 Secret Storage (V3). Layout and checks are documented in docs/formats.md. */
#include "xtalproof/keystore.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"

/* Upper bound on scrypt work (N * r * p) we are willing to spend for one file: 8x the usual
 * standard cost, a few seconds on this class of machine. */
#define SCRYPT_MAX_WORK (1ull << 24)

static int get_hex(json_t *obj, const char *key, uint8_t *out, size_t min, size_t max,
                   size_t *len, xp_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return xp_error_set(err, XP_EINVAL, "keystore field \"%s\" is missing or not a string",
                            key);
    size_t got = 0;
    xp_error sub;
    if (xp_hex_decode(json_string_value(v), json_string_length(v), out, max, &got, &sub))
        return xp_error_set(err, XP_EINVAL, "keystore field \"%s\": %s", key, sub.msg);
    if (got < min)
        return xp_error_set(err, XP_EINVAL, "keystore field \"%s\" holds %zu bytes, expected %s%zu",
                            key, got, min == max ? "" : "at least ", min);
    if (len)
        *len = got;
    return XP_OK;
}

static int get_uint(json_t *obj, const char *key, uint64_t min, uint64_t max, uint64_t *out,
                    xp_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return xp_error_set(err, XP_EINVAL, "keystore field \"%s\" is missing or not an integer",
                            key);
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i < min || (uint64_t)i > max)
        return xp_error_set(err, XP_EINVAL,
                            "keystore field \"%s\" is %lld, outside the accepted %llu..%llu", key,
                            (long long)i, (unsigned long long)min, (unsigned long long)max);
    *out = (uint64_t)i;
    return XP_OK;
}

static int parse_obj(json_t *root, xp_keystore *ks, xp_error *err)
{
    int rc;
    uint64_t u;
    if (!json_is_object(root))
        return xp_error_set(err, XP_EINVAL, "a keystore is a JSON object");
    json_t *ver = json_object_get(root, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) != 3)
        return xp_error_set(err, XP_EINVAL, "keystore \"version\" must be 3 (Web3 Secret Storage)");
    json_t *crypto = json_object_get(root, "crypto");
    if (!crypto)
        crypto = json_object_get(root, "Crypto"); /* as some older wallets wrote it */
    if (!json_is_object(crypto))
        return xp_error_set(err, XP_EINVAL, "keystore has no \"crypto\" object");
    const char *cipher = json_string_value(json_object_get(crypto, "cipher"));
    if (!cipher || strcmp(cipher, "aes-128-ctr") != 0)
        return xp_error_set(err, XP_EUNSUPPORTED,
                            "keystore cipher \"%.40s\" is not supported (only aes-128-ctr)",
                            cipher ? cipher : "(missing)");
    json_t *cp = json_object_get(crypto, "cipherparams");
    if (!json_is_object(cp))
        return xp_error_set(err, XP_EINVAL, "keystore has no \"cipherparams\" object");
    if ((rc = get_hex(cp, "iv", ks->iv, 16, 16, NULL, err)))
        return rc;
    if ((rc = get_hex(crypto, "ciphertext", ks->ciphertext, 32, 32, NULL, err)))
        return rc;
    if ((rc = get_hex(crypto, "mac", ks->mac, 32, 32, NULL, err)))
        return rc;
    const char *kdf = json_string_value(json_object_get(crypto, "kdf"));
    json_t *kp = json_object_get(crypto, "kdfparams");
    if (!kdf)
        return xp_error_set(err, XP_EINVAL, "keystore field \"kdf\" is missing or not a string");
    if (!json_is_object(kp))
        return xp_error_set(err, XP_EINVAL, "keystore has no \"kdfparams\" object");
    if ((rc = get_uint(kp, "dklen", 32, 32, &u, err)))
        return rc;
    if ((rc = get_hex(kp, "salt", ks->salt, 1, sizeof ks->salt, &ks->salt_len, err)))
        return rc;
    if (strcmp(kdf, "scrypt") == 0) {
        ks->kdf = XP_KDF_SCRYPT;
        if ((rc = get_uint(kp, "n", 2, 1ull << 30, &ks->n, err)))
            return rc;
        if (ks->n & (ks->n - 1))
            return xp_error_set(err, XP_EINVAL, "keystore scrypt n=%llu is not a power of two",
                                (unsigned long long)ks->n);
        if ((rc = get_uint(kp, "r", 1, 1024, &u, err)))
            return rc;
        ks->r = (uint32_t)u;
        if ((rc = get_uint(kp, "p", 1, 1024, &u, err)))
            return rc;
        ks->p = (uint32_t)u;
        if (128ull * ks->n * ks->r > XP_KEYSTORE_SCRYPT_MAX_MEM)
            return xp_error_set(err, XP_EINVAL,
                                "keystore scrypt parameters need %llu MiB, more than the %llu MiB "
                                "allowed",
                                (unsigned long long)(128ull * ks->n * ks->r >> 20),
                                (unsigned long long)(XP_KEYSTORE_SCRYPT_MAX_MEM >> 20));
        if (ks->n * ks->r * ks->p > SCRYPT_MAX_WORK)
            return xp_error_set(err, XP_EINVAL,
                                "keystore scrypt work n*r*p=%llu is more than the %llu allowed",
                                (unsigned long long)(ks->n * ks->r * ks->p),
                                (unsigned long long)SCRYPT_MAX_WORK);
    } else if (strcmp(kdf, "pbkdf2") == 0) {
        ks->kdf = XP_KDF_PBKDF2;
        const char *prf = json_string_value(json_object_get(kp, "prf"));
        if (!prf || strcmp(prf, "hmac-sha256") != 0)
            return xp_error_set(err, XP_EUNSUPPORTED,
                                "keystore pbkdf2 prf \"%.40s\" is not supported (only hmac-sha256)",
                                prf ? prf : "(missing)");
        if ((rc = get_uint(kp, "c", 1, XP_KEYSTORE_PBKDF2_MAX_ITER, &u, err)))
            return rc;
        ks->c = (uint32_t)u;
    } else {
        return xp_error_set(err, XP_EUNSUPPORTED,
                            "keystore kdf \"%.40s\" is not supported (scrypt or pbkdf2)", kdf);
    }
    json_t *addr = json_object_get(root, "address");
    if (addr) {
        if ((rc = get_hex(root, "address", ks->address, XP_ADDRESS_LEN, XP_ADDRESS_LEN, NULL, err)))
            return rc;
        ks->has_address = 1;
    }
    return XP_OK;
}

int xp_keystore_parse(const char *json, size_t len, xp_keystore *ks, xp_error *err)
{
    memset(ks, 0, sizeof *ks);
    if (len > XP_KEYSTORE_MAX_BYTES)
        return xp_error_set(err, XP_EINVAL, "keystore is %zu bytes, more than the %d allowed", len,
                            XP_KEYSTORE_MAX_BYTES);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return xp_error_set(err, XP_EINVAL, "keystore is not valid JSON: %s at line %d column %d",
                            jerr.text, jerr.line, jerr.column);
    int rc = parse_obj(root, ks, err);
    json_decref(root);
    return rc;
}

static int derive(const xp_keystore *ks, const char *pw, size_t pwlen, uint8_t dk[32],
                  xp_error *err)
{
    if (sodium_init() < 0)
        return xp_error_set(err, XP_ECRYPTO, "libsodium could not be initialised");
    if (ks->kdf == XP_KDF_SCRYPT) {
        if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)pw, pwlen, ks->salt,
                                                  ks->salt_len, ks->n, ks->r, ks->p, dk, 32) != 0)
            return xp_error_set(err, XP_ECRYPTO,
                                "scrypt key derivation failed (n=%llu r=%u p=%u; out of memory?)",
                                (unsigned long long)ks->n, ks->r, ks->p);
    } else {
        if (PKCS5_PBKDF2_HMAC(pw, (int)pwlen, ks->salt, (int)ks->salt_len, (int)ks->c,
                              EVP_sha256(), 32, dk) != 1)
            return xp_error_set(err, XP_ECRYPTO, "pbkdf2 key derivation failed");
    }
    return XP_OK;
}

static void keystore_mac(const uint8_t dk[32], const uint8_t ct[32], uint8_t mac[32])
{
    xp_keccak256_ctx k;
    xp_keccak256_init(&k);
    xp_keccak256_update(&k, dk + 16, 16);
    xp_keccak256_update(&k, ct, 32);
    xp_keccak256_final(&k, mac);
}

/* AES-128-CTR is its own inverse. */
static int aes128ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t in[32],
                     uint8_t out[32], xp_error *err)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) == 1;
    int n1 = 0, n2 = 0;
    ok = ok && EVP_EncryptUpdate(c, out, &n1, in, 32) == 1;
    ok = ok && EVP_EncryptFinal_ex(c, out + n1, &n2) == 1 && n1 + n2 == 32;
    EVP_CIPHER_CTX_free(c);
    return ok ? XP_OK : xp_error_set(err, XP_ECRYPTO, "aes-128-ctr failed");
}

int xp_keystore_decrypt(const xp_keystore *ks, const char *password, size_t password_len,
                        uint8_t priv[32], xp_error *err)
{
    uint8_t dk[32], mac[32];
    int rc = derive(ks, password, password_len, dk, err);
    if (rc)
        return rc;
    keystore_mac(dk, ks->ciphertext, mac);
    if (xp_memcmp_ct(mac, ks->mac, 32) != 0) {
        xp_wipe(dk, sizeof dk);
        return xp_error_set(err, XP_EPASSWORD,
                            "wrong password: the keystore's MAC does not match the derived key");
    }
    rc = aes128ctr(dk, ks->iv, ks->ciphertext, priv, err);
    xp_wipe(dk, sizeof dk);
    if (rc)
        return rc;
    uint8_t addr[XP_ADDRESS_LEN];
    if ((rc = xp_privkey_to_address(priv, addr, err))) {
        xp_wipe(priv, 32);
        return xp_error_prefix(err, rc, "keystore decrypted");
    }
    if (ks->has_address && memcmp(addr, ks->address, XP_ADDRESS_LEN) != 0) {
        char want[XP_ADDRESS_HEX_LEN], got[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(ks->address, want);
        xp_address_to_checksum(addr, got);
        xp_wipe(priv, 32);
        return xp_error_set(err, XP_ECRYPTO,
                            "keystore decrypted to the key of %s, not of the address %s it names",
                            got, want);
    }
    return XP_OK;
}

static void uuid4(char out[37])
{
    uint8_t b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char h[33];
    xp_hex_encode(b, 16, h, 0);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

int xp_keystore_encrypt(const uint8_t priv[32], const char *password, size_t password_len,
                        xp_kdf_cost cost, char **json, xp_error *err)
{
    *json = NULL;
    int rc;
    uint8_t addr[XP_ADDRESS_LEN];
    if ((rc = xp_privkey_to_address(priv, addr, err)))
        return rc;
    if (sodium_init() < 0)
        return xp_error_set(err, XP_ECRYPTO, "libsodium could not be initialised");
    xp_keystore ks = {0};
    ks.kdf = XP_KDF_SCRYPT;
    if (cost == XP_KDF_COST_LIGHT) {
        ks.n = 1u << 12, ks.r = 8, ks.p = 6;
    } else {
        ks.n = 1u << 18, ks.r = 8, ks.p = 1;
    }
    ks.salt_len = 32;
    randombytes_buf(ks.salt, ks.salt_len);
    randombytes_buf(ks.iv, sizeof ks.iv);
    uint8_t dk[32];
    if ((rc = derive(&ks, password, password_len, dk, err)))
        return rc;
    rc = aes128ctr(dk, ks.iv, priv, ks.ciphertext, err);
    if (!rc)
        keystore_mac(dk, ks.ciphertext, ks.mac);
    xp_wipe(dk, sizeof dk);
    if (rc)
        return rc;

    char a[41], ct[65], iv[33], salt[65], mac[65], id[37];
    xp_hex_encode(addr, XP_ADDRESS_LEN, a, 0);
    xp_hex_encode(ks.ciphertext, 32, ct, 0);
    xp_hex_encode(ks.iv, 16, iv, 0);
    xp_hex_encode(ks.salt, 32, salt, 0);
    xp_hex_encode(ks.mac, 32, mac, 0);
    uuid4(id);
    json_t *root = json_pack("{s:s, s:{s:s, s:s, s:{s:s}, s:s, s:{s:i, s:I, s:i, s:i, s:s}, s:s}, "
                             "s:s, s:i}",
                             "address", a, "crypto", "cipher", "aes-128-ctr", "ciphertext", ct,
                             "cipherparams", "iv", iv, "kdf", "scrypt", "kdfparams", "dklen", 32,
                             "n", (json_int_t)ks.n, "r", (int)ks.r, "p", (int)ks.p, "salt", salt,
                             "mac", mac, "id", id, "version", 3);
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    if (!text)
        return xp_error_set(err, XP_ENOMEM, "out of memory writing a keystore");
    *json = text;
    return XP_OK;
}

int xp_keystore_load(const char *path, const char *password, uint8_t priv[32], xp_error *err)
{
    char *data;
    size_t len;
    int rc = xp_file_read(path, XP_KEYSTORE_MAX_BYTES, &data, &len, err);
    if (rc)
        return rc;
    xp_file_warn_shared(path, "keystore");
    xp_keystore ks;
    rc = xp_keystore_parse(data, len, &ks, err);
    free(data);
    if (!rc)
        rc = xp_keystore_decrypt(&ks, password, strlen(password), priv, err);
    if (rc)
        return xp_error_prefix(err, rc, "%s", path);
    return XP_OK;
}

int xp_keystore_save(const char *path, const uint8_t priv[32], const char *password,
                     xp_kdf_cost cost, xp_error *err)
{
    char *json;
    int rc = xp_keystore_encrypt(priv, password, strlen(password), cost, &json, err);
    if (rc)
        return rc;
    size_t n = strlen(json);
    json[n] = '\n'; /* replace the NUL: the file ends with a newline */
    rc = xp_file_create_atomic(path, json, n + 1, 0600, err);
    free(json);
    return rc;
}
