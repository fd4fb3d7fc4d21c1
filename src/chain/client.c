/* Calls and sends to the deployed contracts, and the per-deployment state file. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/keccak.h"

/* From the "error" entries of contracts/abi/<Name>.json. */
const char *const xp_chain_errors[] = {"AlreadyCommitted()",
                                       "AlreadyMember(address)",
                                       "AtomCountOutOfRange(uint256)",
                                       "AtomOutOfRange(uint256,uint256)",
                                       "BadConsistencyProof()",
                                       "BadEmptyRoot(bytes32)",
                                       "BadOpening()",
                                       "BadOpening(uint8,uint256)",
                                       "BadSignature(uint256)",
                                       "BadSignatureLength(uint256,uint256)",
                                       "BadThreshold(uint256,uint256)",
                                       "BondOutOfRange(uint96,uint256,uint256)",
                                       "ChallengeWindowClosed(uint256)",
                                       "ChallengeWindowOpen(uint256)",
                                       "ChallengeWindowOutOfRange(uint32,uint32,uint32)",
                                       "CommitClosed()",
                                       "CommitDeadlineOutOfRange(uint64,uint256,uint256)",
                                       "CommitPhase()",
                                       "CoordinateMismatch(uint256,uint256,uint256)",
                                       "DeadlineNotPassed(uint64)",
                                       "DeadlinePassed(uint64)",
                                       "DisputesOpen(uint256)",
                                       "DuplicateDataset(uint256)",
                                       "DuplicateSigner(address)",
                                       "IndexOutOfRange(uint256,uint256)",
                                       "InvalidShortString()",
                                       "MalleableSignature(uint256)",
                                       "ModelAlreadyRegistered(bytes32,uint256)",
                                       "ModelRegisteredLate(uint256,uint64,uint64)",
                                       "MoveWindowOutOfRange(uint32,uint32,uint32)",
                                       "NoCalls()",
                                       "NoCommitment()",
                                       "NoEmbedding(uint256)",
                                       "NoWitness()",
                                       "NotACommittee(address)",
                                       "NotAMember(address)",
                                       "NotAParty()",
                                       "NotAToken(address)",
                                       "NotATraceLeaf(uint256)",
                                       "NotAnAppend(uint64,uint64)",
                                       "NotAtNbr()",
                                       "NotChallenger()",
                                       "NotDatasetOwner(uint256,address)",
                                       "NotDisputes()",
                                       "NotEnoughSignatures(uint256,uint256)",
                                       "NotOpen(uint8)",
                                       "NotYourTurn(uint8)",
                                       "NothingShown()",
                                       "NothingToDistribute()",
                                       "NothingToWithdraw()",
                                       "OutOfRange(uint256,uint256)",
                                       "OwnableInvalidOwner(address)",
                                       "OwnableUnauthorizedAccount(address)",
                                       "PathCountMismatch(uint256,uint256)",
                                       "PickOutOfRange(uint256,uint256)",
                                       "ReentrancyGuardReentrantCall()",
                                       "ReportMismatch()",
                                       "ResultWindowClosed()",
                                       "ResultWindowOpen()",
                                       "ResultWindowOutOfRange(uint32,uint32,uint32)",
                                       "RevealAlreadyLost()",
                                       "RevealClosed()",
                                       "RevealNotLost()",
                                       "RevealWindowOutOfRange(uint32,uint32,uint32)",
                                       "RoyaltyOutOfRange(uint16,uint16)",
                                       "SafeERC20FailedOperation(address)",
                                       "StakeOutOfRange(uint96,uint256,uint256)",
                                       "StringTooLong(string)",
                                       "StructureRootCount(uint256,uint256)",
                                       "TargetCount(uint256,uint256)",
                                       "TokenTransferMismatch(uint256,uint256)",
                                       "ToleranceOutOfRange(uint128,uint128,uint128)",
                                       "TooManyCommits()",
                                       "TooManyDatasets(uint256)",
                                       "TooManyMembers()",
                                       "TransferFailed()",
                                       "TurnOver(uint256)",
                                       "UnknownDataset(uint256)",
                                       "UnknownDispute(uint256)",
                                       "UnknownModel(uint256)",
                                       "UnknownReveal(uint256,uint256,uint256)",
                                       "UnknownRound(uint256)",
                                       "UnknownStep(bytes4)",
                                       "UnknownTarget(uint256,uint256)",
                                       "UnknownVersion(uint256,uint256)",
                                       "ValueOutOfRange()",
                                       "ValueOutOfRange(uint256)",
                                       "WitnessPresent()",
                                       "WrongCandidates()",
                                       "WrongClaim()",
                                       "WrongCount(uint256,uint256)",
                                       "WrongLength(uint256,uint256,uint256)",
                                       "WrongPayment(uint256,uint256)",
                                       "WrongProperty(bytes32)",
                                       "WrongStatus(uint8)",
                                       "WrongStep(uint256,uint8)",
                                       "WrongTag(uint256,uint256)",
                                       "WrongValue()",
                                       "ZeroCommitment()",
                                       "ZeroMember()",
                                       "ZeroModelHash()",
                                       "ZeroOwner()",
                                       "ZeroProperty()",
                                       "ZeroReward()",
                                       "ZeroStructureRoot(uint256)",
                                       "ZeroTarget(uint256)",
                                       "ZeroWeightsRoot()"};
