/* xtalproof round open: a round's parameters, its targets and the reward escrowed (Rounds.openRound;
 * docs/formats.md "Rounds parameters and timeline"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/bytes.h"


/* A target: a structure file (its symhash and structureRoot computed), or SYMHASH:STRUCTUREROOT
 * (both 0x and 64 hex digits, as `xtalproof hash --json FILE` prints them). A bare symhash is
 * refused: the round must name the committed crystal too. */
static int target_ids(const char *arg, char sym[67], char root[67], xp_error *err)
{
    uint8_t h[32], r[32];
    size_t n = strlen(arg);
    if (!strncmp(arg, "0x", 2) && n == 66)
        return xp_error_set(err, XP_EINVAL,
                            "target %s: a symhash alone does not name the crystal's structureRoot; "
                            "give the structure file, or SYMHASH:STRUCTUREROOT (both from "
                            "`xtalproof hash --json FILE`)",
                            arg);
    if (!strncmp(arg, "0x", 2) && n == 133 && arg[66] == ':') {
        char a[67];
        memcpy(a, arg, 66);
        a[66] = 0;
        if (xp_hex_decode_exact(a, h, 32, err) || xp_hex_decode_exact(arg + 67, r, 32, err))
            return xp_error_set(err, XP_EINVAL, "target %s: not SYMHASH:STRUCTUREROOT in hex", arg);
        static const uint8_t zero[32];
        if (!memcmp(h, zero, 32) || !memcmp(r, zero, 32))
            return xp_error_set(err, XP_EINVAL, "target %s: a zero symhash or structureRoot", arg);
    } else {
        int rc = xp_cli_target_of_file(arg, h, r, err);
        if (rc)
            return rc;
    }
    xp_hex_encode(h, 32, sym, 1);
    xp_hex_encode(r, 32, root, 1);
    return 0;
}

