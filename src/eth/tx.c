/* Transactions: encoding, signing, strict decoding, sender recovery and validity. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ethjson.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/keys.h"
#include "xtalproof/tx.h"

/* secp256k1 group order n and n/2 */
static const uint8_t N[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                              0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
static const uint8_t HALF_N[32] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d,
                                   0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

#define MAX_INITCODE 49152u
#define MAX_TX_GAS (1u << 24)

void xp_tx_clear(xp_tx *tx)
{
    free(tx->data);
    for (size_t i = 0; i < tx->naccess; i++)
        free(tx->access[i].keys);
    free(tx->access);
    memset(tx, 0, sizeof *tx);
}

int xp_tx_set_data(xp_tx *tx, const uint8_t *data, size_t n, xp_error *err)
{
    uint8_t *p = NULL;
    if (n) {
        if (!(p = malloc(n)))
            return xp_error_set(err, XP_ENOMEM, "out of memory for %zu bytes of data", n);
        memcpy(p, data, n);
    }
    free(tx->data);
    tx->data = p;
    tx->data_len = n;
    return 0;
}

static void put_u256(xp_rlp_buf *b, const xp_u256 *x)
{
    xp_rlp_uint_be(b, x->b, 32);
}

static void put_access(xp_rlp_buf *b, const xp_tx *tx)
{
    size_t m = xp_rlp_list_begin(b);
    for (size_t i = 0; i < tx->naccess; i++) {
        size_t e = xp_rlp_list_begin(b);
        xp_rlp_bytes(b, tx->access[i].address, 20);
        size_t k = xp_rlp_list_begin(b);
        for (size_t j = 0; j < tx->access[i].nkeys; j++)
            xp_rlp_bytes(b, tx->access[i].keys[j], 32);
        xp_rlp_list_end(b, k);
        xp_rlp_list_end(b, e);
    }
    xp_rlp_list_end(b, m);
}

/* the fields common to every form, from nonce (or chain id) up to the access list */
static void put_body(xp_rlp_buf *b, const xp_tx *tx)
{
    if (tx->type != XP_TX_LEGACY)
        xp_rlp_uint(b, tx->chain_id);
    xp_rlp_uint(b, tx->nonce);
    if (tx->type == XP_TX_1559) {
        put_u256(b, &tx->max_priority);
        put_u256(b, &tx->max_fee);
    } else {
        put_u256(b, &tx->gas_price);
    }
    xp_rlp_uint(b, tx->gas_limit);
    xp_rlp_bytes(b, tx->to, tx->has_to ? 20 : 0);
    put_u256(b, &tx->value);
    xp_rlp_bytes(b, tx->data, tx->data_len);
    if (tx->type != XP_TX_LEGACY)
        put_access(b, tx);
}

static void encode_unsigned(const xp_tx *tx, xp_rlp_buf *b)
{
    if (tx->type != XP_TX_LEGACY) {
        uint8_t t = (uint8_t)tx->type;
        xp_rlp_raw(b, &t, 1);
    }
    size_t m = xp_rlp_list_begin(b);
    put_body(b, tx);
    if (tx->type == XP_TX_LEGACY && tx->protected_) {
        xp_rlp_uint(b, tx->chain_id);
        xp_rlp_uint(b, 0);
        xp_rlp_uint(b, 0);
    }
    xp_rlp_list_end(b, m);
}

void xp_tx_signing_hash(const xp_tx *tx, uint8_t hash[32])
{
    xp_rlp_buf b;
    xp_rlp_buf_init(&b);
    encode_unsigned(tx, &b);
    if (b.oom) /* cannot be signed or checked: a hash of nothing never matches */
        memset(hash, 0, 32);
    else
        xp_keccak256(b.p, b.len, hash);
    xp_rlp_buf_free(&b);
}

int xp_tx_sign(xp_tx *tx, const uint8_t priv[32], xp_error *err)
{
    uint8_t h[32], sig[XP_SIG_LEN];
    xp_tx_signing_hash(tx, h);
    int rc = xp_sign_digest(priv, h, sig, err);
    if (rc)
        return rc;
    xp_u256_from_be(&tx->r, sig, 32);
    xp_u256_from_be(&tx->s, sig + 32, 32);
    tx->y_parity = sig[64];
    tx->signed_ = 1;
    xp_wipe(sig, sizeof sig);
    return 0;
}

int xp_tx_encode(const xp_tx *tx, xp_rlp_buf *out, xp_error *err)
{
    if (!tx->signed_)
        return xp_error_set(err, XP_EINVAL, "the transaction is not signed");
    if (tx->type != XP_TX_LEGACY) {
        uint8_t t = (uint8_t)tx->type;
        xp_rlp_raw(out, &t, 1);
    }
    size_t m = xp_rlp_list_begin(out);
    put_body(out, tx);
    if (tx->type == XP_TX_LEGACY) {
        uint64_t v = tx->protected_ ? 35 + 2 * tx->chain_id + (uint64_t)tx->y_parity
                                    : 27 + (uint64_t)tx->y_parity;
        xp_rlp_uint(out, v);
    } else {
        xp_rlp_uint(out, (uint64_t)tx->y_parity);
    }
    put_u256(out, &tx->r);
    put_u256(out, &tx->s);
    xp_rlp_list_end(out, m);
    if (out->oom)
        return xp_error_set(err, XP_ENOMEM, "out of memory encoding a transaction");
    return 0;
}

/* ---- decoding ------------------------------------------------------------------------ */

static int field_u64(const xp_rlp_item *it, const char *name, uint64_t *v, xp_error *err)
{
    int rc = xp_rlp_to_uint64(it, v, err);
    return rc ? xp_error_prefix(err, rc, "%s", name) : 0;
}

static int field_u256(const xp_rlp_item *it, const char *name, xp_u256 *x, xp_error *err)
{
    uint8_t be[32];
    size_t n;
    int rc = xp_rlp_to_uint_be(it, 32, be, &n, err);
    if (rc)
        return xp_error_prefix(err, rc, "%s", name);
    xp_u256_from_be(x, be, n);
    return 0;
}

static int field_to(const xp_rlp_item *it, xp_tx *tx, xp_error *err)
{
    if (it->is_list)
        return xp_error_set(err, XP_EINVAL, "to: expected an address, found a list");
    if (it->len == 0) {
        tx->has_to = 0;
        return 0;
    }
    if (it->len != 20)
        return xp_error_set(err, XP_EINVAL,
                            "to: address of %zu bytes (must be 20, or empty to create)",
                            it->len);
    tx->has_to = 1;
    memcpy(tx->to, it->p, 20);
    return 0;
}

static int field_access(const xp_rlp_item *list, xp_tx *tx, xp_error *err)
{
    size_t n;
    int rc;
    if ((rc = xp_rlp_list_count(list, &n, err)))
        return xp_error_prefix(err, rc, "accessList");
    if (n == 0)
        return 0;
    if (!(tx->access = calloc(n, sizeof *tx->access)))
        return xp_error_set(err, XP_ENOMEM, "out of memory for an access list");
    xp_rlp_iter it;
    xp_rlp_item e;
    xp_rlp_iter_init(&it, list);
    for (size_t i = 0; i < n; i++) {
        xp_rlp_iter_next(&it, &e, err);
        tx->naccess = i + 1;
        xp_rlp_iter ei;
        xp_rlp_item addr, keys, k;
        size_t cnt;
        if (!e.is_list || xp_rlp_list_count(&e, &cnt, err) || cnt != 2)
            return xp_error_set(err, XP_EINVAL,
                                "accessList[%zu]: expected [address, [storageKeys]]", i);
        xp_rlp_iter_init(&ei, &e);
        xp_rlp_iter_next(&ei, &addr, err);
        xp_rlp_iter_next(&ei, &keys, err);
        if (addr.is_list || addr.len != 20)
            return xp_error_set(err, XP_EINVAL,
                                "accessList[%zu]: address of %zu bytes (must be 20)", i,
                                addr.is_list ? 0 : addr.len);
        memcpy(tx->access[i].address, addr.p, 20);
        size_t nk;
        if (!keys.is_list || xp_rlp_list_count(&keys, &nk, err))
            return xp_error_set(err, XP_EINVAL, "accessList[%zu]: storage keys must be a list",
                                i);
        if (nk && !(tx->access[i].keys = calloc(nk, 32)))
            return xp_error_set(err, XP_ENOMEM, "out of memory for an access list");
        xp_rlp_iter ki;
        xp_rlp_iter_init(&ki, &keys);
        for (size_t j = 0; j < nk; j++) {
            xp_rlp_iter_next(&ki, &k, err);
            if (k.is_list || k.len != 32)
                return xp_error_set(err, XP_EINVAL,
                                    "accessList[%zu].storageKeys[%zu]: %zu bytes (must be 32)",
                                    i, j, k.is_list ? 0 : k.len);
            memcpy(tx->access[i].keys[j], k.p, 32);
            tx->access[i].nkeys = j + 1;
        }
    }
    return 0;
}

static int decode_fields(const xp_rlp_item *list, xp_tx *tx, xp_error *err)
{
    size_t n;
    int rc;
    if (!list->is_list)
        return xp_error_set(err, XP_EINVAL, "a transaction must be an RLP list");
    if ((rc = xp_rlp_list_count(list, &n, err)))
        return rc;
    size_t want = tx->type == XP_TX_LEGACY ? 9 : tx->type == XP_TX_2930 ? 11 : 12;
    if (n != want)
        return xp_error_set(err, XP_EINVAL, "a type-%d transaction has %zu fields, not %zu",
                            tx->type, n, want);
    xp_rlp_item f[12];
    xp_rlp_iter it;
    xp_rlp_iter_init(&it, list);
    for (size_t i = 0; i < n; i++)
        xp_rlp_iter_next(&it, &f[i], err);
    size_t i = 0;
    if (tx->type != XP_TX_LEGACY && (rc = field_u64(&f[i++], "chainId", &tx->chain_id, err)))
        return rc;
    if ((rc = field_u64(&f[i++], "nonce", &tx->nonce, err)))
        return rc;
    if (tx->type == XP_TX_1559) {
        if ((rc = field_u256(&f[i++], "maxPriorityFeePerGas", &tx->max_priority, err)) ||
            (rc = field_u256(&f[i++], "maxFeePerGas", &tx->max_fee, err)))
            return rc;
    } else if ((rc = field_u256(&f[i++], "gasPrice", &tx->gas_price, err))) {
        return rc;
    }
    if ((rc = field_u64(&f[i++], "gasLimit", &tx->gas_limit, err)) ||
        (rc = field_to(&f[i++], tx, err)) ||
        (rc = field_u256(&f[i++], "value", &tx->value, err)))
        return rc;
    if (f[i].is_list)
        return xp_error_set(err, XP_EINVAL, "data: expected bytes, found a list");
    if ((rc = xp_tx_set_data(tx, f[i].p, f[i].len, err)))
        return rc;
    i++;
    if (tx->type != XP_TX_LEGACY) {
        if (!f[i].is_list)
            return xp_error_set(err, XP_EINVAL, "accessList: expected a list");
        if ((rc = field_access(&f[i++], tx, err)))
            return rc;
    }
    uint64_t v;
    if ((rc = field_u64(&f[i++], tx->type == XP_TX_LEGACY ? "v" : "yParity", &v, err)))
        return rc;
    if (tx->type == XP_TX_LEGACY) {
        if (v == 27 || v == 28) {
            tx->protected_ = 0;
            tx->y_parity = (int)(v - 27);
        } else if (v >= 35) {
            tx->protected_ = 1;
            tx->chain_id = (v - 35) / 2;
            tx->y_parity = (int)((v - 35) % 2);
        } else {
            return xp_error_set(err, XP_EINVAL,
                                "v = %llu is neither 27/28 nor 35 + 2 chainId + {0,1}",
                                (unsigned long long)v);
        }
    } else {
        if (v > 1)
            return xp_error_set(err, XP_EINVAL, "yParity = %llu (must be 0 or 1)",
                                (unsigned long long)v);
        tx->y_parity = (int)v;
    }
    if ((rc = field_u256(&f[i++], "r", &tx->r, err)) ||
        (rc = field_u256(&f[i++], "s", &tx->s, err)))
        return rc;
    tx->signed_ = 1;
    return 0;
}

int xp_tx_decode(const uint8_t *raw, size_t n, xp_tx *tx, xp_error *err)
{
    memset(tx, 0, sizeof *tx);
    if (n == 0)
        return xp_error_set(err, XP_EINVAL, "empty transaction");
    xp_rlp_item list;
    int rc;
    if (raw[0] >= 0xc0) {
        tx->type = XP_TX_LEGACY;
        rc = xp_rlp_decode(raw, n, &list, err);
    } else if (raw[0] == XP_TX_2930 || raw[0] == XP_TX_1559) {
        tx->type = raw[0];
        rc = xp_rlp_decode(raw + 1, n - 1, &list, err);
    } else if (raw[0] < 0x80) {
        return xp_error_set(err, XP_EUNSUPPORTED, "transaction type 0x%02x is not supported",
                            raw[0]);
    } else {
        return xp_error_set(err, XP_EINVAL,
                            "not a transaction: starts with an RLP string (0x%02x)", raw[0]);
    }
    if (!rc)
        rc = decode_fields(&list, tx, err);
    if (rc) {
        xp_tx_clear(tx);
        return rc;
    }
    return 0;
}

/* ---- sender, gas and validity ---------------------------------------------------------- */

int xp_tx_sender(const xp_tx *tx, uint8_t addr[20], xp_error *err)
{
    xp_u256 n, half;
    memcpy(n.b, N, 32);
    memcpy(half.b, HALF_N, 32);
    if (!tx->signed_)
        return xp_error_set(err, XP_EINVAL, "the transaction is not signed");
    if (xp_u256_is_zero(&tx->r) || xp_u256_cmp(&tx->r, &n) >= 0)
        return xp_error_set(err, XP_ECRYPTO, "invalid signature: r is 0 or not below n");
    if (xp_u256_is_zero(&tx->s) || xp_u256_cmp(&tx->s, &n) >= 0)
        return xp_error_set(err, XP_ECRYPTO, "invalid signature: s is 0 or not below n");
    if (xp_u256_cmp(&tx->s, &half) > 0)
        return xp_error_set(err, XP_ECRYPTO, "invalid signature: s above n/2 (malleable)");
    uint8_t h[32], sig[XP_SIG_LEN];
    xp_tx_signing_hash(tx, h);
    memcpy(sig, tx->r.b, 32);
    memcpy(sig + 32, tx->s.b, 32);
    sig[64] = (uint8_t)tx->y_parity;
    int rc = xp_recover_address(h, sig, addr, err);
    return rc ? xp_error_prefix(err, rc, "invalid signature") : 0;
}

int xp_tx_intrinsic_gas(const xp_tx *tx, uint64_t *gas, uint64_t *floor, xp_error *err)
{
    uint64_t g = tx->has_to ? 21000 : 53000, z = 0, nz = 0;
    for (size_t i = 0; i < tx->data_len; i++) {
        if (tx->data[i])
            nz++;
        else
            z++;
    }
    /* data is at most a few GB: these products stay far below 2^64 */
    g += nz * 16 + z * 4;
    if (!tx->has_to)
        g += 2 * ((tx->data_len + 31) / 32);
    for (size_t i = 0; i < tx->naccess; i++)
        g += 2400 + 1900 * (uint64_t)tx->access[i].nkeys;
    *gas = g;
    if (floor)
        *floor = 21000 + 10 * (z + 4 * nz);
    (void)err;
    return 0;
}

int xp_fork_parse(const char *name)
{
    static const char *const names[] = {"cancun", "prague", "osaka"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i]))
            return i;
    return !strcmp(name, "latest") ? XP_FORK_LATEST : -1;
}