const size_t xp_chain_nerrors = sizeof xp_chain_errors / sizeof xp_chain_errors[0];

char *xp_chain_journal_path(const char *deployment_path, uint64_t chain_id,
                            const uint8_t genesis[32])
{
    const char *slash = strrchr(deployment_path, '/');
    size_t dl = slash ? (size_t)(slash - deployment_path) : 1;
    size_t n = dl + 64;
    char *p = malloc(n);
    char hx[67];
    if (!p)
        return NULL;
    xp_hex_encode(genesis, 4, hx, 0);
    snprintf(p, n, "%.*s/journal-%llu-%s.mdb", (int)dl, slash ? deployment_path : ".",
             (unsigned long long)chain_id, hx);
    return p;
}

int xp_chain_open(xp_chain *c, const char *deployment_path, const char *rpc_url,
                  const uint8_t *priv, xp_error *err)
{
    memset(c, 0, sizeof *c);
    c->state_lock = -1;
    int rc;
    if (!(c->deployment_path = xp_deployment_find(deployment_path, err)))
        return err && err->code ? err->code : XP_ENOMEM;
    if ((rc = xp_deployment_load(c->deployment_path, &c->d, err)))
        goto fail;
    xp_rpc_opts ro = {.url = rpc_url ? rpc_url : c->d.rpc,
                      .errors = xp_chain_errors,
                      .nerrors = xp_chain_nerrors,
                      .logs_range = c->d.logs_range};
    if ((rc = xp_rpc_new(&ro, &c->rpc, err)))
        goto fail;
    uint64_t id;
    if ((rc = xp_eth_chain_id(c->rpc, &id, err)))
        goto fail;
    if (id != c->d.chain_id) {
        rc = xp_error_set(err, XP_EINVAL, "%s answers chain id %llu, but %s is for chain %llu",
                          ro.url, (unsigned long long)id, c->deployment_path,
                          (unsigned long long)c->d.chain_id);
        goto fail;
    }
    json_t *b0 = NULL;
    if ((rc = xp_eth_get_block(c->rpc, "0x0", 0, &b0, err)))
        goto fail;
    uint8_t g[32];
    const char *gh = json_string_value(json_object_get(b0, "hash"));
    rc = !gh || xp_hex_decode_exact(gh, g, 32, err);
    json_decref(b0);
    if (rc || memcmp(g, c->d.genesis, 32)) {
        rc = xp_error_set(err, XP_EINVAL,
                          "the chain at %s is not the one of %s (another genesis block: was it "
                          "restarted? deploy again)",
                          ro.url, c->deployment_path);
        goto fail;
    }
    if (priv) {
        char *jp = xp_chain_journal_path(c->deployment_path, id, c->d.genesis);
        xp_sender_opts so = {.confirmations = 1, .poll_ms = 100, .timeout_ms = 120000,
                             .l2_op_stack = c->d.l2_op_stack};
        rc = jp ? xp_journal_open(jp, &c->journal, err)
                : xp_error_set(err, XP_ENOMEM, "out of memory");
        free(jp);
        if (!rc)
            rc = xp_sender_new(c->rpc, c->journal, priv, &so, &c->sender, err);
        unsigned resumed = 0;
        if (!rc)
            rc = xp_sender_resume(c->sender, &resumed, err);
        if (!rc && resumed)
            fprintf(stderr, "xtalproof: finished %u journalled transaction(s) of an earlier run\n",
                    resumed);
        if (rc)
            goto fail;
    }
    return 0;
fail:
    xp_chain_close(c);
    return rc;
}

