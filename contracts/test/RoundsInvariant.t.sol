// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RoundsFixture} from "./utils/RoundsFixture.sol";
import {MockToken} from "./utils/Mocks.sol";
import {Rounds} from "../src/Rounds.sol";

/// Drives Rounds through random sequences of valid steps: open (ETH or token), commit, post a
/// result, reveal, settle or cancel, refund, withdraw, and time passing. Every step it takes is
/// allowed at that moment, so a revert is a bug (fail_on_revert). Beside the contract it keeps its
/// own books, from the rules of docs/contracts.md and nothing the contract computes: what each
/// account is owed (stakes of winners and of refunds, shares, remainders, forfeits, royalties) and
/// which stakes and rewards are still held, per token.
contract RoundsHandler is RoundsFixture {
    struct Pending {
        uint256 roundId;
        uint256 t;
        address who;
        uint256 modelId;
        int256 value;
        bool revealed;
        bool closed; // settled, or refunded
    }

    address[] public actors;
    uint256[] public roundIds;
    Pending[] public pending;
    uint256 public now_;
    mapping(bytes32 => bool) committed;
    mapping(bytes32 => int256) resultOf; // (round, target) -> the posted value
    uint256 public steps;
    /// How many of each step really happened (the others returned early), for afterInvariant.
    mapping(bytes32 => uint256) public done;

    /// The handler's books, per token: what it expects each account to have been credited and to
    /// have withdrawn, what is owed to model1's datasets, and the stakes and rewards still held.
    mapping(address => mapping(address => uint256)) public ghostCredited;
    mapping(address => mapping(address => uint256)) public ghostWithdrawn;
    mapping(address => uint256) public ghostRoyaltyOwed;
    mapping(address => uint256) public ghostStakesIn;
    mapping(address => uint256) public ghostStakesBack; // to winners and by refunds
    mapping(address => uint256) public ghostStakesForfeited; // to sponsors
    mapping(address => uint256) public ghostStakesHeld; // of commitments not yet closed
    mapping(address => uint256) public ghostRewardsHeld; // of targets not yet settled or cancelled

    constructor() {
        setUpWorld();
        now_ = block.timestamp;
        actors.push(alice);
        actors.push(bob);
        actors.push(carol);
        actors.push(dave);
        actors.push(sponsor);
        actors.push(lab1);
        actors.push(lab2);
    }

    /// Every step takes 3 minutes; `wait` skips more. Windows are the shortest allowed, an hour,
    /// so a run of 40 steps usually sees rounds open, close, get results, settle or get cancelled.
    modifier clock() {
        now_ += 3 minutes;
        vm.warp(now_);
        steps++;
        _;
    }

    function world() external view returns (Rounds, MockToken) {
        return (rounds, token);
    }

    function model1Id() external view returns (uint256) {
        return model1;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function openRound(uint256 seed, uint96 reward, uint64 stake, uint8 nTargets) external clock {
        Rounds.RoundParams memory p = params(seed % 2 == 0 ? address(0) : address(token), bound(nTargets, 1, 3));
        p.rewardPerTarget = uint128(bound(reward, 1, 100 ether));
        // ceil(reward / 64) .. reward
        p.stake = uint96(bound(stake, (uint256(p.rewardPerTarget) + 63) / 64, p.rewardPerTarget));
        p.royaltyBps = uint16(bound(seed >> 8, 0, 5000));
        p.toleranceQ = uint128(bound(seed >> 32, 1, uint256(2 * ONE)));
        p.commitDeadline = uint64(now_ + 1 hours);
        p.resultWindow = 1 hours;
        p.revealWindow = 1 hours;
        p.challengeWindow = 1 hours;
        p.moveWindow = 1 hours;
        p.bond = p.stake;
        roundIds.push(open(p));
        ghostRewardsHeld[p.token] += uint256(p.rewardPerTarget) * p.targets.length;
        done["open"]++;
    }

    /// Each step looks, from a random starting point, for the first place where it can be taken.

    function commit(uint256 seed, uint256 actor, int16 v, bool otherModel) external clock {
        uint256 n = roundIds.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 id = roundIds[(seed % n + j) % n];
            Rounds.Round memory r = rounds.getRound(id);
            if (now_ >= r.commitDeadline) continue;
            uint256 t = (seed >> 16) % r.targetCount;
            for (uint256 a = 0; a < 4; a++) {
                address who = actors[(actor % 4 + a) % 4];
                bytes32 key = keccak256(abi.encode(id, t, who));
                if (committed[key]) continue;
                committed[key] = true;
                int256 value = int256(v % 16) * (ONE / 64); // near the results, so that some win
                doCommit(who, id, t, otherModel ? HASH2 : HASH1, value);
                pending.push(Pending(id, t, who, otherModel ? model2 : model1, value, false, false));
                ghostStakesIn[r.token] += r.stake;
                ghostStakesHeld[r.token] += r.stake;
                done["commit"]++;
                return;
            }
        }
    }

    function postResult(uint256 seed, int16 v) external clock {
        uint256 n = roundIds.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 id = roundIds[(seed % n + j) % n];
            Rounds.Round memory r = rounds.getRound(id);
            if (now_ < r.commitDeadline || now_ >= uint256(r.commitDeadline) + r.resultWindow) continue;
            for (uint256 t = 0; t < r.targetCount; t++) {
                if (rounds.getTarget(id, t).status != Rounds.Status.Open) continue;
                // a value near the committed ones most of the time, so that some win
                int256 value = int256(v % 8) * (ONE / 64);
                doPost(id, t, value);
                resultOf[keccak256(abi.encode(id, t))] = value;
                done["post"]++;
                return;
            }
        }
    }

    /// From a random start, the first pending commitment whose target has `status` and that
    /// `usable` accepts; n (none) if there is none.
    function pick(uint256 seed, Rounds.Status status, function(Pending storage, Rounds.Target memory) view returns (bool) usable)
        internal
        view
        returns (uint256)
    {
        uint256 n = pending.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 i = (seed % n + j) % n;
            Pending storage p = pending[i];
            if (p.revealed || p.closed) continue;
            Rounds.Target memory tg = rounds.getTarget(p.roundId, p.t);
            if (tg.status == status && usable(p, tg)) return i;
        }
        return n;
    }

    /// Inside the reveal window, and not one of the one-in-five predictors who never reveal.
    function revealable(Pending storage p, Rounds.Target memory tg) internal view returns (bool) {
        return now_ < tg.revealDeadline && uint256(keccak256(abi.encode(p.who, p.roundId, p.t))) % 5 != 0;
    }

    function always(Pending storage, Rounds.Target memory) internal pure returns (bool) {
        return true;
    }

    function reveal(uint256 seed) external clock {
        uint256 i = pick(seed, Rounds.Status.Resulted, revealable);
        if (i == pending.length) return;
        Pending storage p = pending[i];
        p.revealed = true;
        doReveal(p.who, p.roundId, p.t, p.modelId, p.value);
        done["reveal"]++;
    }

    /// Whether a pending commitment wins, by the rule |value - result| <= tolerance.
    function wins(Pending storage p, uint256 tol) internal view returns (bool) {
        int256 d = p.value - resultOf[keccak256(abi.encode(p.roundId, p.t))];
        return p.revealed && uint256(d < 0 ? -d : d) <= tol;
    }

    /// The handler's own settlement of a target (docs/contracts.md, "Settlement arithmetic"):
    /// winners get their stake and reward / W less the royalty, everything else goes to the sponsor.
    function book(uint256 id, uint256 t) internal {
        Rounds.Round memory r = rounds.getRound(id);
        uint256 w;
        uint256 c;
        for (uint256 i = 0; i < pending.length; i++) {
            Pending storage p = pending[i];
            if (p.roundId != id || p.t != t) continue;
            c++;
            if (wins(p, r.toleranceQ)) w++;
        }
        uint256 share = w == 0 ? 0 : r.rewardPerTarget / w;
        uint256 royalty = share * r.royaltyBps / 10_000;
        uint256 due = royalty / 2 * 2; // model1 has two training datasets, model2 none
        for (uint256 i = 0; i < pending.length; i++) {
            Pending storage p = pending[i];
            if (p.roundId != id || p.t != t) continue;
            p.closed = true;
            if (!wins(p, r.toleranceQ)) continue;
            uint256 paidRoyalty = p.modelId == model1 ? due : 0;
            ghostCredited[r.token][p.who] += r.stake + share - paidRoyalty;
            ghostRoyaltyOwed[r.token] += paidRoyalty;
            ghostStakesBack[r.token] += r.stake;
        }
        ghostCredited[r.token][r.sponsor] += r.rewardPerTarget - share * w + r.stake * (c - w);
        ghostStakesForfeited[r.token] += r.stake * (c - w);
        ghostRewardsHeld[r.token] -= r.rewardPerTarget;
        ghostStakesHeld[r.token] -= r.stake * c;
    }

    function settle(uint256 seed) external clock {
        uint256 n = roundIds.length;
        for (uint256 j = 0; j < n; j++) {
            uint256 id = roundIds[(seed % n + j) % n];
            Rounds.Round memory r = rounds.getRound(id);
            for (uint256 t = 0; t < r.targetCount; t++) {
                Rounds.Target memory tg = rounds.getTarget(id, t);
                if (tg.status == Rounds.Status.Open && now_ >= uint256(r.commitDeadline) + r.resultWindow) {
                    rounds.settle(id, t);
                    ghostCredited[r.token][r.sponsor] += r.rewardPerTarget;
                    ghostRewardsHeld[r.token] -= r.rewardPerTarget;
                    done["cancel"]++;
                    return;
                }
                if (tg.status == Rounds.Status.Resulted && now_ >= uint256(tg.revealDeadline) + r.challengeWindow) {
                    rounds.settle(id, t);
                    book(id, t);
                    done["settle"]++;
                    return;
                }
            }
        }
    }

    function refund(uint256 seed) external clock {
        uint256 i = pick(seed, Rounds.Status.Cancelled, always);
        if (i == pending.length) return;
        Pending storage p = pending[i];
        p.closed = true;
        vm.prank(p.who);
        rounds.refundStake(p.roundId, p.t);
        Rounds.Round memory r = rounds.getRound(p.roundId);
        ghostCredited[r.token][p.who] += r.stake;
        ghostStakesBack[r.token] += r.stake;
        ghostStakesHeld[r.token] -= r.stake;
        done["refund"]++;
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

    function distribute(bool useToken) external clock {
        address tok = useToken ? address(token) : address(0);
        if (rounds.royaltyOwed(tok, model1) == 0) tok = useToken ? address(0) : address(token);
        if (rounds.royaltyOwed(tok, model1) == 0) return;
        rounds.distributeRoyalties(tok, model1);
        // model1's two datasets: lab1's and lab2's, half each; an odd wei stays owed
        uint256 each = ghostRoyaltyOwed[tok] / 2;
        ghostCredited[tok][lab1] += each;
        ghostCredited[tok][lab2] += each;
        ghostRoyaltyOwed[tok] -= 2 * each;
        done["distribute"]++;
    }

    function wait(uint256 dt) external {
        now_ += bound(dt, 1, 45) * 1 minutes;
    }
}

