// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DisputesFixture} from "./utils/DisputesFixture.sol";
import {MockToken} from "./utils/Mocks.sol";
import {Rounds} from "../src/Rounds.sol";
import {Disputes} from "../src/Disputes.sol";

/// Drives rounds with disputes through random sequences of valid steps: open (ETH or token),
/// commit, post, reveal, challenge (by anyone, the predictor included, several per reveal),
/// timeout, concede (either side), close, settle, withdraw, time passing. Every step is allowed
/// when taken (fail_on_revert). Its own books follow docs/contracts.md ("Disputes", "Settlement
/// arithmetic"), never the contract's figures: what each account is owed, what each dispute and
/// each settle released, how often each dispute closed and each reveal was slashed.
contract DisputesHandler is DisputesFixture {
    struct Entry {
        uint256 roundId;
        address who;
        uint256 modelId;
        int256 value;
        bool revealed;
        uint256 revealIndex;
        uint256 slashed; // times its stake went to a challenger
    }

    struct Game {
        uint256 id;
        uint256 entry;
        address challenger;
        uint256 closes;
    }

    address[] public actors;
    uint256[] public roundIds;
    Entry[] public entries;
    Game[] public games;
    uint256 public now_;
    mapping(uint256 => int256) resultOf;
    mapping(uint256 => bool) settled;
    mapping(bytes32 => bool) committed;
    mapping(bytes32 => uint256) public done;

    mapping(address => mapping(address => uint256)) public ghostCredited;
    mapping(address => mapping(address => uint256)) public ghostWithdrawn;
    mapping(address => uint256) public ghostRoyaltyOwed;
    mapping(address => uint256) public ghostReleased; // by closes, settles and cancels

    constructor() {
        setUpGame();
        now_ = block.timestamp;
        address[7] memory a = [alice, bob, carol, dave, eve, frank, sponsor];
        for (uint256 i = 0; i < 7; i++) actors.push(a[i]);
    }

    modifier clock() {
        now_ += 3 minutes;
        vm.warp(now_);
        _;
    }

    function world() external view returns (Rounds, Disputes, MockToken, uint256) {
        return (rounds, disputes, token, model1);
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function gameCount() external view returns (uint256) {
        return games.length;
    }

    function entryCount() external view returns (uint256) {
        return entries.length;
    }

    function openRound(uint256 seed, uint96 reward, uint64 stake, uint64 extra) external clock {
        Rounds.RoundParams memory p = params(seed % 2 == 0 ? address(0) : address(token), 1);
        p.rewardPerTarget = uint128(bound(reward, 1, 100 ether));
        p.stake = uint96(bound(stake, (uint256(p.rewardPerTarget) + 63) / 64, p.rewardPerTarget));
        p.bond = uint96(p.stake + bound(extra, 0, p.stake));
        p.royaltyBps = uint16(bound(seed >> 8, 0, 5000));
        p.toleranceQ = uint128(bound(seed >> 32, 1, uint256(2 * ONE)));
        p.commitDeadline = uint64(now_ + 1 hours);
        (p.resultWindow, p.revealWindow, p.challengeWindow, p.moveWindow) = (1 hours, 1 hours, 1 hours, 1 hours);
        roundIds.push(open(p));
        done["open"]++;
    }

    function commit(uint256 seed, uint256 actor, int16 v, bool otherModel) external clock {
        uint256 n = roundIds.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 rid = roundIds[(seed % n + j) % n];
            if (now_ >= rounds.getRound(rid).commitDeadline) continue;
            for (uint256 a = 0; a < 4; a++) {
                address who = actors[(actor % 4 + a) % 4];
                bytes32 key = keccak256(abi.encode(rid, who));
                if (committed[key]) continue;
                committed[key] = true;
                int256 value = int256(v % 16) * (ONE / 64);
                doCommit(who, rid, 0, otherModel ? HASH2 : HASH1, value);
                entries.push(Entry(rid, who, otherModel ? model2 : model1, value, false, 0, 0));
                done["commit"]++;
                return;
            }
        }
    }

    function postResult(uint256 seed, int16 v) external clock {
        uint256 n = roundIds.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 rid = roundIds[(seed % n + j) % n];
            Rounds.Round memory r = rounds.getRound(rid);
            if (now_ < r.commitDeadline || now_ >= uint256(r.commitDeadline) + r.resultWindow) continue;
            if (rounds.getTarget(rid, 0).status != Rounds.Status.Open) continue;
            int256 value = int256(v % 8) * (ONE / 64);
            doPost(rid, 0, value);
            resultOf[rid] = value;
            done["post"]++;
            return;
        }
    }

    function reveal(uint256 seed) external clock {
        uint256 n = entries.length;
        for (uint256 j = 0; j < n; j++) {
            Entry storage e = entries[(seed % n + j) % n];
            if (e.revealed) continue;
            Rounds.Target memory tg = rounds.getTarget(e.roundId, 0);
            if (tg.status != Rounds.Status.Resulted || now_ >= tg.revealDeadline) continue;
            if (uint256(keccak256(abi.encode(e.who, e.roundId))) % 5 == 0) continue; // never reveals
            doReveal(e.who, e.roundId, 0, e.modelId, e.value);
            e.revealed = true;
            e.revealIndex = tg.reveals;
            done["reveal"]++;
            return;
        }
    }

    /// Anyone (the predictor too) challenges a revealed entry whose reveal is not lost, in the window.
    function challenge(uint256 seed, uint256 actor) external clock {
        uint256 n = entries.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 k = (seed % n + j) % n;
            Entry storage e = entries[k];
            if (!e.revealed || e.slashed != 0) continue;
            Rounds.Target memory tg = rounds.getTarget(e.roundId, 0);
            Rounds.Round memory r = rounds.getRound(e.roundId);
            if (tg.status != Rounds.Status.Resulted || now_ >= uint256(tg.revealDeadline) + r.challengeWindow) continue;
            if (tg.disputesOpen >= 6) continue;
            address who = actors[actor % 6];
            uint256 id = doChallenge(who, e.roundId, 0, e.revealIndex);
            games.push(Game(id, k, who, 0));
            done["challenge"]++;
            return;
        }
    }

    /// The rules of closeDispute, by hand: a first loss pays the challenger bond + stake; a loss
    /// of a reveal already lost, or Moot, the bond back; a defender's win the bond to the predictor.
    function settleGame(Game storage g, bool predictorLost) internal {
        Entry storage e = entries[g.entry];
        Rounds.Round memory r = rounds.getRound(e.roundId);
        g.closes++;
        uint256 amount = r.bond;
        address to = predictorLost ? g.challenger : e.who;
        if (predictorLost && e.slashed == 0) {
            e.slashed = 1;
            amount += r.stake;
        }
        ghostCredited[r.token][to] += amount;
        ghostReleased[r.token] += amount;
    }

    function openGame(uint256 seed, function(Game storage) view returns (bool) usable) internal view returns (uint256) {
        uint256 n = games.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 i = (seed % n + j) % n;
            if (games[i].closes == 0 && usable(games[i])) return i;
        }
        return n;
    }

    function expired(Game storage g) internal view returns (bool) {
        return now_ > disputes.getDispute(g.id).deadline;
    }

    function anyGame(Game storage) internal pure returns (bool) {
        return true;
    }

    function lostElsewhere(Game storage g) internal view returns (bool) {
        return entries[g.entry].slashed != 0;
    }

    /// No openings are played here: every open dispute is the defender's to move, so a timeout
    /// is the challenger's win.
    function timeout(uint256 seed) external clock {
        uint256 i = openGame(seed, expired);
        if (i == games.length) return;
        disputes.timeout(games[i].id);
        settleGame(games[i], true);
        done["timeout"]++;
    }

    function concede(uint256 seed, bool byChallenger) external clock {
        uint256 i = openGame(seed, anyGame);
        if (i == games.length) return;
        Game storage g = games[i];
        address predictor = entries[g.entry].who;
        address by = byChallenger ? g.challenger : predictor;
        vm.prank(by);
        disputes.concede(g.id);
        // the challenger's concession comes first when the predictor challenged itself
        settleGame(g, by != g.challenger);
        done["concede"]++;
    }

    function close(uint256 seed) external clock {
        uint256 i = openGame(seed, lostElsewhere);
        if (i == games.length) return;
        disputes.close(games[i].id);
        settleGame(games[i], true);
        done["close"]++;
    }

    /// settle by hand: released = R + S (C - lost); the winners not lost share R, each S + share
    /// less the royalty (model1: two datasets); the sponsor the rest.
    function settle(uint256 seed) external clock {
        uint256 n = roundIds.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 rid = roundIds[(seed % n + j) % n];
            if (settled[rid]) continue;
            Rounds.Round memory r = rounds.getRound(rid);
            Rounds.Target memory tg = rounds.getTarget(rid, 0);
            if (tg.status == Rounds.Status.Open && now_ >= uint256(r.commitDeadline) + r.resultWindow) {
                rounds.settle(rid, 0);
                settled[rid] = true;
                ghostCredited[r.token][sponsor] += r.rewardPerTarget;
                ghostReleased[r.token] += r.rewardPerTarget;
                done["cancel"]++;
                return;
            }
            if (tg.status != Rounds.Status.Resulted || tg.disputesOpen != 0) continue;
            if (now_ < uint256(tg.revealDeadline) + r.challengeWindow) continue;
            rounds.settle(rid, 0);
            settled[rid] = true;
            book(rid, r);
            done["settle"]++;
            return;
        }
    }

    function wins(Entry storage e, uint256 tol) internal view returns (bool) {
        int256 d = e.value - resultOf[e.roundId];
        return e.revealed && e.slashed == 0 && uint256(d < 0 ? -d : d) <= tol;
    }

    function book(uint256 rid, Rounds.Round memory r) internal {
        (uint256 c, uint256 w, uint256 lost) = (0, 0, 0);
        for (uint256 i = 0; i < entries.length; i++) {
            Entry storage e = entries[i];
            if (e.roundId != rid) continue;
            c++;
            if (e.slashed != 0) lost++;
            if (wins(e, r.toleranceQ)) w++;
        }
        uint256 released = r.rewardPerTarget + r.stake * (c - lost);
        uint256 share = w == 0 ? 0 : r.rewardPerTarget / w;
        uint256 due = share * r.royaltyBps / 10_000 / 2 * 2;
        for (uint256 i = 0; i < entries.length; i++) {
            Entry storage e = entries[i];
            if (e.roundId != rid || !wins(e, r.toleranceQ)) continue;
            uint256 royalty = e.modelId == model1 ? due : 0;
            ghostCredited[r.token][e.who] += r.stake + share - royalty;
            ghostRoyaltyOwed[r.token] += royalty;
        }
        ghostCredited[r.token][sponsor] += released - (r.stake + share) * w;
        ghostReleased[r.token] += released;
    }

    function withdraw(uint256 actor, bool useToken) external clock {
        address tok = useToken ? address(token) : address(0);
        for (uint256 j = 0; j < actors.length; j++) {
            address who = actors[(actor % actors.length + j) % actors.length];
            uint256 amount = rounds.balanceOf(tok, who);
            if (amount == 0) continue;
            vm.prank(who);
            rounds.withdraw(tok);
            ghostWithdrawn[tok][who] += amount;
            done["withdraw"]++;
            return;
        }
    }

    function wait(uint256 dt) external {
        now_ += bound(dt, 1, 45) * 1 minutes;
    }
}