const char *xp_fork_name(int fork)
{
    return fork == XP_FORK_CANCUN ? "cancun" : fork == XP_FORK_PRAGUE ? "prague" : "osaka";
}

int xp_tx_validate(const xp_tx *tx, uint64_t chain_id, int fork, xp_error *err)
{
    uint8_t addr[20];
    int rc;
    if (tx->nonce == UINT64_MAX)
        return xp_error_set(err, XP_EINVAL, "nonce 2^64-1 is not allowed (EIP-2681)");
    if (chain_id && (tx->type != XP_TX_LEGACY || tx->protected_) && tx->chain_id != chain_id)
        return xp_error_set(err, XP_EINVAL, "chain id %llu, expected %llu",
                            (unsigned long long)tx->chain_id, (unsigned long long)chain_id);
    if ((rc = xp_tx_sender(tx, addr, err)))
        return rc;
    if (!tx->has_to && tx->data_len > MAX_INITCODE)
        return xp_error_set(err, XP_EINVAL, "init code of %zu bytes exceeds %u (EIP-3860)",
                            tx->data_len, MAX_INITCODE);
    uint64_t gas, floor;
    xp_tx_intrinsic_gas(tx, &gas, &floor, err);
    if (tx->gas_limit < gas)
        return xp_error_set(err, XP_EINVAL, "intrinsic gas too low: gas limit %llu < %llu",
                            (unsigned long long)tx->gas_limit, (unsigned long long)gas);
    if (fork >= XP_FORK_PRAGUE && tx->gas_limit < floor)
        return xp_error_set(err, XP_EINVAL,
                            "gas limit %llu below the calldata floor %llu (EIP-7623)",
                            (unsigned long long)tx->gas_limit, (unsigned long long)floor);
    if (fork >= XP_FORK_OSAKA && tx->gas_limit > MAX_TX_GAS)
        return xp_error_set(err, XP_EINVAL, "gas limit %llu above the cap 2^24 (EIP-7825)",
                            (unsigned long long)tx->gas_limit);
    const xp_u256 *cap = tx->type == XP_TX_1559 ? &tx->max_fee : &tx->gas_price;
    if (tx->type == XP_TX_1559 && xp_u256_cmp(&tx->max_priority, &tx->max_fee) > 0)
        return xp_error_set(err, XP_EINVAL,
                            "max priority fee per gas above max fee per gas (tip above cap)");
    xp_u256 prod;
    if (xp_u256_mul_u64(&prod, cap, tx->gas_limit))
        return xp_error_set(err, XP_EINVAL, "gas limit × fee cap overflows 256 bits");
    return 0;
}