contract RoundsInvariantTest {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    RoundsHandler handler;
    Rounds rounds;
    MockToken token;

    function setUp() public {
        handler = new RoundsHandler();
        (rounds, token) = handler.world();
    }

    /// The handler's steps do happen (else the invariants would hold vacuously): a scripted
    /// sequence goes through each of them once.
    function test_handlerTakesEveryStep() public {
        handler.openRound(1000 << 8, 10 ether, 1 ether, 1); // ETH round 1, one target, 10% royalty
        handler.openRound(1, 10 ether, 1 ether, 1); // token round 2
        handler.commit(0, 0, 3, false); // alice on round 1, model1
        handler.commit(0, 1, 3, true); // bob on round 1, model2
        handler.commit(1, 2, 3, false); // carol on round 2
        handler.wait(44); // + 45 min
        handler.wait(44); // past the commit deadline (1 h), inside the result window
        handler.postResult(0, 3); // round 1 only (both win); round 2 gets no result
        handler.reveal(0);
        handler.reveal(1);
        handler.wait(44);
        handler.wait(44); // past the reveal deadline
        handler.wait(44);
        handler.wait(44); // past the challenge window (1 h)
        handler.settle(0);
        handler.settle(1); // round 2: cancelled
        handler.refund(2);
        handler.distribute(false);
        handler.withdraw(0, false);
        handler.withdraw(2, true);
        bytes32[9] memory k =
            [bytes32("open"), "commit", "post", "reveal", "settle", "cancel", "refund", "withdraw", "distribute"];
        for (uint256 i = 0; i < 9; i++) require(handler.done(k[i]) > 0, "a step did not happen");
        invariant_ethBooks();
        invariant_tokenBooks();
        invariant_balancesSumToCredits();
        invariant_stakesConserved();
        invariant_everyCreditByHand();
        // both rounds: reward bound(10 ether, 1, 100 ether) = 10 ether + 1, stake bound(1 ether,
        // ceil(reward / 64) = 0.15625 ether + 1, reward) = 1.15625 ether + 1. Round 1: alice
        // (model1) and bob (model2) both win, their stakes back; round 2 (tokens): cancelled,
        // carol's stake refunded
        require(handler.ghostStakesBack(address(0)) == 2 * (1.15625 ether + 1), "two winners' stakes back");
        require(handler.ghostStakesBack(address(token)) == 1.15625 ether + 1, "one refund");
        require(handler.ghostStakesForfeited(address(0)) == 0, "nothing forfeited");
    }

    /// A settled target whose predictors lose: the scripted sequence with a result far off.
    function test_handlerForfeits() public {
        handler.openRound(0, 10 ether, 1 ether, 1); // ETH round, tolerance 1 (seed >> 32 = 0)
        handler.commit(0, 0, 3, false);
        handler.commit(0, 1, 5, true);
        handler.commit(0, 2, 7, true);
        handler.wait(44);
        handler.wait(44);
        handler.postResult(0, 3); // 3/64: alice exact, bob and carol off
        handler.reveal(0);
        handler.reveal(1);
        handler.reveal(2);
        handler.wait(44);
        handler.wait(44);
        handler.wait(44);
        handler.wait(44); // past the reveal deadline and the challenge window
        handler.settle(0);
        require(handler.done("settle") == 1, "settled");
        require(handler.ghostStakesForfeited(address(0)) > 0, "some stakes forfeited");
        invariant_stakesConserved();
        invariant_everyCreditByHand();
        invariant_balancesSumToCredits();
    }

    function targetContracts() public view returns (address[] memory a) {
        a = new address[](1);
        a[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory s) {
        bytes4[] memory sel = new bytes4[](9);
        sel[0] = RoundsHandler.openRound.selector;
        sel[1] = RoundsHandler.commit.selector;
        sel[2] = RoundsHandler.postResult.selector;
        sel[3] = RoundsHandler.reveal.selector;
        sel[4] = RoundsHandler.settle.selector;
        sel[5] = RoundsHandler.refund.selector;
        sel[6] = RoundsHandler.withdraw.selector;
        sel[7] = RoundsHandler.wait.selector;
        sel[8] = RoundsHandler.distribute.selector;
        s = new FuzzSelector[](1);
        s[0] = FuzzSelector(address(handler), sel);
    }

    function books(address tok, uint256 held) internal view {
        require(held == rounds.escrowed(tok) + rounds.credited(tok) - rounds.withdrawn(tok), "held != escrow + credited - withdrawn");
    }

    /// The contract's ETH equals escrow + credited - withdrawn.
    function invariant_ethBooks() public view {
        books(address(0), address(rounds).balance);
    }

    /// The contract's tokens equal escrow + credited - withdrawn.
    function invariant_tokenBooks() public view {
        books(address(token), token.balanceOf(address(rounds)));
    }

    /// Stakes are conserved with forfeits: every stake paid in is held (its target not closed),
    /// back with a winner or a refund, or forfeited to a sponsor; and the contract's escrow is
    /// exactly the rewards and stakes of targets not yet closed, as the handler counts them.
    function invariant_stakesConserved() public view {
        address[2] memory toks = [address(0), address(token)];
        for (uint256 i = 0; i < 2; i++) {
            address tok = toks[i];
            require(
                rounds.escrowed(tok) == handler.ghostRewardsHeld(tok) + handler.ghostStakesHeld(tok),
                "escrowed != the rewards and stakes of targets not closed"
            );
            require(
                handler.ghostStakesIn(tok)
                    == handler.ghostStakesHeld(tok) + handler.ghostStakesBack(tok) + handler.ghostStakesForfeited(tok),
                "a stake is neither held, nor back, nor forfeited"
            );
        }
    }

    /// Every account's credit (balance plus what it withdrew) is what the handler computed by
    /// hand for it: shares, winners' stakes, refunds, sponsors' remainders and forfeits, royalties.
    function invariant_everyCreditByHand() public view {
        uint256 n = handler.actorCount();
        address[2] memory toks = [address(0), address(token)];
        for (uint256 k = 0; k < 2; k++) {
            for (uint256 i = 0; i < n; i++) {
                address a = handler.actors(i);
                require(
                    rounds.balanceOf(toks[k], a) + handler.ghostWithdrawn(toks[k], a) == handler.ghostCredited(toks[k], a),
                    "an account's credit differs from the hand computation"
                );
            }
            require(rounds.royaltyOwed(toks[k], handler.model1Id()) == handler.ghostRoyaltyOwed(toks[k]), "royalty owed");
            uint256 sum = handler.ghostRoyaltyOwed(toks[k]);
            for (uint256 i = 0; i < n; i++) sum += handler.ghostCredited(toks[k], handler.actors(i));
            require(sum == rounds.credited(toks[k]), "credited != the hand-computed credits");
        }
    }

    /// What is owed (the actors' balances and the royalties not yet distributed; model1 is the
    /// only model with datasets) is exactly credited - withdrawn: no credit is lost or made up.
    function invariant_balancesSumToCredits() public view {
        uint256 n = handler.actorCount();
        uint256 eth = rounds.royaltyOwed(address(0), handler.model1Id());
        uint256 tok = rounds.royaltyOwed(address(token), handler.model1Id());
        for (uint256 i = 0; i < n; i++) {
            address a = handler.actors(i);
            eth += rounds.balanceOf(address(0), a);
            tok += rounds.balanceOf(address(token), a);
        }
        require(eth == rounds.credited(address(0)) - rounds.withdrawn(address(0)), "ETH balances");
        require(tok == rounds.credited(address(token)) - rounds.withdrawn(address(token)), "token balances");
    }
}