int xp_round_open(xp_chain *c, const xp_opt *o, int no, const char **pos, int npos, xp_error *err)
{
    const char *prop = xp_cli_get(o, no, "property"), *reward = xp_cli_get(o, no, "reward");
    const char *tol = xp_cli_get(o, no, "tolerance");
    if (!prop || !reward || !tol || npos < 1)
        return xp_error_set(err, XP_EINVAL,
                            "round open: give --property P --reward WEI (per target) --tolerance X "
                            "and the targets (structure files, or SYMHASH:STRUCTUREROOT)");
    uint64_t commit_window = 3600, result_window = 86400, reveal_window = 86400, royalty = 0;
    if (xp_cli_u64("round open", "commit-window", xp_cli_get(o, no, "commit-window"),
                   &commit_window) ||
        xp_cli_u64("round open", "result-window", xp_cli_get(o, no, "result-window"),
                   &result_window) ||
        xp_cli_u64("round open", "reveal-window", xp_cli_get(o, no, "reveal-window"),
                   &reveal_window) ||
        xp_cli_u64("round open", "royalty-bps", xp_cli_get(o, no, "royalty-bps"), &royalty))
        return XP_EINVAL;
    /* the dispute game's windows (docs/operations.md): a day to challenge a reveal after the
     * reveal deadline, a day per move; the contract takes 1 h to 30 days and 1 h to 7 days */
    uint64_t challenge_window = 86400, move_window = 86400;
    if (xp_cli_u64("round open", "challenge-window", xp_cli_get(o, no, "challenge-window"),
                   &challenge_window) ||
        xp_cli_u64("round open", "move-window", xp_cli_get(o, no, "move-window"), &move_window))
        return XP_EINVAL;
    if (challenge_window > UINT32_MAX || move_window > UINT32_MAX)
        return xp_error_set(err, XP_EINVAL, "--challenge-window and --move-window are seconds "
                            "below 2^32 (the contract takes 1 h to 30 days and 1 h to 7 days)");
    xp_u256 rw, stake, total;
    int64_t tq;
    uint8_t pb[32];
    const char *stake_s = xp_cli_get(o, no, "stake");
    if (xp_u256_parse(reward, &rw, err) || xp_q16_parse(tol, &tq, err) ||
        xp_short_name(prop, pb, err))
        return XP_EINVAL;
    if (stake_s) {
        if (xp_u256_parse(stake_s, &stake, err))
            return XP_EINVAL;
    } else { /* the least the contract takes: ceil(reward / 64) */
        if (xp_u256_div_small(&stake, &rw, 64)) {
            xp_u256 one;
            xp_u256_from_u64(&one, 1);
            xp_u256_add(&stake, &stake, &one);
        }
    }
    xp_u256 bond = stake; /* the challenger's bond: by default the stake it may win */
    const char *bond_s = xp_cli_get(o, no, "bond");
    if (bond_s && xp_u256_parse(bond_s, &bond, err))
        return XP_EINVAL;
    if (tq < 0)
        return xp_error_set(err, XP_EINVAL, "--tolerance must not be negative");
    if (xp_u256_mul_u64(&total, &rw, (uint64_t)npos))
        return xp_error_set(err, XP_EINVAL, "reward overflows");
    json_t *targets = json_array(), *roots = json_array();
    for (int i = 0; i < npos; i++) {
        char h[67], r[67];
        if (target_ids(pos[i], h, r, err)) {
            json_decref(targets);
            json_decref(roots);
            return XP_EINVAL;
        }
        json_array_append_new(targets, json_string(h));
        json_array_append_new(roots, json_string(r));
    }
    /* the deadline from the chain's clock, not ours (a devnet may be warped) */
    json_t *blk = NULL;
    uint64_t now = (uint64_t)time(NULL);
    if (!xp_eth_get_block(c->rpc, "latest", 0, &blk, NULL)) {
        const char *ts = json_string_value(json_object_get(blk, "timestamp"));
        if (ts)
            xp_quantity_parse_u64(ts, &now, NULL);
    }
    json_decref(blk);
    char rws[80], sks[80], bds[80], tqs[24], comm[XP_ADDRESS_HEX_LEN];
    xp_u256_to_dec(&rw, rws);
    xp_u256_to_dec(&stake, sks);
    xp_u256_to_dec(&bond, bds);
    snprintf(tqs, sizeof tqs, "%lld", (long long)tq);
    const char *cm = xp_cli_get(o, no, "committee");
    uint8_t ca[20];
    if (cm && xp_address_parse(cm, ca, err)) {
        json_decref(targets);
        json_decref(roots);
        return XP_EINVAL;
    }
    xp_address_to_checksum(cm ? ca : c->d.address[XP_C_COMMITTEE], comm);
    json_t *params = json_pack("[s, o, O, O, o, o, o, s, s, s, s, o, o, o, s]",
                               "0x0000000000000000000000000000000000000000", xp_cli_jhex(pb, 32), targets,
                               roots, xp_cli_jdec(now + commit_window), xp_cli_jdec(result_window),
                               xp_cli_jdec(reveal_window), tqs, sks, rws, comm, xp_cli_jdec(royalty),
                               xp_cli_jdec(challenge_window), xp_cli_jdec(move_window), bds);
    json_t *args = json_pack("[o]", params);
    /* --idempotency-key K: a rerun (after a crash, or by mistake) finds the round opened
     * under K instead of escrowing the reward a second time */
    const char *key = xp_cli_get(o, no, "idempotency-key");
    char idem[160] = "";
    if (key)
        snprintf(idem, sizeof idem, "round-open:%s", key);
    xp_chain_tx tx;
    int rc = xp_chain_send(c, c->d.address[XP_C_ROUNDS],
                           "openRound((address,bytes32,bytes32[],bytes32[],uint64,uint32,uint32,"
                           "uint128,uint96,uint128,address,uint16,uint32,uint32,uint96))",
                           args, &total, idem[0] ? idem : NULL, &tx, err);
    json_decref(args);
    xp_u256 id;
    uint64_t rid = 0;
    if (!rc && !(rc = xp_chain_log_topic(tx.receipt, c->d.address[XP_C_ROUNDS],
                                         "RoundOpened(uint256,address,address,address,bytes32,"
                                         "uint64,uint128,bytes32[],bytes32[])",
                                         1, &id, err)))
        xp_u256_to_u64(&id, &rid);
    if (!rc) {
        char tot[80];
        xp_u256_to_dec(&total, tot);
        xp_cli_print_json(
            json_pack("{s:I, s:s, s:O, s:O, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, "
                      "s:s, s:I}", "round",
                      (json_int_t)rid, "property", prop, "targets", targets, "structureRoots",
                      roots, "rewardPerTarget", rws, "stake", sks, "escrowed", tot, "committee",
                      comm, "commitDeadline", (json_int_t)(now + commit_window), "resultWindow",
                      (json_int_t)result_window, "revealWindow", (json_int_t)reveal_window,
                      "royaltyBps", (json_int_t)royalty, "challengeWindow",
                      (json_int_t)challenge_window, "moveWindow", (json_int_t)move_window, "bond",
                      bds, "gasUsed", (json_int_t)tx.gas_used));
    }
    xp_chain_tx_clear(&tx);
    json_decref(targets);
    json_decref(roots);
    return rc;
}
