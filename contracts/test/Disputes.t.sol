// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DisputesFixture} from "./utils/DisputesFixture.sol";
import {MockToken} from "./utils/Mocks.sol";
import {Rounds} from "../src/Rounds.sol";
import {Disputes} from "../src/Disputes.sol";

/// The dispute game driven without openings: challenges, timeouts of the defender, concessions,
/// closes, and what Rounds pays for each. Amounts are derived by hand from RoundsFixture.params
/// (reward R = 10, stake S = 1, bond B = 2 ether, royalty 10 %) and resultedRound (alice and bob
/// win, carol loses; alice's model1 has two training datasets, bob's model2 none).
contract DisputesTest is DisputesFixture {
    function setUp() public {
        setUpGame();
    }

    function test_challengeStoresTheFacts() public {
        uint256 rid = resultedRound(address(0));
        uint256 t0 = block.timestamp;
        vm.expectEmit(true, true, true, true, address(disputes));
        emit Disputes.Challenged(1, rid, 0, 0, eve, alice, 2 ether, uint64(t0 + 1 days));
        uint256 id = doChallenge(eve, rid, 0, 0);
        vm.assertEq(id, 1, "first id");
        vm.assertEq(disputes.disputeCount(), 1, "count");
        Disputes.Dispute memory d = dispute(id);
        vm.assertEq(d.roundId, rid, "round");
        vm.assertEq(d.targetIndex, 0, "target");
        vm.assertEq(d.revealIndex, 0, "reveal");
        vm.assertEq(d.challenger, eve, "challenger");
        vm.assertEq(d.predictor, alice, "predictor");
        vm.assertEq(uint256(d.turn), uint256(Disputes.Turn.Defender), "defender first");
        vm.assertEq(uint256(d.outcome), uint256(Disputes.Outcome.Open), "open");
        vm.assertEq(d.deadline, t0 + 1 days, "deadline = now + moveWindow");
        vm.assertEq(d.moves, 1, "one move");
        vm.assertEq(d.atoms, 0, "n unknown");
        vm.assertEq(d.structureRoot, sroot(0), "structureRoot of the target");
        vm.assertEq(d.weightsRoot, WROOT1, "weightsRoot of model1");
        vm.assertEq(d.traceRoot, keccak256("trace"), "traceRoot of the reveal");
        vm.assertEq(int256(d.valueQ), ONE, "valueQ of the reveal");
        vm.assertEq(d.claimIndex, type(uint256).max, "no claim index yet");
        vm.assertEq(d.claimHash, bytes32(0), "no claim hash yet");
        vm.assertEq(rounds.getTarget(rid, 0).disputesOpen, 1, "one open");
        vm.assertEq(address(rounds).balance, 10 ether + 3 ether + 2 ether, "reward, stakes, bond held");
        vm.assertEq(rounds.escrowed(address(0)), 15 ether, "bond escrowed");
        vm.assertEq(eve.balance, 0, "bond paid");
        checkGameBooks(address(0));
    }

    /// reveal stores the traceRoot and the valueQ; a value outside int128 is stored as
    /// type(int128).max (no OUT leaf, an i32, holds it).
    function test_revealStoresTraceRootAndValue() public {
        uint256 rid = open(params(address(0), 1));
        int256 huge = int256(type(int128).max) + 1;
        doCommit(alice, rid, 0, HASH1, ONE);
        doCommit(bob, rid, 0, HASH1, huge);
        toResultPhase(rid);
        doPost(rid, 0, ONE);
        doReveal(alice, rid, 0, model1, ONE);
        doReveal(bob, rid, 0, model1, huge);
        Rounds.Reveal memory a = rounds.revealAt(rid, 0, 0);
        vm.assertEq(a.traceRoot, keccak256("trace"), "traceRoot");
        vm.assertEq(int256(a.valueQ), ONE, "valueQ");
        vm.assertFalse(a.lost, "not lost");
        vm.assertEq(int256(rounds.revealAt(rid, 0, 1).valueQ), int256(type(int128).max), "clamped");
    }

    // ---- challenge checks ----

    /// Challenges are taken in the reveal window and after it, while now < revealDeadline +
    /// challengeWindow (2 days).
    function test_challengeWindow() public {
        uint256 rid = resultedRound(address(0));
        uint256 until = rounds.getTarget(rid, 0).revealDeadline + 2 days;
        doChallenge(eve, rid, 0, 2); // in the reveal window
        vm.warp(until - 1);
        vm.assertEq(doChallenge(eve, rid, 0, 1), 2, "the last second");
        vm.warp(until);
        vm.deal(frank, 2 ether);
        vm.prank(frank);
        vm.expectRevert(abi.encodeWithSelector(Rounds.ChallengeWindowClosed.selector, until));
        disputes.challenge{value: 2 ether}(rid, 0, 0);
    }

    function test_challengeBondEth() public {
        uint256 rid = resultedRound(address(0));
        vm.deal(eve, 10 ether);
        vm.startPrank(eve);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongPayment.selector, 2 ether, 1 ether));
        disputes.challenge{value: 1 ether}(rid, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongPayment.selector, 2 ether, 0));
        disputes.challenge(rid, 0, 0);
        disputes.challenge{value: 2 ether}(rid, 0, 0);
        vm.stopPrank();
        vm.assertEq(eve.balance, 8 ether, "one bond taken");
        vm.assertEq(address(disputes).balance, 0, "nothing stays in Disputes");
        checkGameBooks(address(0));
    }

    /// A token round: the challenger approves Rounds, which takes the bond with transferFrom.
    function test_challengeBondToken() public {
        uint256 rid = resultedRound(address(token));
        token.mint(eve, 5 ether);
        vm.startPrank(eve);
        vm.expectRevert(); // no allowance
        disputes.challenge(rid, 0, 0);
        token.approve(address(rounds), 2 ether);
        vm.deal(eve, 1);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongPayment.selector, 0, 1));
        disputes.challenge{value: 1}(rid, 0, 0);
        disputes.challenge(rid, 0, 0);
        vm.stopPrank();
        vm.assertEq(token.balanceOf(eve), 3 ether, "bond taken from the challenger");
        vm.assertEq(token.balanceOf(address(rounds)), 10 ether + 3 ether + 2 ether, "held by Rounds");
        vm.assertEq(rounds.escrowed(address(token)), 15 ether, "escrowed");
        checkGameBooks(address(token));
    }

    function test_challengeUnknownOrClosedTargets() public {
        uint256 rid = resultedRound(address(0));
        vm.deal(eve, 10 ether);
        vm.startPrank(eve);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownReveal.selector, rid, 0, 3));
        disputes.challenge{value: 2 ether}(rid, 0, 3);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownTarget.selector, rid, 1));
        disputes.challenge{value: 2 ether}(rid, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownRound.selector, 9));
        disputes.challenge{value: 2 ether}(9, 0, 0);
        vm.stopPrank();
        uint256 rid2 = open(params(address(0), 1)); // no result yet
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongStatus.selector, Rounds.Status.Open));
        disputes.challenge{value: 2 ether}(rid2, 0, 0);
        toSettlePhase(rid, 0);
        rounds.settle(rid, 0);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongStatus.selector, Rounds.Status.Settled));
        disputes.challenge{value: 2 ether}(rid, 0, 0);
    }

    /// A reveal already lost cannot be challenged again.
    function test_challengeLostReveal() public {
        uint256 rid = resultedRound(address(0));
        uint256 id = doChallenge(eve, rid, 0, 0);
        vm.prank(alice);
        disputes.concede(id);
        vm.deal(frank, 2 ether);
        vm.prank(frank);
        vm.expectRevert(Rounds.RevealAlreadyLost.selector);
        disputes.challenge{value: 2 ether}(rid, 0, 0);
    }

    function test_onlyDisputesOpensAndCloses() public {
        uint256 rid = resultedRound(address(0));
        vm.expectRevert(Rounds.NotDisputes.selector);
        rounds.openDispute(rid, 0, 0, eve);
        doChallenge(eve, rid, 0, 0);
        vm.prank(eve);
        vm.expectRevert(Rounds.NotDisputes.selector);
        rounds.closeDispute(rid, 0, 0, eve, true);
    }

    // ---- endings ----

    /// The defender lets the deadline pass: the challenger wins the bond back and alice's stake
    /// (2 + 1); alice is no winner any more. settle: released = R + S (C - lost) = 10 + 1·2 = 12;
    /// bob alone wins: 1 + 10 (model2, no royalty); the sponsor carol's stake, 1; no royalty for
    /// model1 (alice lost).
    function test_defenderTimeout() public {
        uint256 rid = resultedRound(address(0));
        uint256 id = doChallenge(eve, rid, 0, 0);
        uint64 deadline = dispute(id).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(Disputes.DeadlineNotPassed.selector, deadline));
        disputes.timeout(id);
        vm.warp(uint256(deadline) + 1);
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.Resolved(id, Disputes.Outcome.ChallengerWon, Disputes.Reason.Timeout);
        vm.expectEmit(true, true, false, true, address(rounds));
        emit Rounds.RevealLost(rid, 0, 0, alice);
        vm.expectEmit(true, true, true, true, address(rounds));
        emit Rounds.DisputeClosed(rid, 0, 0, eve, true, eve, 3 ether);
        vm.prank(dave); // anyone
        disputes.timeout(id);
        Disputes.Dispute memory d = dispute(id);
        vm.assertEq(uint256(d.outcome), uint256(Disputes.Outcome.ChallengerWon), "challenger won");
        vm.assertEq(uint256(d.reason), uint256(Disputes.Reason.Timeout), "timeout");
        vm.assertEq(rounds.balanceOf(address(0), eve), 3 ether, "bond + stake");
        Rounds.Reveal memory rv = rounds.revealAt(rid, 0, 0);
        vm.assertTrue(rv.lost, "lost");
        vm.assertFalse(rv.winner, "no winner any more");
        Rounds.Target memory tg = rounds.getTarget(rid, 0);
        vm.assertEq(tg.winners, 1, "bob only");
        vm.assertEq(tg.lost, 1, "one lost");
        vm.assertEq(tg.disputesOpen, 0, "closed");
        vm.assertEq(rounds.escrowed(address(0)), 12 ether, "15 - 3");
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotOpen.selector, Disputes.Outcome.ChallengerWon));
        disputes.timeout(id);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotOpen.selector, Disputes.Outcome.ChallengerWon));
        disputes.concede(id);

        toSettlePhase(rid, 0);
        vm.expectEmit(true, true, false, true, address(rounds));
        emit Rounds.Settled(rid, 0, 1, 10 ether, 1 ether);
        rounds.settle(rid, 0);
        vm.assertEq(rounds.balanceOf(address(0), alice), 0, "alice: nothing");
        vm.assertEq(rounds.balanceOf(address(0), bob), 11 ether, "bob: stake + the whole reward");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 1 ether, "carol's stake");
        vm.assertEq(rounds.royaltyOwed(address(0), model1), 0, "a lost winner pays no royalty");
        vm.assertEq(rounds.escrowed(address(0)), 0, "all released");
        vm.assertEq(rounds.credited(address(0)), 15 ether, "3 + 11 + 1");
        vm.prank(eve);
        rounds.withdraw();
        vm.assertEq(eve.balance, 3 ether, "withdrawn");
        checkGameBooks(address(0));
    }

    /// The challenger gives up: the predictor takes the bond; the reveal stays a winner and is
    /// paid at settle as before (alice: 1 + 5 - 0.5 royalty, plus the bond 2).
    function test_challengerConcedes() public {
        uint256 rid = resultedRound(address(0));
        uint256 id = doChallenge(eve, rid, 0, 0);
        vm.prank(carol);
        vm.expectRevert(Disputes.NotAParty.selector);
        disputes.concede(id);
        vm.expectEmit(true, true, true, true, address(rounds));
        emit Rounds.DisputeClosed(rid, 0, 0, eve, false, alice, 2 ether);
        vm.prank(eve);
        disputes.concede(id);
        vm.assertEq(uint256(dispute(id).outcome), uint256(Disputes.Outcome.DefenderWon), "defender won");
        vm.assertEq(uint256(dispute(id).reason), uint256(Disputes.Reason.Conceded), "conceded");
        vm.assertEq(rounds.balanceOf(address(0), alice), 2 ether, "the bond");
        vm.assertFalse(rounds.revealAt(rid, 0, 0).lost, "not lost");
        vm.assertEq(rounds.getTarget(rid, 0).winners, 2, "still two winners");
        toSettlePhase(rid, 0);
        rounds.settle(rid, 0);
        vm.assertEq(rounds.balanceOf(address(0), alice), 2 ether + 5.5 ether, "bond + stake + share - royalty");
        vm.assertEq(rounds.balanceOf(address(0), bob), 6 ether, "bob");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 1 ether, "carol's stake");
        vm.assertEq(rounds.balanceOf(address(0), eve), 0, "eve: nothing");
        checkGameBooks(address(0));
    }

    /// Several challengers of one prediction: the first to win takes the stake; the others get
    /// their bonds back (close: Moot, or a win of their own that finds the reveal lost).
    function test_severalChallengers() public {
        uint256 rid = resultedRound(address(0));
        uint256 e = doChallenge(eve, rid, 0, 0);
        uint256 f = doChallenge(frank, rid, 0, 0);
        uint256 g = doChallenge(dave, rid, 0, 0);
        vm.assertEq(rounds.getTarget(rid, 0).disputesOpen, 3, "three open");
        vm.expectRevert(Disputes.RevealNotLost.selector);
        disputes.close(f);
        vm.prank(alice);
        disputes.concede(e); // alice gives up against eve
        vm.assertEq(rounds.balanceOf(address(0), eve), 3 ether, "eve: bond + stake");
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.Resolved(f, Disputes.Outcome.Moot, Disputes.Reason.RevealLostElsewhere);
        vm.expectEmit(true, true, true, true, address(rounds));
        emit Rounds.DisputeClosed(rid, 0, 0, frank, true, frank, 2 ether);
        disputes.close(f);
        vm.assertEq(rounds.balanceOf(address(0), frank), 2 ether, "frank: the bond back");
        // dave's dispute ends by the defender's timeout: the reveal is already lost, the bond back
        pastDeadline(g);
        disputes.timeout(g);
        vm.assertEq(rounds.balanceOf(address(0), dave), 2 ether, "dave: the bond back");
        Rounds.Target memory tg = rounds.getTarget(rid, 0);
        vm.assertEq(tg.lost, 1, "lost once");
        vm.assertEq(tg.winners, 1, "one winner less, once");
        vm.assertEq(tg.disputesOpen, 0, "all closed");
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotOpen.selector, Disputes.Outcome.Moot));
        disputes.close(f);
        // 10 reward + 3 stakes + 3 bonds of 2 = 19 escrowed; 3 + 2 + 2 credited out of it
        vm.assertEq(rounds.escrowed(address(0)), 19 ether - 7 ether, "escrow");
        vm.assertEq(rounds.credited(address(0)), 7 ether, "credited");
        checkGameBooks(address(0));
    }

    /// A prediction that never was in the band can be challenged: carol's stake goes to the
    /// challenger instead of the sponsor. settle: released = 10 + 1·2 = 12, alice 5.5 and bob 6,
    /// 0.5 owed to model1, the sponsor 0.
    function test_challengeOfALoser() public {
        uint256 rid = resultedRound(address(0));
        uint256 id = doChallenge(eve, rid, 0, 2);
        vm.prank(carol);
        disputes.concede(id);
        vm.assertEq(rounds.balanceOf(address(0), eve), 3 ether, "bond + carol's stake");
        vm.assertEq(rounds.getTarget(rid, 0).winners, 2, "winners unchanged");
        toSettlePhase(rid, 0);
        vm.expectEmit(true, true, false, true, address(rounds));
        emit Rounds.Settled(rid, 0, 2, 5 ether, 0);
        rounds.settle(rid, 0);
        vm.assertEq(rounds.balanceOf(address(0), alice), 5.5 ether, "alice");
        vm.assertEq(rounds.balanceOf(address(0), bob), 6 ether, "bob");
        vm.assertEq(rounds.royaltyOwed(address(0), model1), 0.5 ether, "royalty");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 0, "sponsor: nothing forfeited to it");
        vm.assertEq(rounds.escrowed(address(0)), 0, "all released");
        checkGameBooks(address(0));
    }

    /// Disputes of two rounds at once (one ETH, one token): ids run across rounds, each closes
    /// in its own round.
    function test_disputesAcrossRounds() public {
        uint256 r1 = resultedRound(address(0));
        uint256 r2 = resultedRound(address(token));
        uint256 a = doChallenge(eve, r1, 0, 1);
        uint256 b = doChallenge(eve, r2, 0, 1);
        uint256 c = doChallenge(frank, r1, 0, 1);
        (a, b, c) = (a, b, c);
        vm.assertEq(b, 2, "ids across rounds");
        vm.assertEq(dispute(b).roundId, r2, "b in round 2");
        vm.assertEq(dispute(c).roundId, r1, "c in round 1");
        vm.prank(bob);
        disputes.concede(b); // bob loses in round 2 only
        vm.assertTrue(rounds.revealAt(r2, 0, 1).lost, "lost in round 2");
        vm.assertFalse(rounds.revealAt(r1, 0, 1).lost, "not in round 1");
        vm.assertEq(rounds.balanceOf(address(token), eve), 3 ether, "token: bond + stake");
        vm.assertEq(rounds.balanceOf(address(0), eve), 0, "no ETH yet");
        vm.expectRevert(Disputes.RevealNotLost.selector);
        disputes.close(c);
        vm.prank(frank);
        disputes.concede(c);
        vm.assertEq(rounds.balanceOf(address(0), bob), 2 ether, "frank's bond to bob, in ETH");
        vm.assertEq(rounds.getTarget(r1, 0).disputesOpen, 1, "a still open in round 1");
        vm.assertEq(rounds.getTarget(r2, 0).disputesOpen, 0, "none in round 2");
        checkGameBooks(address(0));
        checkGameBooks(address(token));
    }

    /// settle waits for the end of the challenge window, then for every open dispute; a dispute
    /// goes on after the window.
    function test_settleWaitsForDisputes() public {
        uint256 rid = resultedRound(address(0));
        uint256 until = rounds.getTarget(rid, 0).revealDeadline + 2 days;
        vm.warp(until - 1 hours);
        uint256 id = doChallenge(eve, rid, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Rounds.ChallengeWindowOpen.selector, until));
        rounds.settle(rid, 0);
        vm.warp(until);
        vm.expectRevert(abi.encodeWithSelector(Rounds.DisputesOpen.selector, 1));
        rounds.settle(rid, 0);
        vm.warp(until + 23 hours - 1); // the deadline is until - 1 h + 1 day
        vm.expectRevert(abi.encodeWithSelector(Rounds.DisputesOpen.selector, 1));
        rounds.settle(rid, 0);
        vm.prank(eve);
        disputes.concede(id);
        rounds.settle(rid, 0);
        vm.assertEq(uint256(rounds.getTarget(rid, 0).status), uint256(Rounds.Status.Settled), "settled");
        vm.assertEq(rounds.balanceOf(address(0), alice), 2 ether + 5.5 ether, "the bond and the win");
    }

    /// The game's books in a token round, with withdrawals: every wei credited once.
    function test_booksWithWithdrawals() public {
        uint256 rid = resultedRound(address(token));
        uint256 a = doChallenge(eve, rid, 0, 0);
        uint256 b = doChallenge(frank, rid, 0, 1);
        uint256 c = doChallenge(frank, rid, 0, 0);
        pastDeadline(a);
        disputes.timeout(a); // eve: 3
        vm.prank(frank);
        disputes.concede(b); // bob: 2
        disputes.close(c); // frank: 2
        toSettlePhase(rid, 0);
        rounds.settle(rid, 0); // bob 1 + 10, sponsor 1 (carol)
        vm.assertEq(rounds.credited(address(token)), 3 ether + 2 ether + 2 ether + 11 ether + 1 ether, "credited");
        vm.assertEq(rounds.escrowed(address(token)), 0, "escrow");
        address[4] memory who = [eve, frank, bob, sponsor];
        uint256[4] memory owed = [uint256(3 ether), 2 ether, 13 ether, 1 ether];
        for (uint256 i = 0; i < 4; i++) {
            vm.assertEq(rounds.balanceOf(address(token), who[i]), owed[i], "balance");
            uint256 before = token.balanceOf(who[i]);
            vm.prank(who[i]);
            rounds.withdraw(address(token));
            vm.assertEq(token.balanceOf(who[i]) - before, owed[i], "paid");
            checkGameBooks(address(token));
        }
        vm.assertEq(token.balanceOf(address(rounds)), 0, "nothing left");
    }

    /// A predictor and its own challenger collude: alice (say she lied) concedes to her accomplice
    /// dave while eve's honest challenge is open. The stake stays with the pair (dave: bond + stake),
    /// but alice is out of the band: bob, honest, takes the whole reward; eve's bond comes back.
    /// Nothing of anyone else moves to the pair.
    function test_collusionMovesOnlyTheColludersStake() public {
        uint256 rid = resultedRound(address(0));
        uint256 honest = doChallenge(eve, rid, 0, 0);
        uint256 accomplice = doChallenge(dave, rid, 0, 0);
        vm.prank(alice);
        disputes.concede(accomplice);
        disputes.close(honest);
        vm.assertEq(rounds.balanceOf(address(0), dave), 3 ether, "the accomplice: its bond and alice's stake");
        vm.assertEq(rounds.balanceOf(address(0), eve), 2 ether, "the honest challenger: its bond back");
        toSettlePhase(rid, 0);
        rounds.settle(rid, 0);
        vm.assertEq(rounds.balanceOf(address(0), bob), 11 ether, "bob: stake + the whole reward");
        vm.assertEq(rounds.balanceOf(address(0), alice), 0, "alice: nothing");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 1 ether, "carol's stake, as without the game");
        checkGameBooks(address(0));
    }

    function test_unknownDispute() public {
        vm.expectRevert(abi.encodeWithSelector(Disputes.UnknownDispute.selector, 0));
        disputes.getDispute(0);
        vm.expectRevert(abi.encodeWithSelector(Disputes.UnknownDispute.selector, 1));
        disputes.timeout(1);
    }
}