void xp_chain_close(xp_chain *c)
{
    xp_chain_state_unlock(c);
    xp_sender_free(c->sender);
    xp_journal_close(c->journal);
    xp_rpc_free(c->rpc);
    free(c->deployment_path);
    memset(c, 0, sizeof *c);
    c->state_lock = -1;
}

int xp_chain_call(xp_chain *c, const uint8_t to[XP_ADDRESS_LEN], const char *sig,
                  const json_t *args, const char *returns, json_t **out, xp_error *err)
{
    uint8_t *data = NULL, *res = NULL;
    size_t dn, rn;
    int rc = xp_abi_encode_call(sig, args, &data, &dn, err);
    if (rc)
        return rc;
    json_t *call =
        json_pack("{s:o, s:o}", "to", xp_eth_jhex(to, 20), "data", xp_eth_jhex(data, dn));
    free(data);
    char at[24] = "latest";
    if (c->at)
        snprintf(at, sizeof at, "0x%llx", (unsigned long long)c->at);
    rc = xp_eth_call(c->rpc, call, at, &res, &rn, err);
    json_decref(call);
    if (rc)
        return rc;
    xp_abi_params p;
    if (!(rc = xp_abi_params_parse(returns, &p, err))) {
        rc = xp_abi_decode(p.types, p.n, res, rn, out, err);
        xp_abi_params_free(&p);
    }
    free(res);
    if (rc)
        xp_error_prefix(err, rc, "%s", sig);
    return rc;
}

void xp_chain_tx_clear(xp_chain_tx *t)
{
    json_decref(t->receipt);
    memset(t, 0, sizeof *t);
}

int xp_chain_send_data(xp_chain *c, const uint8_t *to, const uint8_t *data, size_t len,
                       const xp_u256 *value, const char *idem, xp_chain_tx *out, xp_error *err)
{
    memset(out, 0, sizeof *out);
    if (!c->sender)
        return xp_error_set(err, XP_EINVAL, "no key to send with (give --keystore)");
    xp_send_req req;
    memset(&req, 0, sizeof req);
    req.idem_key = idem;
    req.data = data;
    req.data_len = len;
    if (value)
        req.value = *value;
    if (to) {
        req.has_to = 1;
        memcpy(req.to, to, 20);
    }
    int rc = xp_sender_send(c->sender, &req, &out->sent, err);
    int reused = out->sent.reused;
    if (!rc)
        rc = xp_sender_wait(c->sender, out->sent.nonce, &out->sent, err);
    out->sent.reused = reused;
    if (rc)
        return rc;
    if ((rc = xp_eth_get_receipt(c->rpc, out->sent.hash, &out->receipt, err)))
        return rc;
    const char *gu = json_string_value(json_object_get(out->receipt, "gasUsed"));
    if (gu)
        xp_quantity_parse_u64(gu, &out->gas_used, NULL);
    if (out->sent.status != 1) {
        char hx[67];
        return xp_error_set(err, XP_EINVAL, "transaction %s reverted",
                            xp_hex_encode(out->sent.hash, 32, hx, 1));
    }
    return 0;
}

int xp_chain_send(xp_chain *c, const uint8_t to[XP_ADDRESS_LEN], const char *sig,
                  const json_t *args, const xp_u256 *value, const char *idem, xp_chain_tx *out,
                  xp_error *err)
{
    uint8_t *data;
    size_t dn;
    memset(out, 0, sizeof *out);
    int rc = xp_abi_encode_call(sig, args, &data, &dn, err);
    if (rc)
        return rc;
    rc = xp_chain_send_data(c, to, data, dn, value, idem, out, err);
    free(data);
    /* Rounds' status enum by name: WrongStatus("1") -> the target's status is "resulted" */
    static const char *const st[] = {"open", "resulted", "settled", "cancelled"};
    const char *w = (rc && err) ? strstr(err->msg, "WrongStatus(\"") : NULL;
    if (w && w[13] >= '0' && w[13] <= '3') {
        size_t l = strlen(err->msg);
        snprintf(err->msg + l, sizeof err->msg - l, "; the target's status is \"%s\"",
                 st[w[13] - '0']);
    }
    if (rc) {
        char *paren = strchr(sig, '(');
        xp_error_prefix(err, rc, "%.*s", paren ? (int)(paren - sig) : (int)strlen(sig), sig);
    }
    return rc;
}

