/* A dataset's proven owner: the owner's key signs the dataset's creation (docs/formats.md,
 * "A dataset's creation signature"); the store keeps the signature in the dataset's entry, and
 * the owner is taken only when the signature recovers to it. */
#include <string.h>

#include "xtalproof/keccak.h"
#include "xtalproof/keys.h"
#include "xtalproof/store.h"

#define CREATION_TAG "xtalproof dataset creation v1"

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void update_field(xp_keccak256_ctx *c, const char *text, int lenbytes)
{
    size_t n = strlen(text);
    uint8_t len[4];
    put_be(len, n, lenbytes);
    xp_keccak256_update(c, len, (size_t)lenbytes);
    xp_keccak256_update(c, text, n);
}

void xp_dataset_creation_hash(const char *name, const char *license, const char *description,
                              const uint8_t owner[XP_ADDRESS_LEN], uint64_t created,
                              uint8_t out[32])
{
    xp_keccak256_ctx c;
    xp_keccak256_init(&c);
    xp_keccak256_update(&c, CREATION_TAG, strlen(CREATION_TAG));
    update_field(&c, name, 1);
    update_field(&c, license, 1);
    update_field(&c, description ? description : "", 2);
    xp_keccak256_update(&c, owner, XP_ADDRESS_LEN);
    uint8_t t[8];
    put_be(t, created, 8);
    xp_keccak256_update(&c, t, 8);
    xp_keccak256_final(&c, out);
}

int xp_dataset_creation_sign(const char *name, const char *license, const char *description,
                             const uint8_t priv[32], uint64_t created,
                             uint8_t owner[XP_ADDRESS_LEN], uint8_t sig[XP_SIG_LEN],
                             xp_error *err)
{
    uint8_t h[32], d[32];
    int rc = xp_privkey_to_address(priv, owner, err);
    if (rc)
        return rc;
    xp_dataset_creation_hash(name, license, description, owner, created, h);
    xp_personal_digest(h, 32, d);
    if ((rc = xp_sign_digest(priv, d, sig, err)))
        return rc;
    sig[64] = (uint8_t)(sig[64] + 27); /* as wallets write it */
    return XP_OK;
}

int xp_dataset_owner_status(const xp_dataset *d, xp_error *err)
{
    if (!d->has_owner)
        return XP_OWNER_NONE;
    if (!d->has_owner_sig)
        return XP_OWNER_NOT_PROVEN;
    uint8_t h[32], dg[32], signer[XP_ADDRESS_LEN];
    xp_dataset_creation_hash(d->name, d->license, d->description, d->owner, d->created, h);
    xp_personal_digest(h, 32, dg);
    xp_error rerr = {0};
    if (xp_recover_address(dg, d->owner_sig, signer, &rerr))
        return xp_error_set(err, XP_EINVAL, "dataset %s: its creation signature is not valid (%s)",
                            d->name, rerr.msg);
    if (memcmp(signer, d->owner, XP_ADDRESS_LEN)) {
        char want[XP_ADDRESS_HEX_LEN], got[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(d->owner, want);
        xp_address_to_checksum(signer, got);
        return xp_error_set(err, XP_EINVAL,
                            "dataset %s: its creation was signed by %s, not by its owner %s",
                            d->name, got, want);
    }
    return XP_OWNER_PROVEN;
}