int xp_tx_parse_raw(const uint8_t *raw, size_t n, uint64_t chain_id, int fork, xp_tx *tx,
                    uint8_t sender[20], uint8_t hash[32], xp_error *err)
{
    int rc = xp_tx_decode(raw, n, tx, err);
    if (rc)
        return rc;
    if ((rc = xp_tx_validate(tx, chain_id, fork, err)) || (rc = xp_tx_sender(tx, sender, err))) {
        xp_tx_clear(tx);
        return rc;
    }
    xp_keccak256(raw, n, hash);
    return 0;
}

/* ---- JSON ------------------------------------------------------------------------------- */

char *xp_tx_to_json(const xp_tx *tx, const uint8_t *sender, const uint8_t *hash)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "type", json_integer(tx->type));
    if (tx->type != XP_TX_LEGACY || tx->protected_)
        json_object_set_new(o, "chainId", json_integer((json_int_t)tx->chain_id));
    else
        json_object_set_new(o, "chainId", json_null());
    char q[24];
    snprintf(q, sizeof q, "%llu", (unsigned long long)tx->nonce);
    json_object_set_new(o, "nonce", json_string(q));
    if (tx->type == XP_TX_1559) {
        json_object_set_new(o, "maxPriorityFeePerGas", xp_eth_jdec(&tx->max_priority));
        json_object_set_new(o, "maxFeePerGas", xp_eth_jdec(&tx->max_fee));
    } else {
        json_object_set_new(o, "gasPrice", xp_eth_jdec(&tx->gas_price));
    }
    snprintf(q, sizeof q, "%llu", (unsigned long long)tx->gas_limit);
    json_object_set_new(o, "gasLimit", json_string(q));
    if (tx->has_to) {
        char a[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(tx->to, a);
        json_object_set_new(o, "to", json_string(a));
    } else {
        json_object_set_new(o, "to", json_null());
    }
    json_object_set_new(o, "value", xp_eth_jdec(&tx->value));
    json_object_set_new(o, "data", xp_eth_jhex(tx->data, tx->data_len));
    if (tx->type != XP_TX_LEGACY) {
        json_t *al = json_array();
        for (size_t i = 0; i < tx->naccess; i++) {
            json_t *keys = json_array();
            for (size_t j = 0; j < tx->access[i].nkeys; j++)
                json_array_append_new(keys, xp_eth_jhex(tx->access[i].keys[j], 32));
            json_array_append_new(al, json_pack("{s:o, s:o}", "address",
                                                xp_eth_jhex(tx->access[i].address, 20),
                                                "storageKeys", keys));
        }
        json_object_set_new(o, "accessList", al);
        json_object_set_new(o, "yParity", json_integer(tx->y_parity));
    } else {
        uint64_t v = tx->protected_ ? 35 + 2 * tx->chain_id + (uint64_t)tx->y_parity
                                    : 27 + (uint64_t)tx->y_parity;
        json_object_set_new(o, "v", json_integer((json_int_t)v));
    }
    char rs[68];
    xp_u256_to_quantity(&tx->r, rs);
    json_object_set_new(o, "r", json_string(rs));
    xp_u256_to_quantity(&tx->s, rs);
    json_object_set_new(o, "s", json_string(rs));
    if (sender) {
        char a[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(sender, a);
        json_object_set_new(o, "sender", json_string(a));
    }
    if (hash)
        json_object_set_new(o, "hash", xp_eth_jhex(hash, 32));
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