int xp_chain_log_topic(const json_t *receipt, const uint8_t from[XP_ADDRESS_LEN],
                       const char *event_sig, int n, xp_u256 *out, xp_error *err)
{
    uint8_t t0[32];
    int rc = xp_abi_event_topic(event_sig, t0, err);
    if (rc)
        return rc;
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(receipt, "logs"), i, l)
    {
        uint8_t a[20], t[32];
        const char *as = json_string_value(json_object_get(l, "address"));
        json_t *ts = json_object_get(l, "topics");
        const char *t0s = json_string_value(json_array_get(ts, 0));
        const char *tns = json_string_value(json_array_get(ts, (size_t)n));
        if (!as || !t0s || !tns || xp_hex_decode_exact(as, a, 20, NULL) || memcmp(a, from, 20) ||
            xp_hex_decode_exact(t0s, t, 32, NULL) || memcmp(t, t0, 32))
            continue;
        if (xp_hex_decode_exact(tns, out->b, 32, err))
            return xp_error_prefix(err, XP_EINVAL, "log of %s", event_sig);
        return 0;
    }
    return xp_error_set(err, XP_ENOTFOUND, "the receipt has no %s log", event_sig);
}

/* ---- state ---------------------------------------------------------------------------- */

static char *state_path(const xp_chain *c)
{
    const char *p = c->deployment_path;
    size_t n = strlen(p);
    char *s = malloc(n + 16);
    if (!s)
        return NULL;
    if (n > 5 && !strcmp(p + n - 5, ".json"))
        n -= 5;
    snprintf(s, n + 16, "%.*s.state.json", (int)n, p);
    return s;
}

/* The journal of the deployment's chain, opened when the chain was opened without a key. */
static int state_journal(xp_chain *c, xp_error *err)
{
    if (c->journal)
        return 0;
    char *jp = xp_chain_journal_path(c->deployment_path, c->d.chain_id, c->d.genesis);
    int rc =
        jp ? xp_journal_open(jp, &c->journal, err) : xp_error_set(err, XP_ENOMEM, "out of memory");
    free(jp);
    return rc;
}

