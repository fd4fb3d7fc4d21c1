// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DisputesFixture} from "./utils/DisputesFixture.sol";
import {TopTrace} from "./utils/TopTrace.sol";
import {Rounds} from "../src/Rounds.sol";
import {Disputes} from "../src/Disputes.sol";
import {StepVerifier} from "../src/inference/StepVerifier.sol";

/// The game's moves with real openings of the top of a trace (TopTrace: head, mean, sum over a
/// crystal of 17 atoms) checked by the real StepVerifier: the first opening's rules, the claim
/// moving down, a turn across transactions, candidates and picks, the challenger's timeout, and
/// lies found at the first and at the second level.
contract DisputesGameTest is DisputesFixture, TopTrace {
    uint256 modelT; // registered with TopTrace's weightsRoot
    bytes32 constant HASH_T = keccak256("model file T");

    function setUp() public {
        setUpGame();
        Top memory w = top(false, false);
        modelT = models.registerModel(HASH_T, w.roots.weightsRoot, "cgcnn-q16-v3", PROPERTY, "eV/atom", "", new uint256[](0));
    }

    /// One target, the crystal of TopTrace, result ONE. Reveals, all of ONE (= OUT's valueQ):
    /// 0 alice the honest trace, 1 bob the trace lying at SUM[1][0], 2 carol the trace with a false
    /// OUT; 3 dave the honest trace with the value ONE + 1.
    function gameRound() internal returns (uint256 rid) {
        Rounds.RoundParams memory p = params(address(0), 1);
        p.structureRoots[0] = top(false, false).roots.structureRoot;
        rid = open(p);
        address[4] memory who = [alice, bob, carol, dave];
        int256[4] memory v = [ONE, ONE, ONE, ONE + 1];
        for (uint256 i = 0; i < 4; i++) doCommit(who[i], rid, 0, HASH_T, v[i]);
        toResultPhase(rid);
        doPost(rid, 0, ONE);
        bytes32[4] memory roots = [
            top(false, false).roots.traceRoot,
            top(true, false).roots.traceRoot,
            top(false, true).roots.traceRoot,
            top(false, false).roots.traceRoot
        ];
        for (uint256 i = 0; i < 4; i++) {
            vm.prank(who[i]);
            rounds.reveal(rid, 0, modelT, v[i], keccak256(abi.encode(who[i], v[i])), roots[i]);
        }
    }

    function one(bytes memory c) internal pure returns (bytes[] memory a) {
        a = new bytes[](1);
        a[0] = c;
    }

    function three(bytes memory x, bytes memory y, bytes memory z) internal pure returns (bytes[] memory a) {
        a = new bytes[](3);
        (a[0], a[1], a[2]) = (x, y, z);
    }

    /// The defender's whole first turn: head, mean, SUM[2][0] (two candidates).
    function firstTurn(uint256 id, Top memory w) internal {
        disputes.respond(id, three(headCall(w), meanCall(w), sum2Call(w)));
    }

    function pair(uint256 a, uint256 b) internal pure returns (uint256[] memory x) {
        x = new uint256[](2);
        (x[0], x[1]) = (a, b);
    }

    function pairH(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory x) {
        x = new bytes32[](2);
        (x[0], x[1]) = (a, b);
    }

    // ---- the first opening ----

    function test_headMovesTheClaimToPool() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 0);
        Top memory w = top(false, false);
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.StepOpened(id, IX_OUT, 7, true); // Kind.Out
        vm.prank(carol); // anyone may answer for the defender
        disputes.respond(id, one(headCall(w)));
        Disputes.Dispute memory d = dispute(id);
        vm.assertEq(d.claimIndex, IX_POOL, "POOL");
        vm.assertEq(d.claimHash, leafHash(w.trace[IX_POOL]), "POOL's hash");
        vm.assertEq(d.atoms, 17, "n");
        vm.assertEq(uint256(d.turn), uint256(Disputes.Turn.Defender), "the defender continues");
        vm.assertEq(d.moves, 1, "no move yet");
        vm.assertEq(d.candidateCount, 0, "no candidates");
    }

    function test_firstOpeningMustBeHeadOfTheRevealedValue() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 0);
        Top memory w = top(false, false);
        vm.expectRevert(Disputes.WrongClaim.selector);
        disputes.respond(id, one(meanCall(w))); // not head
        StepVerifier.Roots memory r = w.roots;
        vm.expectRevert(Disputes.WrongClaim.selector);
        disputes.respond(id, one(headCallAt(w, r, IX_POOL))); // not OUT's index
        r = StepVerifier.Roots(w.roots.structureRoot, w.roots.weightsRoot, top(true, false).roots.traceRoot);
        vm.expectRevert(Disputes.WrongClaim.selector);
        disputes.respond(id, one(headCallAt(w, r, IX_OUT))); // another traceRoot
        r = StepVerifier.Roots(sroot(0), w.roots.weightsRoot, w.roots.traceRoot);
        vm.expectRevert(Disputes.WrongClaim.selector);
        disputes.respond(id, one(headCallAt(w, r, IX_OUT))); // another crystal
        r = StepVerifier.Roots(w.roots.structureRoot, WROOT1, w.roots.traceRoot);
        vm.expectRevert(Disputes.WrongClaim.selector);
        disputes.respond(id, one(headCallAt(w, r, IX_OUT))); // another model's weights
        // dave revealed ONE + 1 with the honest trace, whose OUT holds ONE
        uint256 id2 = doChallenge(eve, rid, 0, 3);
        vm.expectRevert(Disputes.WrongValue.selector);
        disputes.respond(id2, one(headCall(w)));
        vm.assertEq(dispute(id).claimIndex, type(uint256).max, "nothing moved");
    }

    function test_falseHeadLoses() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 2);
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.StepOpened(id, IX_OUT, 7, false);
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.Resolved(id, Disputes.Outcome.ChallengerWon, Disputes.Reason.StepFalse);
        disputes.respond(id, one(headCall(top(false, true))));
        vm.assertEq(rounds.balanceOf(address(0), eve), 3 ether, "bond + carol's stake");
        vm.assertTrue(rounds.revealAt(rid, 0, 2).lost, "carol lost");
        vm.assertEq(rounds.getTarget(rid, 0).winners, 3, "four winners less one");
    }

    // ---- later openings ----

    function test_laterOpeningMustBeTheClaim() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 0);
        Top memory w = top(false, false);
        disputes.respond(id, one(headCall(w)));
        vm.expectRevert(Disputes.WrongClaim.selector);
        disputes.respond(id, one(sum2Call(w))); // SUM[2][0], not POOL
        // a POOL opening of other bytes (the lying trace's POOL), under the dispute's roots
        Top memory lie = top(true, false);
        lie.roots = w.roots;
        vm.expectRevert(Disputes.WrongClaim.selector);
        disputes.respond(id, one(meanCall(lie)));
        vm.expectRevert(Disputes.NoCalls.selector);
        disputes.respond(id, new bytes[](0));
        vm.expectRevert(abi.encodeWithSelector(Disputes.UnknownStep.selector, bytes4(0xdeadbeef)));
        disputes.respond(id, one(hex"deadbeef00"));
        disputes.respond(id, one(meanCall(w)));
        vm.assertEq(dispute(id).claimIndex, IX_SUM2, "SUM[2][0]");
    }

    /// A turn may span transactions under one deadline; it ends at the sum of two children.
    function test_turnAcrossTransactions() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 0);
        uint64 deadline = dispute(id).deadline;
        Top memory w = top(false, false);
        vm.warp(block.timestamp + 5 hours);
        disputes.respond(id, one(headCall(w)));
        vm.warp(block.timestamp + 5 hours);
        disputes.respond(id, one(meanCall(w)));
        vm.assertEq(dispute(id).deadline, deadline, "same deadline");
        vm.assertEq(dispute(id).claimIndex, IX_SUM2, "SUM[2][0]");
        bytes32 h0 = leafHash(w.trace[IX_SUM1]);
        bytes32 h1 = leafHash(w.trace[IX_SUM1 + 1]);
        vm.warp(deadline); // the last second of the turn
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.Candidates(id, pair(IX_SUM1, IX_SUM1 + 1), pairH(h0, h1));
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.TurnEnded(id, 2, uint64(deadline + 1 days));
        disputes.respond(id, one(sum2Call(w)));
        Disputes.Dispute memory d = dispute(id);
        vm.assertEq(uint256(d.turn), uint256(Disputes.Turn.Challenger), "the challenger's move");
        vm.assertEq(d.moves, 2, "two moves");
        vm.assertEq(d.candidateCount, 2, "two candidates");
        bytes32 acc = keccak256(abi.encode(keccak256(abi.encode(bytes32(0), IX_SUM1, h0)), IX_SUM1 + 1, h1));
        vm.assertEq(d.candidates, acc, "running hash");
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotYourTurn.selector, Disputes.Turn.Challenger));
        disputes.respond(id, one(sum2Call(w)));
    }

    function test_callsAfterTheTurnAreRefused() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 0);
        Top memory w = top(false, false);
        bytes[] memory calls = new bytes[](4);
        (calls[0], calls[1], calls[2], calls[3]) = (headCall(w), meanCall(w), sum2Call(w), sum10Call(w));
        vm.expectRevert(abi.encodeWithSelector(Disputes.TurnOver.selector, 3));
        disputes.respond(id, calls);
    }

    function test_respondAfterTheDeadline() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 0);
        uint64 deadline = dispute(id).deadline;
        pastDeadline(id);
        vm.expectRevert(abi.encodeWithSelector(Disputes.DeadlinePassed.selector, deadline));
        disputes.respond(id, one(headCall(top(false, false))));
    }

    // ---- picks ----

    function test_pickChecks() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 0);
        Top memory w = top(false, false);
        bytes32 h0 = leafHash(w.trace[IX_SUM1]);
        bytes32 h1 = leafHash(w.trace[IX_SUM1 + 1]);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotYourTurn.selector, Disputes.Turn.Defender));
        disputes.pick(id, pair(IX_SUM1, IX_SUM1 + 1), pairH(h0, h1), 0);
        firstTurn(id, w);
        vm.prank(frank);
        vm.expectRevert(Disputes.NotChallenger.selector);
        disputes.pick(id, pair(IX_SUM1, IX_SUM1 + 1), pairH(h0, h1), 0);
        vm.startPrank(eve);
        vm.expectRevert(Disputes.WrongCandidates.selector);
        disputes.pick(id, pair(IX_SUM1 + 1, IX_SUM1), pairH(h1, h0), 0); // another order
        vm.expectRevert(Disputes.WrongCandidates.selector);
        disputes.pick(id, pair(IX_SUM1, IX_SUM1 + 1), pairH(h0, h0), 1); // another hash
        vm.expectRevert(Disputes.WrongCandidates.selector);
        disputes.pick(id, pair(IX_SUM1, IX_SUM1 + 2), pairH(h0, h1), 1); // another index
        vm.expectRevert(Disputes.WrongCandidates.selector);
        disputes.pick(id, ids1(IX_SUM1), pairH(h0, h1), 0); // lengths differ
        vm.expectRevert(abi.encodeWithSelector(Disputes.PickOutOfRange.selector, 2, 2));
        disputes.pick(id, pair(IX_SUM1, IX_SUM1 + 1), pairH(h0, h1), 2);
        vm.expectRevert(Disputes.NotAtNbr.selector);
        disputes.witness(id, hex"00");
        uint256 t = block.timestamp;
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.Picked(id, IX_SUM1 + 1, h1, uint64(t + 1 days));
        disputes.pick(id, pair(IX_SUM1, IX_SUM1 + 1), pairH(h0, h1), 1);
        vm.stopPrank();
        Disputes.Dispute memory d = dispute(id);
        vm.assertEq(d.claimIndex, IX_SUM1 + 1, "SUM[1][1]");
        vm.assertEq(d.claimHash, h1, "its hash");
        vm.assertEq(uint256(d.turn), uint256(Disputes.Turn.Defender), "the defender's move");
        vm.assertEq(d.moves, 3, "three moves");
        vm.assertEq(d.candidateCount, 0, "reset");
        vm.assertEq(d.candidates, bytes32(0), "reset");
        // SUM[1][1] has one child: the claim moves on to X[4][16] and the turn goes on
        disputes.respond(id, one(sum11Call(w)));
        d = dispute(id);
        vm.assertEq(d.claimIndex, IX_X4 + 16, "X[4][16]");
        vm.assertEq(d.claimHash, leafHash(w.trace[IX_X4 + 16]), "its hash");
        vm.assertEq(uint256(d.turn), uint256(Disputes.Turn.Defender), "the defender continues");
    }

    /// The challenger lets its deadline pass: the predictor takes the bond.
    function test_challengerTimeout() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 0);
        firstTurn(id, top(false, false));
        pastDeadline(id);
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.Resolved(id, Disputes.Outcome.DefenderWon, Disputes.Reason.Timeout);
        disputes.timeout(id);
        vm.assertEq(rounds.balanceOf(address(0), alice), 2 ether, "the bond");
        vm.assertFalse(rounds.revealAt(rid, 0, 0).lost, "not lost");
    }

    /// Sixteen children: sixteen candidates X[4][0 .. 15] at 85 .. 100, the turn ends.
    function test_sixteenCandidates() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 0);
        Top memory w = top(false, false);
        firstTurn(id, w);
        vm.prank(eve);
        disputes.pick(id, pair(IX_SUM1, IX_SUM1 + 1), pairH(leafHash(w.trace[IX_SUM1]), leafHash(w.trace[IX_SUM1 + 1])), 0);
        disputes.respond(id, one(sum10Call(w)));
        Disputes.Dispute memory d = dispute(id);
        vm.assertEq(d.candidateCount, 16, "sixteen");
        bytes32 acc;
        for (uint256 i = 0; i < 16; i++) acc = keccak256(abi.encode(acc, IX_X4 + i, leafHash(xLeaf(i))));
        vm.assertEq(d.candidates, acc, "X[4][0..15] in order");
        vm.assertEq(d.moves, 4, "challenge, turn, pick, turn");
    }

    /// bob's trace lies at SUM[1][0] and is consistent above it: the first turn holds; the pick of
    /// SUM[1][0] makes its sum false.
    function test_lieFoundAtTheSecondLevel() public {
        uint256 rid = gameRound();
        uint256 id = doChallenge(eve, rid, 0, 1);
        Top memory w = top(true, false);
        firstTurn(id, w);
        vm.assertEq(uint256(dispute(id).turn), uint256(Disputes.Turn.Challenger), "the lie holds so far");
        vm.prank(eve);
        disputes.pick(id, pair(IX_SUM1, IX_SUM1 + 1), pairH(leafHash(w.trace[IX_SUM1]), leafHash(w.trace[IX_SUM1 + 1])), 0);
        vm.expectEmit(true, false, false, true, address(disputes));
        emit Disputes.StepOpened(id, IX_SUM1, 5, false); // Kind.Sum
        disputes.respond(id, one(sum10Call(w)));
        Disputes.Dispute memory d = dispute(id);
        vm.assertEq(uint256(d.outcome), uint256(Disputes.Outcome.ChallengerWon), "challenger won");
        vm.assertEq(uint256(d.reason), uint256(Disputes.Reason.StepFalse), "step false");
        vm.assertEq(rounds.balanceOf(address(0), eve), 3 ether, "bond + stake");
        vm.assertTrue(rounds.revealAt(rid, 0, 1).lost, "bob lost");
    }

    /// Gas of each kind of move (call gas as measured with isolate: the transaction's total).
    function test_gas_moves() public {
        uint256 rid = gameRound();
        Top memory w = top(true, false);
        uint256 id = doChallenge(eve, rid, 0, 1);
        vm.snapshotValue("challenge", vm.lastCallGas().gasTotalUsed);
        disputes.respond(id, one(headCall(w)));
        vm.snapshotValue("respond_head", vm.lastCallGas().gasTotalUsed);
        disputes.respond(id, one(meanCall(w)));
        vm.snapshotValue("respond_mean", vm.lastCallGas().gasTotalUsed);
        disputes.respond(id, one(sum2Call(w)));
        vm.snapshotValue("respond_sum_2_children", vm.lastCallGas().gasTotalUsed);
        uint256[] memory ix = pair(IX_SUM1, IX_SUM1 + 1);
        bytes32[] memory hs = pairH(leafHash(w.trace[IX_SUM1]), leafHash(w.trace[IX_SUM1 + 1]));
        vm.prank(eve);
        disputes.pick(id, ix, hs, 0);
        vm.snapshotValue("pick_of_2", vm.lastCallGas().gasTotalUsed);
        disputes.respond(id, one(sum10Call(w)));
        vm.snapshotValue("respond_sum_16_children_false", vm.lastCallGas().gasTotalUsed);
        uint256 id2 = doChallenge(frank, rid, 0, 0);
        pastDeadline(id2);
        disputes.timeout(id2);
        vm.snapshotValue("timeout", vm.lastCallGas().gasTotalUsed);
    }
}