contract DisputesInvariantTest {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    DisputesHandler handler;
    Rounds rounds;
    Disputes disputes;
    MockToken token;
    uint256 model1;

    function setUp() public {
        handler = new DisputesHandler();
        (rounds, disputes, token, model1) = handler.world();
    }

    /// A scripted run through every step (else the invariants could hold vacuously): an ETH round
    /// with three predictors, disputes ended each way, settle, withdrawals.
    function test_handlerTakesEveryStep() public {
        handler.openRound(0, 10 ether, 1 ether, 0); // ETH, stake = bond = 1.15625 ether + 1
        handler.commit(0, 0, 3, false); // alice
        handler.commit(0, 1, 3, true); // bob
        handler.commit(0, 2, 3, false); // carol
        handler.wait(44);
        handler.wait(44);
        handler.postResult(0, 3);
        handler.reveal(0);
        handler.reveal(1);
        handler.reveal(2);
        handler.challenge(0, 4); // eve against the first revealed
        handler.challenge(0, 5); // frank against the same
        handler.challenge(1, 4); // eve against another
        handler.concede(0, false); // the predictor concedes the first
        handler.close(1); // frank's: Moot
        handler.wait(44);
        handler.wait(44);
        handler.timeout(2);
        handler.wait(44);
        handler.wait(44);
        handler.settle(0);
        handler.withdraw(4, false);
        bytes32[10] memory k = [
            bytes32("open"), "commit", "post", "reveal", "challenge", "concede", "close", "timeout", "settle", "withdraw"
        ];
        for (uint256 i = 0; i < 10; i++) require(handler.done(k[i]) > 0, "a step did not happen");
        invariant_books();
        invariant_creditsByHand();
        invariant_disputesCloseOnce();
        invariant_revealsSlashedOnce();
    }

    function targetContracts() public view returns (address[] memory a) {
        a = new address[](1);
        a[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory s) {
        bytes4[] memory sel = new bytes4[](11);
        sel[0] = DisputesHandler.openRound.selector;
        sel[1] = DisputesHandler.commit.selector;
        sel[2] = DisputesHandler.postResult.selector;
        sel[3] = DisputesHandler.reveal.selector;
        sel[4] = DisputesHandler.challenge.selector;
        sel[5] = DisputesHandler.timeout.selector;
        sel[6] = DisputesHandler.concede.selector;
        sel[7] = DisputesHandler.close.selector;
        sel[8] = DisputesHandler.settle.selector;
        sel[9] = DisputesHandler.withdraw.selector;
        sel[10] = DisputesHandler.wait.selector;
        s = new FuzzSelector[](1);
        s[0] = FuzzSelector(address(handler), sel);
    }

    /// What Rounds holds, per token, is escrowed + credited - withdrawn.
    function invariant_books() public view {
        require(
            address(rounds).balance == rounds.escrowed(address(0)) + rounds.credited(address(0)) - rounds.withdrawn(address(0)),
            "ETH books"
        );
        require(
            token.balanceOf(address(rounds))
                == rounds.escrowed(address(token)) + rounds.credited(address(token)) - rounds.withdrawn(address(token)),
            "token books"
        );
        require(address(disputes).balance == 0, "Disputes holds nothing");
    }

    /// Every account's credit is the hand computation; credits sum to what closes, settles and
    /// cancels released, nothing more.
    function invariant_creditsByHand() public view {
        address[2] memory toks = [address(0), address(token)];
        uint256 n = handler.actorCount();
        for (uint256 k = 0; k < 2; k++) {
            uint256 sum = handler.ghostRoyaltyOwed(toks[k]);
            for (uint256 i = 0; i < n; i++) {
                address a = handler.actors(i);
                require(
                    rounds.balanceOf(toks[k], a) + handler.ghostWithdrawn(toks[k], a) == handler.ghostCredited(toks[k], a),
                    "an account's credit"
                );
                sum += handler.ghostCredited(toks[k], a);
            }
            require(rounds.royaltyOwed(toks[k], model1) == handler.ghostRoyaltyOwed(toks[k]), "royalty owed");
            require(sum == rounds.credited(toks[k]), "credits != the sum of the hand-computed ones");
            require(handler.ghostReleased(toks[k]) == rounds.credited(toks[k]), "credits != releases");
        }
    }

    /// Each dispute closed at most once, and exactly the ones the contract shows resolved; each
    /// target counts its open disputes right.
    function invariant_disputesCloseOnce() public view {
        uint256 n = handler.gameCount();
        require(disputes.disputeCount() == n, "every challenge made a dispute");
        for (uint256 i = 0; i < n; i++) {
            (uint256 id, uint256 entry,, uint256 closes) = handler.games(i);
            require(closes <= 1, "closed twice");
            Disputes.Dispute memory d = disputes.getDispute(id);
            require((d.outcome != Disputes.Outcome.Open) == (closes == 1), "resolved iff closed once");
            (uint256 rid,,,,,,) = handler.entries(entry);
            require(d.roundId == rid, "round");
        }
    }

    /// Each reveal slashed at most once, the contract's lost flag and count agreeing.
    function invariant_revealsSlashedOnce() public view {
        uint256 n = handler.entryCount();
        for (uint256 i = 0; i < n; i++) {
            (uint256 rid,,,, bool revealed, uint256 ri, uint256 slashed) = handler.entries(i);
            require(slashed <= 1, "slashed twice");
            if (revealed) require(rounds.revealAt(rid, 0, ri).lost == (slashed == 1), "lost flag");
        }
    }
}