/* The state document's name: it belongs to one set of contracts. */
static void state_name(const xp_deployment *d, char out[64])
{
    char addr[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(d->address[XP_C_PROVENANCE], addr);
    snprintf(out, 64, "state/%s", addr);
}

/* A state object with its maps present; an older one from the JSON file of earlier versions
 * (<deployment>.state.json) when the journal holds none. */
static json_t *state_complete(json_t *s, const xp_deployment *d, const char *legacy)
{
    char addr[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(d->address[XP_C_PROVENANCE], addr);
    if (!s && legacy) {
        s = json_load_file(legacy, JSON_REJECT_DUPLICATES, NULL);
        const char *prov = json_string_value(json_object_get(s, "provenance"));
        if (!json_is_object(s) || !prov || strcmp(prov, addr)) {
            json_decref(s);
            s = NULL;
        }
    }
    if (!s)
        s = json_pack("{s:s}", "provenance", addr);
    if (!json_is_object(json_object_get(s, "datasets")))
        json_object_set_new(s, "datasets", json_object());
    if (!json_is_object(json_object_get(s, "models")))
        json_object_set_new(s, "models", json_object());
    return s;
}

/* The state's version: 2 (keys of datasets that cannot collide across stores), or none (1,
 * keyed by name: read, its entries claimed by their stores). A later version is refused. */
static int state_version_ok(const json_t *s, const char *path, xp_error *err)
{
    const json_t *v = json_object_get(s, "version");
    if (!v || (json_is_integer(v) && json_integer_value(v) <= XP_CHAIN_STATE_VERSION))
        return 0;
    return xp_error_set(err, XP_EUNSUPPORTED,
                        "the chain state of %s has version %s, this xtalproof reads up to %d: "
                        "use the xtalproof that wrote it, or a later one",
                        path, json_is_integer(v) ? "a later" : "an unknown",
                        XP_CHAIN_STATE_VERSION);
}

int xp_chain_state_load(xp_chain *c, json_t **state, xp_error *err)
{
    char *p = state_path(c), name[64];
    if (!p)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    if (c->state_lock < 0) {
        size_t n = strlen(p) + 8;
        char *lp = malloc(n);
        int fd = -1;
        if (lp) {
            snprintf(lp, n, "%s.lock", p);
            fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        }
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        int r = -1;
        while (fd >= 0 && (r = fcntl(fd, F_SETLKW, &fl)) < 0 && errno == EINTR)
            ;
        if (fd < 0 || r < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            free(p);
            xp_error_set(err, XP_EIO, "cannot lock %s: %s", lp ? lp : "the state file",
                         strerror(e));
            free(lp);
            return XP_EIO;
        }
        free(lp);
        c->state_lock = fd;
    }
    json_t *s = NULL;
    state_name(&c->d, name);
    int rc = state_journal(c, err);
    if (!rc && (rc = xp_journal_doc_get(c->journal, name, &s, err)) == XP_ENOTFOUND) {
        memset(err, 0, sizeof *err);
        rc = 0;
    }
    if (!rc && (rc = state_version_ok(s, c->deployment_path, err)))
        json_decref(s);
    if (!rc)
        *state = state_complete(s, &c->d, p);
    free(p);
    return rc;
}

int xp_chain_state_read(const char *deployment_path, const xp_deployment *d, json_t **state,
                        xp_error *err)
{
    xp_chain c;
    memset(&c, 0, sizeof c);
    c.state_lock = -1;
    c.d = *d;
    c.deployment_path = strdup(deployment_path);
    char name[64];
    json_t *s = NULL;
    int rc =
        c.deployment_path ? state_journal(&c, err) : xp_error_set(err, XP_ENOMEM, "out of memory");
    state_name(d, name);
    if (!rc && (rc = xp_journal_doc_get(c.journal, name, &s, err)) == XP_ENOTFOUND) {
        char *p = state_path(&c);
        memset(err, 0, sizeof *err);
        rc = 0;
        s = state_complete(NULL, d, p);
        free(p);
    } else if (!rc && (rc = state_version_ok(s, deployment_path, err))) {
        json_decref(s);
        s = NULL;
    } else if (!rc) {
        s = state_complete(s, d, NULL);
    }
    *state = rc ? NULL : s;
    xp_chain_close(&c);
    return rc;
}

void xp_chain_state_unlock(xp_chain *c)
{
    if (!c)
        return;
    if (c->state_lock >= 0)
        close(c->state_lock); /* releases the lock */
    c->state_lock = -1;
}

int xp_chain_state_save(xp_chain *c, json_t *state, xp_error *err)
{
    char name[64];
    state_name(&c->d, name);
    int rc = state_journal(c, err);
    if (!rc && json_object_set_new(state, "version", json_integer(XP_CHAIN_STATE_VERSION)))
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!rc)
        rc = xp_journal_doc_put(c->journal, name, state, err);
    char *p = rc ? NULL : state_path(c);
    if (p)
        unlink(p); /* the JSON file of earlier versions, now taken over */
    free(p);
    return rc;
}

/* ---- short names, Q16.16 ------------------------------------------------------------ */

int xp_short_name(const char *name, uint8_t out[32], xp_error *err)
{
    size_t n = strlen(name);
    if (n > 32)
        return xp_error_set(err, XP_EINVAL, "\"%s\" is longer than 32 bytes (a bytes32 short name)",
                            name);
    memset(out, 0, 32);
    memcpy(out, name, n);
    return 0;
}

int xp_q16_parse(const char *text, int64_t *q, xp_error *err)
{
    char *end;
    if (!text || !*text)
        return xp_error_set(err, XP_EINVAL, "empty number");
    /* decimal text only: no hex floats, infinities or NaN */
    for (const char *p = text; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return xp_error_set(err, XP_EINVAL, "\"%s\" is not a decimal number", text);
    double v = strtod(text, &end);
    if (*end || end == text || !isfinite(v) || fabs(v) > 1e12)
        return xp_error_set(err, XP_EINVAL, "\"%s\" is not a decimal number of a sane size", text);
    *q = (int64_t)llround(v * 65536.0);
    return 0;
}

void xp_q16_format(int64_t q, char out[40])
{
    /* the fewest decimals that xp_q16_parse reads back as q: 1.12 eV is 73400/65536, printed
       1.12, not 1.119995; five always suffice (a step of 1/65536 is wider than 1e-5) */
    for (int digits = 0; digits < 6; digits++) {
        snprintf(out, 40, "%.*f", digits, (double)q / 65536.0);
        if ((int64_t)llround(strtod(out, NULL) * 65536.0) == q)
            return;
    }
    snprintf(out, 40, "%.6f", (double)q / 65536.0);
}

int xp_chain_now(xp_chain *c, uint64_t *now, xp_error *err)
{
    json_t *b = NULL;
    int rc = xp_eth_get_block(c->rpc, "latest", 0, &b, err);
    const char *ts = rc ? NULL : json_string_value(json_object_get(b, "timestamp"));
    if (!rc && (!ts || xp_quantity_parse_u64(ts, now, NULL)))
        rc = xp_error_set(err, XP_EIO, "the latest block has no timestamp");
    json_decref(b);
    return rc;
}
