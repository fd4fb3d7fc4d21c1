// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RoundsFixture} from "./utils/RoundsFixture.sol";
import {MockToken, FeeToken, FalseToken, ReentrantToken, ReentrantReceiver, Refuser, IRoundsLike} from "./utils/Mocks.sol";
import {Rounds} from "../src/Rounds.sol";
import {OracleCommittee} from "../src/OracleCommittee.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

contract RoundsTest is RoundsFixture {
    function setUp() public {
        setUpWorld();
    }

    /// The events of open, postResult, reveal and refundStake carry what a client needs.
    function test_events() public {
        Rounds.RoundParams memory p = params(address(0), 2);
        vm.deal(sponsor, 20 ether);
        vm.expectEmit(true, true, true, true, address(rounds));
        emit Rounds.RoundOpened(
            1, sponsor, address(0), address(committee), PROPERTY, p.commitDeadline, 10 ether, p.targets, p.structureRoots
        );
        vm.prank(sponsor);
        uint256 id = rounds.openRound{value: 20 ether}(p);
        doCommit(alice, id, 0, HASH1, ONE);
        doCommit(bob, id, 1, HASH1, ONE);
        toResultPhase(id);
        OracleCommittee.Report memory rep = report(id, 0, ONE);
        bytes[] memory s = signReport(rep, 1, 2);
        vm.expectEmit(true, true, false, true, address(rounds));
        emit Rounds.ResultPosted(
            id, 0, ONE, 655, keccak256("raw"), "ESRF-ID22", 1_700_000_000, uint64(block.timestamp + 1 days)
        );
        rounds.postResult(id, 0, rep, s);
        bytes32 salt = keccak256(abi.encode(alice, ONE));
        vm.expectEmit(true, true, true, true, address(rounds));
        emit Rounds.Revealed(id, 0, alice, model1, ONE, salt, keccak256("trace"), true);
        doReveal(alice, id, 0, model1, ONE);
        vm.warp(uint256(p.commitDeadline) + 1 days);
        rounds.settle(id, 1); // no result for target 1: cancelled
        vm.expectEmit(true, true, true, true, address(rounds));
        emit Rounds.StakeRefunded(id, 1, bob);
        vm.prank(bob);
        rounds.refundStake(id, 1);
    }

    function checkBooks(address tok) internal view {
        uint256 held = tok == address(0) ? address(rounds).balance : MockToken(tok).balanceOf(address(rounds));
        vm.assertEq(held, rounds.escrowed(tok) + rounds.credited(tok) - rounds.withdrawn(tok), "books");
    }

    // ---- openRound ----

    function test_open_eth() public {
        Rounds.RoundParams memory p = params(address(0), 3);
        uint256 id = open(p);
        vm.assertEq(id, 1, "id");
        vm.assertEq(rounds.roundCount(), 1, "count");
        vm.assertEq(address(rounds).balance, 30 ether, "escrowed ETH");
        vm.assertEq(rounds.escrowed(address(0)), 30 ether, "escrowed");
        Rounds.Round memory r = rounds.getRound(id);
        vm.assertEq(r.sponsor, sponsor, "sponsor");
        vm.assertEq(r.targetCount, 3, "targets");
        vm.assertEq(r.commitDeadline, p.commitDeadline, "deadline");
        vm.assertEq(r.stake, 1 ether, "stake");
        vm.assertEq(address(r.committee), address(committee), "committee");
        vm.assertEq(r.royaltyBps, 1000, "bps");
        vm.assertEq(r.toleranceQ, p.toleranceQ, "tolerance");
        vm.assertEq(r.property, PROPERTY, "property");
        vm.assertEq(r.resultWindow, 1 days, "result window");
        vm.assertEq(r.revealWindow, 1 days, "reveal window");
        vm.assertEq(r.rewardPerTarget, 10 ether, "reward");
        Rounds.Target memory t = rounds.getTarget(id, 2);
        vm.assertEq(t.symhash, sym(2), "symhash");
        vm.assertEq(t.structureRoot, sroot(2), "structureRoot");
        vm.assertEq(rounds.getTarget(id, 0).structureRoot, sroot(0), "structureRoot of target 0");
        vm.assertEq(uint256(t.status), uint256(Rounds.Status.Open), "open");
        checkBooks(address(0));
    }

    function test_open_token() public {
        uint256 id = open(params(address(token), 2));
        vm.assertEq(token.balanceOf(address(rounds)), 20 ether, "escrowed tokens");
        vm.assertEq(rounds.getRound(id).token, address(token), "token");
        checkBooks(address(token));
    }

    function badOpen(Rounds.RoundParams memory p, bytes memory err) internal {
        uint256 value = p.token == address(0) ? uint256(p.rewardPerTarget) * p.targets.length : 0;
        vm.expectRevert(err);
        rounds.openRound{value: value}(p);
    }

    /// Opens p (as the sponsor, paying for it): the edge of every bound is inside.
    function goodOpen(Rounds.RoundParams memory p) internal returns (uint256) {
        return open(p);
    }

    /// Every parameter of openRound has its bound and its own error; each bound is tested one
    /// past its edge (refused) and at its edge (accepted).
    function test_open_reverts() public {
        vm.deal(sponsor, 10_000 ether);
        vm.startPrank(sponsor);
        Rounds.RoundParams memory p = params(address(0), 1);
        p.targets = new bytes32[](0);
        p.structureRoots = new bytes32[](0);
        badOpen(p, abi.encodeWithSelector(Rounds.TargetCount.selector, 0, 64));
        p.targets = new bytes32[](65);
        p.structureRoots = new bytes32[](65);
        badOpen(p, abi.encodeWithSelector(Rounds.TargetCount.selector, 65, 64));
        p = params(address(0), 2);
        p.structureRoots = new bytes32[](1);
        badOpen(p, abi.encodeWithSelector(Rounds.StructureRootCount.selector, 2, 1));
        p = params(address(0), 2);
        p.targets[1] = 0;
        badOpen(p, abi.encodeWithSelector(Rounds.ZeroTarget.selector, 1));
        p = params(address(0), 2);
        p.structureRoots[1] = 0;
        badOpen(p, abi.encodeWithSelector(Rounds.ZeroStructureRoot.selector, 1));
        p = params(address(0), 1);
        p.committee = OracleCommittee(address(0xC0));
        badOpen(p, abi.encodeWithSelector(Rounds.NotACommittee.selector, address(0xC0)));
        p = params(address(0xDEAD), 1);
        badOpen(p, abi.encodeWithSelector(Rounds.NotAToken.selector, address(0xDEAD)));
        p = params(address(0), 1);
        p.property = 0;
        badOpen(p, abi.encodeWithSelector(Rounds.ZeroProperty.selector));

        uint256 t = block.timestamp;
        uint256 latest = t + 365 days;
        p = params(address(0), 1);
        p.commitDeadline = uint64(t);
        badOpen(p, abi.encodeWithSelector(Rounds.CommitDeadlineOutOfRange.selector, uint64(t), t + 1, latest));
        p.commitDeadline = uint64(latest + 1);
        badOpen(p, abi.encodeWithSelector(Rounds.CommitDeadlineOutOfRange.selector, uint64(latest + 1), t + 1, latest));

        p = params(address(0), 1);
        p.resultWindow = 1 hours - 1;
        badOpen(p, abi.encodeWithSelector(Rounds.ResultWindowOutOfRange.selector, 1 hours - 1, 1 hours, 365 days));
        p.resultWindow = 365 days + 1;
        badOpen(p, abi.encodeWithSelector(Rounds.ResultWindowOutOfRange.selector, 365 days + 1, 1 hours, 365 days));
        p = params(address(0), 1);
        p.revealWindow = 0;
        badOpen(p, abi.encodeWithSelector(Rounds.RevealWindowOutOfRange.selector, 0, 1 hours, 30 days));
        p.revealWindow = 1 hours - 1;
        badOpen(p, abi.encodeWithSelector(Rounds.RevealWindowOutOfRange.selector, 1 hours - 1, 1 hours, 30 days));
        p.revealWindow = 30 days + 1;
        badOpen(p, abi.encodeWithSelector(Rounds.RevealWindowOutOfRange.selector, 30 days + 1, 1 hours, 30 days));

        p = params(address(0), 1);
        p.toleranceQ = 0;
        badOpen(p, abi.encodeWithSelector(Rounds.ToleranceOutOfRange.selector, 0, 1, 1 << 32));
        p.toleranceQ = (1 << 32) + 1;
        badOpen(p, abi.encodeWithSelector(Rounds.ToleranceOutOfRange.selector, (1 << 32) + 1, 1, 1 << 32));

        p = params(address(0), 1);
        p.rewardPerTarget = 0;
        badOpen(p, abi.encodeWithSelector(Rounds.ZeroReward.selector));
        // stake: ceil(reward / 64) .. reward; 10 ether / 64 = 0.15625 ether exactly, 10 ether + 1
        // rounds up to 0.15625 ether + 1
        p = params(address(0), 1);
        p.stake = 0.15625 ether - 1;
        badOpen(p, abi.encodeWithSelector(Rounds.StakeOutOfRange.selector, 0.15625 ether - 1, 0.15625 ether, 10 ether));
        p.stake = 0;
        badOpen(p, abi.encodeWithSelector(Rounds.StakeOutOfRange.selector, 0, 0.15625 ether, 10 ether));
        p.stake = 10 ether + 1;
        badOpen(p, abi.encodeWithSelector(Rounds.StakeOutOfRange.selector, 10 ether + 1, 0.15625 ether, 10 ether));
        p.rewardPerTarget = 10 ether + 1;
        p.stake = 0.15625 ether;
        badOpen(p, abi.encodeWithSelector(Rounds.StakeOutOfRange.selector, 0.15625 ether, 0.15625 ether + 1, 10 ether + 1));
        p = params(address(0), 1);
        p.royaltyBps = 5001;
        badOpen(p, abi.encodeWithSelector(Rounds.RoyaltyOutOfRange.selector, 5001, 5000));

        // the dispute game: challengeWindow 1 hour .. 30 days, moveWindow 1 hour .. 7 days,
        // stake (1 ether here) <= bond <= 2^96 - 1
        p = params(address(0), 1);
        p.challengeWindow = 1 hours - 1;
        badOpen(p, abi.encodeWithSelector(Rounds.ChallengeWindowOutOfRange.selector, 3599, 3600, 2_592_000));
        p.challengeWindow = 30 days + 1;
        badOpen(p, abi.encodeWithSelector(Rounds.ChallengeWindowOutOfRange.selector, 2_592_001, 3600, 2_592_000));
        p = params(address(0), 1);
        p.moveWindow = 0;
        badOpen(p, abi.encodeWithSelector(Rounds.MoveWindowOutOfRange.selector, 0, 3600, 604_800));
        p.moveWindow = 7 days + 1;
        badOpen(p, abi.encodeWithSelector(Rounds.MoveWindowOutOfRange.selector, 604_801, 3600, 604_800));
        p = params(address(0), 1);
        p.bond = 1 ether - 1;
        badOpen(p, abi.encodeWithSelector(Rounds.BondOutOfRange.selector, 1 ether - 1, 1 ether, (1 << 96) - 1));
        p.bond = 0;
        badOpen(p, abi.encodeWithSelector(Rounds.BondOutOfRange.selector, 0, 1 ether, (1 << 96) - 1));

        p = params(address(0), 2);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongPayment.selector, 20 ether, 10 ether));
        rounds.openRound{value: 10 ether}(p);
        p = params(address(token), 1);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongPayment.selector, 0, 1));
        rounds.openRound{value: 1}(p);
        vm.stopPrank();
        vm.assertEq(rounds.roundCount(), 0, "nothing opened");

        // every bound at its edge is accepted
        p = params(address(0), 64);
        p.commitDeadline = uint64(latest);
        p.resultWindow = 1 hours;
        p.revealWindow = 30 days;
        p.toleranceQ = 1;
        p.stake = 0.15625 ether;
        p.royaltyBps = 5000;
        p.challengeWindow = 1 hours;
        p.moveWindow = 7 days;
        p.bond = 0.15625 ether;
        vm.assertEq(goodOpen(p), 1, "lower and upper edges");
        p = params(address(0), 1);
        p.commitDeadline = uint64(t + 1);
        p.resultWindow = 365 days;
        p.revealWindow = 1 hours;
        p.toleranceQ = 1 << 32;
        p.stake = 10 ether;
        p.royaltyBps = 0;
        p.challengeWindow = 30 days;
        p.moveWindow = 1 hours;
        p.bond = type(uint96).max;
        vm.assertEq(goodOpen(p), 2, "the other edges");
        p = params(address(0), 1);
        p.rewardPerTarget = 1;
        p.stake = 1;
        p.bond = 1;
        vm.assertEq(goodOpen(p), 3, "a reward of 1 wei takes a stake of 1 wei");
    }

    // ---- malicious tokens ----

    /// The sponsor holds and approves 10 ether of `t`, then tries to open a round paid in it.
    function openWith(MockToken t, bytes memory err) internal {
        t.mint(sponsor, 10 ether);
        vm.startPrank(sponsor);
        t.approve(address(rounds), 10 ether);
        vm.expectRevert(err);
        rounds.openRound(params(address(t), 1));
        vm.stopPrank();
    }

    function test_open_revert_feeToken() public {
        FeeToken fee = new FeeToken();
        openWith(MockToken(address(fee)), abi.encodeWithSelector(Rounds.TokenTransferMismatch.selector, 10 ether, 9.9 ether));
    }

    function test_open_revert_falseToken() public {
        FalseToken f = new FalseToken();
        openWith(MockToken(address(f)), abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(f)));
    }

    /// A token that calls back into withdraw while the round's escrow is taken in, and while a
    /// payout is sent: the reentrancy guard refuses both, and nothing moves.
    function test_reentrantToken() public {
        ReentrantToken rt = new ReentrantToken();
        rt.mint(sponsor, 10 ether);
        vm.prank(sponsor);
        rt.approve(address(rounds), 10 ether);
        rt.arm(IRoundsLike(address(rounds)));
        vm.prank(sponsor);
        vm.expectRevert(bytes4(keccak256("ReentrancyGuardReentrantCall()")));
        rounds.openRound(params(address(rt), 1));

        // unarmed: the round opens; cancel it so the sponsor has a balance, then re-arm on the payout
        rt.disarm();
        vm.prank(sponsor);
        uint256 id = rounds.openRound(params(address(rt), 1));
        vm.warp(block.timestamp + 3 days);
        rounds.settle(id, 0);
        rt.arm(IRoundsLike(address(rounds)));
        vm.prank(sponsor);
        vm.expectRevert(bytes4(keccak256("ReentrancyGuardReentrantCall()")));
        rounds.withdraw(address(rt));
        vm.assertEq(rounds.balanceOf(address(rt), sponsor), 10 ether, "balance kept");
        vm.assertEq(rt.balanceOf(address(rounds)), 10 ether, "tokens kept");
    }

    // ---- commit ----

    function test_commit() public {
        uint256 id = open(params(address(0), 2));
        bytes32 c = commitmentOf(id, 1, HASH1, ONE, keccak256(abi.encode(alice, ONE)), alice);
        vm.deal(alice, 1 ether);
        vm.expectEmit(true, true, true, true, address(rounds));
        emit Rounds.Committed(id, 1, alice, c);
        vm.prank(alice);
        rounds.commit{value: 1 ether}(id, 1, c);
        vm.assertEq(rounds.commitmentOf(id, 1, alice), c, "stored");
        vm.assertEq(rounds.commitmentOf(id, 0, alice), 0, "other target");
        vm.assertEq(rounds.getTarget(id, 1).commits, 1, "count");
        vm.assertEq(rounds.escrowed(address(0)), 21 ether, "stake escrowed");
        // the same address may commit to another target, and others to the same
        doCommit(alice, id, 0, HASH1, ONE);
        doCommit(bob, id, 1, HASH1, ONE);
        checkBooks(address(0));
    }

    function test_commit_token() public {
        uint256 id = open(params(address(token), 1));
        doCommit(alice, id, 0, HASH1, ONE);
        vm.assertEq(token.balanceOf(address(rounds)), 11 ether, "stake taken");
        vm.deal(bob, 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongPayment.selector, 0, 1));
        rounds.commit{value: 1}(id, 0, bytes32(uint256(1)));
        checkBooks(address(token));
    }

    function test_commit_reverts() public {
        uint256 id = open(params(address(0), 1));
        vm.deal(alice, 10 ether);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownRound.selector, 2));
        rounds.commit{value: 1 ether}(2, 0, bytes32(uint256(1)));
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownTarget.selector, id, 1));
        rounds.commit{value: 1 ether}(id, 1, bytes32(uint256(1)));
        vm.expectRevert(Rounds.ZeroCommitment.selector);
        rounds.commit{value: 1 ether}(id, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongPayment.selector, 1 ether, 0.5 ether));
        rounds.commit{value: 0.5 ether}(id, 0, bytes32(uint256(1)));
        rounds.commit{value: 1 ether}(id, 0, bytes32(uint256(1)));
        // one commitment per predictor and target: no hedging from one address
        vm.expectRevert(Rounds.AlreadyCommitted.selector);
        rounds.commit{value: 1 ether}(id, 0, bytes32(uint256(2)));
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(Rounds.CommitClosed.selector);
        rounds.commit{value: 1 ether}(id, 0, bytes32(uint256(3)));
        vm.stopPrank();
    }

    function test_commit_revert_tooMany() public {
        uint256 id = open(params(address(0), 1));
        for (uint256 i = 0; i < 256; i++) {
            address who = address(uint160(0x100000 + i));
            vm.deal(who, 1 ether);
            vm.prank(who);
            rounds.commit{value: 1 ether}(id, 0, bytes32(uint256(1)));
        }
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(Rounds.TooManyCommits.selector);
        rounds.commit{value: 1 ether}(id, 0, bytes32(uint256(1)));
    }

    // ---- postResult ----

    function test_postResult() public {
        uint256 id = open(params(address(0), 2));
        toResultPhase(id);
        doPost(id, 1, -3 * ONE);
        Rounds.Target memory t = rounds.getTarget(id, 1);
        vm.assertEq(uint256(t.status), uint256(Rounds.Status.Resulted), "resulted");
        vm.assertEq(t.result, -3 * ONE, "value");
        vm.assertEq(t.revealDeadline, block.timestamp + 1 days, "reveal deadline");
        vm.assertEq(uint256(rounds.getTarget(id, 0).status), uint256(Rounds.Status.Open), "other target open");
    }

    function test_postResult_reverts() public {
        uint256 id = open(params(address(0), 1));
        OracleCommittee.Report memory rep = report(id, 0, ONE);
        bytes[] memory s = signReport(rep, 0, 2);
        vm.expectRevert(Rounds.CommitPhase.selector);
        rounds.postResult(id, 0, rep, s);
        toResultPhase(id);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownRound.selector, 9));
        rounds.postResult(9, 0, rep, s);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownTarget.selector, id, 1));
        rounds.postResult(id, 1, rep, s);

        // the report must name this round, this target and this property
        bytes[] memory bs;
        OracleCommittee.Report memory bad = report(id + 1, 0, ONE);
        bs = signReport(bad, 0, 1);
        vm.expectRevert(Rounds.ReportMismatch.selector);
        rounds.postResult(id, 0, bad, bs);
        bad = report(id, 1, ONE);
        bs = signReport(bad, 0, 1);
        vm.expectRevert(Rounds.ReportMismatch.selector);
        rounds.postResult(id, 0, bad, bs);
        bad = report(id, 0, ONE);
        bad.property = "band_gap";
        bs = signReport(bad, 0, 1);
        vm.expectRevert(Rounds.ReportMismatch.selector);
        rounds.postResult(id, 0, bad, bs);
        bad = report(id, 0, int256(type(int128).max) + 1);
        bs = signReport(bad, 0, 1);
        vm.expectRevert(Rounds.ValueOutOfRange.selector);
        rounds.postResult(id, 0, bad, bs);
        bad = report(id, 0, int256(type(int128).min) - 1);
        bs = signReport(bad, 0, 1);
        vm.expectRevert(Rounds.ValueOutOfRange.selector);
        rounds.postResult(id, 0, bad, bs);

        // the committee's checks: one signature is not enough, the same one twice neither
        bytes[] memory one = new bytes[](1);
        one[0] = s[0];
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.NotEnoughSignatures.selector, 1, 2));
        rounds.postResult(id, 0, rep, one);
        bytes[] memory twice = new bytes[](2);
        (twice[0], twice[1]) = (s[0], s[0]);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.DuplicateSigner.selector, vm.addr(oracleKeys[0])));
        rounds.postResult(id, 0, rep, twice);

        rounds.postResult(id, 0, rep, s);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongStatus.selector, Rounds.Status.Resulted));
        rounds.postResult(id, 0, rep, s);
    }

    function test_postResult_revert_windowClosed() public {
        uint256 id = open(params(address(0), 1));
        vm.warp(block.timestamp + 2 days);
        OracleCommittee.Report memory rep = report(id, 0, ONE);
        bytes[] memory s = signReport(rep, 0, 1);
        vm.expectRevert(Rounds.ResultWindowClosed.selector);
        rounds.postResult(id, 0, rep, s);
    }

    /// A report signed for one round does not post to another (it names its round); one signed
    /// on one chain does not count on another (the EIP-712 domain names the chain).
    function test_postResult_noReplay() public {
        uint256 id1 = open(params(address(0), 1));
        uint256 id2 = open(params(address(0), 1));
        toResultPhase(id2);
        OracleCommittee.Report memory rep = report(id1, 0, ONE);
        bytes[] memory s = signReport(rep, 0, 1);
        rounds.postResult(id1, 0, rep, s);
        vm.expectRevert(Rounds.ReportMismatch.selector);
        rounds.postResult(id2, 0, rep, s);

        OracleCommittee.Report memory rep2 = report(id2, 0, ONE);
        bytes[] memory s2 = signReport(rep2, 1, 2);
        vm.chainId(block.chainid + 1);
        vm.expectRevert(); // the signatures recover to strangers
        rounds.postResult(id2, 0, rep2, s2);
    }

    // ---- reveal ----

    function test_reveal() public {
        uint256 id = open(params(address(0), 1));
        doCommit(alice, id, 0, HASH1, ONE);
        doCommit(bob, id, 0, HASH2, 2 * ONE);
        toResultPhase(id);
        doPost(id, 0, ONE + ONE / 10); // alice is exactly at the tolerance
        doReveal(alice, id, 0, model1, ONE);
        doReveal(bob, id, 0, model2, 2 * ONE);
        Rounds.Target memory t = rounds.getTarget(id, 0);
        vm.assertEq(t.reveals, 2, "reveals");
        vm.assertEq(t.winners, 1, "winners");
        Rounds.Reveal memory r0 = rounds.revealAt(id, 0, 0);
        vm.assertEq(r0.predictor, alice, "first");
        vm.assertEq(r0.modelId, model1, "model");
        vm.assertTrue(r0.winner, "alice wins");
        vm.assertFalse(rounds.revealAt(id, 0, 1).winner, "bob loses");
        vm.assertEq(rounds.commitmentOf(id, 0, alice), 0, "consumed");
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownTarget.selector, id, 0));
        rounds.revealAt(id, 0, 2);
    }

    function test_reveal_reverts() public {
        uint256 id = open(params(address(0), 1));
        doCommit(alice, id, 0, HASH1, ONE);
        doCommit(carol, id, 0, HASH1, ONE);
        bytes32 salt = keccak256(abi.encode(alice, ONE));
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongStatus.selector, Rounds.Status.Open));
        rounds.reveal(id, 0, model1, ONE, salt, 0);
        vm.stopPrank();
        toResultPhase(id);
        doPost(id, 0, ONE);
        vm.startPrank(alice);
        vm.expectRevert(Rounds.BadOpening.selector);
        rounds.reveal(id, 0, model1, ONE + 1, salt, 0);
        vm.expectRevert(Rounds.BadOpening.selector);
        rounds.reveal(id, 0, model1, ONE, keccak256("other salt"), 0);
        vm.expectRevert(Rounds.BadOpening.selector);
        rounds.reveal(id, 0, model2, ONE, salt, 0); // another model of the same property
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongProperty.selector, bytes32("band_gap")));
        rounds.reveal(id, 0, modelOther, ONE, salt, 0);
        vm.expectRevert(abi.encodeWithSelector(ModelRegistry.UnknownModel.selector, 99));
        rounds.reveal(id, 0, 99, ONE, salt, 0);
        rounds.reveal(id, 0, model1, ONE, salt, 0);
        vm.expectRevert(Rounds.NoCommitment.selector);
        rounds.reveal(id, 0, model1, ONE, salt, 0);
        vm.stopPrank();
        vm.prank(bob);
        vm.expectRevert(Rounds.NoCommitment.selector);
        rounds.reveal(id, 0, model1, ONE, salt, 0);
        vm.warp(rounds.getTarget(id, 0).revealDeadline);
        vm.prank(carol);
        vm.expectRevert(Rounds.RevealClosed.selector);
        rounds.reveal(id, 0, model1, ONE, keccak256(abi.encode(carol, ONE)), 0);
    }

    /// Finding 3 (a model registered after the commit can be squatted) now fails: the model is
    /// bound before the commit. Registered first, its hash cannot be taken by a squatter; a model
    /// registered at or after the commit deadline, by anyone (the squatter, or the predictor
    /// itself after the result), is refused at reveal, so no registration can follow the result.
    function test_modelBoundBeforeCommit() public {
        uint256 id = open(params(address(0), 1));
        bytes32 h = keccak256("alice's model file");
        // alice registers before she commits (round commit refuses an unregistered model)
        vm.prank(alice);
        uint256 mid = models.registerModel(h, keccak256("alice's weights"), "cgcnn-q16-v3", PROPERTY, "eV/atom", "", new uint256[](0));
        doCommit(alice, id, 0, h, ONE);
        // the squatter's registration of the same file with another property comes too late
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ModelRegistry.ModelAlreadyRegistered.selector, h, mid));
        models.registerModel(h, keccak256("bob's root"), "cgcnn-q16-v3", "band_gap", "eV", "", new uint256[](0));

        // carol commits with a model nobody registered yet; at the deadline a squatter registers
        // it under the round's property (or carol does, having seen the result): refused
        bytes32 hc = keccak256("carol's model file");
        doCommit(carol, id, 0, hc, ONE);
        toResultPhase(id);
        uint64 deadline = rounds.getRound(id).commitDeadline;
        vm.prank(bob);
        uint256 late = models.registerModel(hc, keccak256("w"), "cgcnn-q16-v3", PROPERTY, "eV/atom", "", new uint256[](0));
        doPost(id, 0, ONE);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(Rounds.ModelRegisteredLate.selector, late, deadline, deadline));
        rounds.reveal(id, 0, late, ONE, keccak256(abi.encode(carol, ONE)), 0);
        doReveal(alice, id, 0, mid, ONE);
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        vm.assertEq(rounds.balanceOf(address(0), alice), 1 ether + 10 ether, "alice wins the reward, her stake back");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 1 ether, "carol's stake is forfeited");
    }

    /// A model registered one second before the commit deadline is in time.
    function test_modelRegisteredJustInTime() public {
        uint256 id = open(params(address(0), 1));
        bytes32 h = keccak256("just in time");
        doCommit(alice, id, 0, h, ONE);
        uint64 deadline = rounds.getRound(id).commitDeadline;
        vm.warp(deadline - 1);
        uint256 mid = models.registerModel(h, keccak256("w"), "cgcnn-q16-v3", PROPERTY, "eV/atom", "", new uint256[](0));
        toResultPhase(id);
        doPost(id, 0, ONE);
        doReveal(alice, id, 0, mid, ONE);
        vm.assertTrue(rounds.revealAt(id, 0, 0).winner, "revealed and wins");
    }

    /// Front-running / copying: bob copies alice's commitment before the deadline and later her
    /// opening from the mempool. The commitment names alice's address, so it never opens for bob.
    function test_copiedCommitmentCannotBeOpened() public {
        uint256 id = open(params(address(0), 1));
        doCommit(alice, id, 0, HASH1, ONE);
        bytes32 c = rounds.commitmentOf(id, 0, alice);
        vm.deal(bob, 1 ether);
        vm.prank(bob);
        rounds.commit{value: 1 ether}(id, 0, c);
        toResultPhase(id);
        doPost(id, 0, ONE);
        vm.prank(bob);
        vm.expectRevert(Rounds.BadOpening.selector);
        rounds.reveal(id, 0, model1, ONE, keccak256(abi.encode(alice, ONE)), 0);
        doReveal(alice, id, 0, model1, ONE);
        // bob's stake is forfeited to the sponsor; the reward goes to alice
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        vm.assertEq(rounds.balanceOf(address(0), alice), 1 ether + 10 ether - 1 ether, "alice: stake, reward less 10%");
        vm.assertEq(rounds.balanceOf(address(0), bob), 0, "bob");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 1 ether, "bob's stake");
    }

    /// A commitment is bound to the Rounds contract and the chain: the same opening against a
    /// second deployment (or chain) computes another hash.
    function test_commitmentBoundToContractAndChain() public {
        bytes32 salt = keccak256("s");
        bytes32 here = rounds.commitmentHash(1, sym(0), HASH1, ONE, salt, alice);
        vm.assertEq(here, commitmentOf(1, 0, HASH1, ONE, salt, alice), "formula");
        Rounds other = new Rounds(models, verifier);
        vm.assertTrue(other.commitmentHash(1, sym(0), HASH1, ONE, salt, alice) != here, "other contract");
        vm.chainId(block.chainid + 1);
        vm.assertTrue(rounds.commitmentHash(1, sym(0), HASH1, ONE, salt, alice) != here, "other chain");
    }

    // ---- settle ----

    /// alice and bob win, carol loses, dave never reveals. The reward 10 is shared: 5 each;
    /// royalty 10% = 0.5 of which 0.25 to each dataset owner for model1, gathered at settlement and
    /// paid to the owners by distributeRoyalties. The winners get their stakes back; carol's and
    /// dave's stakes (1 each) are forfeited to the sponsor.
    function test_settle_shares() public {
        uint256 id = open(params(address(0), 1));
        doCommit(alice, id, 0, HASH1, ONE);
        doCommit(bob, id, 0, HASH2, ONE + 100);
        doCommit(carol, id, 0, HASH1, 5 * ONE);
        doCommit(dave, id, 0, HASH1, ONE);
        toResultPhase(id);
        doPost(id, 0, ONE);
        doReveal(alice, id, 0, model1, ONE);
        doReveal(bob, id, 0, model2, ONE + 100);
        doReveal(carol, id, 0, model1, 5 * ONE);
        // settle waits for the challenge window: revealDeadline + 2 days, in the reveal window and after it
        uint256 until = rounds.getTarget(id, 0).revealDeadline + 2 days;
        vm.expectRevert(abi.encodeWithSelector(Rounds.ChallengeWindowOpen.selector, until));
        rounds.settle(id, 0);
        vm.warp(until - 1);
        vm.expectRevert(abi.encodeWithSelector(Rounds.ChallengeWindowOpen.selector, until));
        rounds.settle(id, 0);
        toSettlePhase(id, 0);
        vm.assertEq(block.timestamp, until, "settle phase = end of the challenge window");
        vm.expectEmit(true, true, false, true, address(rounds));
        emit Rounds.Settled(id, 0, 2, 5 ether, 2 ether);
        rounds.settle(id, 0);
        vm.assertEq(rounds.balanceOf(address(0), alice), 1 ether + 5 ether - 0.5 ether, "alice");
        vm.assertEq(rounds.balanceOf(address(0), bob), 1 ether + 5 ether, "bob: model2 has no datasets");
        vm.assertEq(rounds.balanceOf(address(0), carol), 0, "carol: revealed outside the tolerance, stake forfeited");
        vm.assertEq(rounds.balanceOf(address(0), dave), 0, "dave: never revealed, stake forfeited");
        vm.assertEq(rounds.royaltyOwed(address(0), model1), 0.5 ether, "royalty gathered for model1");
        vm.assertEq(rounds.royaltyOwed(address(0), model2), 0, "none for model2");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 2 ether, "sponsor: the two forfeited stakes");
        vm.assertEq(rounds.escrowed(address(0)), 0, "nothing left in escrow");
        vm.assertEq(uint256(rounds.getTarget(id, 0).status), uint256(Rounds.Status.Settled), "settled");
        checkBooks(address(0));
        vm.expectEmit(true, true, false, true, address(rounds));
        emit Rounds.RoyaltiesDistributed(address(0), model1, 0.5 ether);
        vm.prank(carol); // anyone may distribute
        rounds.distributeRoyalties(address(0), model1);
        vm.assertEq(rounds.balanceOf(address(0), lab1), 0.25 ether, "lab1 royalty");
        vm.assertEq(rounds.balanceOf(address(0), lab2), 0.25 ether, "lab2 royalty");
        vm.assertEq(rounds.royaltyOwed(address(0), model1), 0, "distributed");
        vm.expectRevert(Rounds.NothingToDistribute.selector);
        rounds.distributeRoyalties(address(0), model1);
        vm.expectRevert(Rounds.NothingToDistribute.selector);
        rounds.distributeRoyalties(address(0), model2);
        checkBooks(address(0));
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongStatus.selector, Rounds.Status.Settled));
        rounds.settle(id, 0);
    }

    /// Three winners of an odd reward: the wei the division leaves goes to the sponsor.
    function test_settle_remainderAndCurrentOwner() public {
        Rounds.RoundParams memory p = params(address(token), 1);
        p.rewardPerTarget = 10 ether + 2; // 10 ether + 2 over 3 winners
        p.royaltyBps = 0;
        uint256 id = open(p);
        doCommit(alice, id, 0, HASH1, ONE);
        doCommit(bob, id, 0, HASH1, ONE);
        doCommit(carol, id, 0, HASH1, ONE);
        toResultPhase(id);
        doPost(id, 0, ONE);
        doReveal(alice, id, 0, model1, ONE);
        doReveal(bob, id, 0, model1, ONE);
        doReveal(carol, id, 0, model1, ONE);
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        uint256 share = 3333333333333333334; // (10^19 + 2) / 3 exactly
        vm.assertEq(rounds.balanceOf(address(token), alice), 1 ether + share, "stake and share");
        vm.assertEq(rounds.balanceOf(address(token), sponsor), 0, "no remainder: 10^19 + 2 = 3 x 3333333333333333334");
        p.rewardPerTarget = 10 ether + 1; // 10^19 + 1 = 3 x 3333333333333333333 + 2
        p.commitDeadline = uint64(block.timestamp + 1 days);
        uint256 id2 = open(p);
        doCommit(alice, id2, 0, HASH1, ONE);
        doCommit(bob, id2, 0, HASH1, ONE);
        doCommit(carol, id2, 0, HASH1, ONE);
        toResultPhase(id2);
        doPost(id2, 0, ONE);
        doReveal(alice, id2, 0, model1, ONE);
        doReveal(bob, id2, 0, model1, ONE);
        doReveal(carol, id2, 0, model1, ONE);
        toSettlePhase(id2, 0);
        rounds.settle(id2, 0);
        vm.assertEq(rounds.balanceOf(address(token), bob), 2 ether + share + 3333333333333333333, "two stakes, two shares");
        vm.assertEq(rounds.balanceOf(address(token), sponsor), 2, "the remainder, 2 wei");
        vm.assertEq(rounds.balanceOf(address(token), lab1), 0, "no royalty at 0 bps");
        checkBooks(address(token));
    }

    function test_settle_royaltyToCurrentOwner() public {
        vm.prank(lab1);
        prov.transferDatasetOwnership(1, dave);
        Rounds.RoundParams memory p = params(address(0), 1);
        p.royaltyBps = 5000; // the most: half of the share
        uint256 id = open(p);
        doCommit(alice, id, 0, HASH1, ONE);
        toResultPhase(id);
        doPost(id, 0, ONE);
        doReveal(alice, id, 0, model1, ONE);
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        rounds.distributeRoyalties(address(0), model1);
        vm.assertEq(rounds.balanceOf(address(0), dave), 2.5 ether, "new owner of dataset 1");
        vm.assertEq(rounds.balanceOf(address(0), lab2), 2.5 ether, "owner of dataset 2");
        vm.assertEq(rounds.balanceOf(address(0), alice), 1 ether + 5 ether, "alice: her stake and half the reward");
        vm.assertEq(rounds.balanceOf(address(0), lab1), 0, "old owner");
    }

    /// Nobody within tolerance: the reward goes back to the sponsor, with every stake (alice
    /// revealed outside the tolerance, bob never revealed).
    function test_settle_noWinner() public {
        uint256 id = open(params(address(0), 1));
        doCommit(alice, id, 0, HASH1, 3 * ONE);
        doCommit(bob, id, 0, HASH1, 3 * ONE);
        toResultPhase(id);
        doPost(id, 0, ONE);
        doReveal(alice, id, 0, model1, 3 * ONE);
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 12 ether, "reward + both stakes");
        vm.assertEq(rounds.balanceOf(address(0), alice), 0, "alice's stake is forfeited");
        checkBooks(address(0));
    }

    /// Hedging: one predictor behind three addresses commits three values and reveals all of
    /// them after the result. Its two losers forfeit their stakes: each hedge costs a stake,
    /// revealed or not (finding 1: every revealed prediction used to get its stake back).
    function test_hedgingCostsStakes() public {
        uint256 id = open(params(address(0), 1));
        address[3] memory sybils = [address(0x51), address(0x52), address(0x53)];
        for (uint256 i = 0; i < 3; i++) doCommit(sybils[i], id, 0, HASH2, int256(i + 1) * ONE);
        doCommit(alice, id, 0, HASH2, 2 * ONE);
        toResultPhase(id);
        doPost(id, 0, 2 * ONE);
        for (uint256 i = 0; i < 3; i++) doReveal(sybils[i], id, 0, model2, int256(i + 1) * ONE);
        doReveal(alice, id, 0, model2, 2 * ONE);
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        // the reward 10 over two winners: 5 each plus their stakes; the two losing hedges' stakes
        // go to the sponsor
        vm.assertEq(rounds.balanceOf(address(0), sybils[0]), 0, "losing hedge, revealed: stake forfeited");
        vm.assertEq(rounds.balanceOf(address(0), sybils[1]), 6 ether, "winning hedge");
        vm.assertEq(rounds.balanceOf(address(0), sybils[2]), 0, "losing hedge, revealed: stake forfeited");
        vm.assertEq(rounds.balanceOf(address(0), alice), 6 ether, "honest");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 2 ether, "two forfeited stakes");
        // the hedger paid 3 stakes and got 6: 3 net; alice paid 1 and got 6: 5 net. The two hedges
        // cost the hedger exactly two stakes, which a single commitment would have kept.
    }

    /// The audit's attack (finding 1), now losing: 100 addresses spaced at half the tolerance
    /// cover the range and reveal everything; one honest predictor. Four of the five winners are
    /// the hedger's; the 96 others forfeit 96 stakes, far more than the 4 shares it takes.
    function test_hedgingTheRangeLoses() public {
        uint256 id = open(params(address(0), 1)); // R = 10, S = 1, tolerance ONE/10
        int256 tol = ONE / 10;
        int256 half = tol / 2; // 100 values (i - 50) * half, i < 100
        for (uint256 i = 0; i < 100; i++) {
            doCommit(address(uint160(0xE000 + i)), id, 0, HASH2, (int256(i) - 50) * half);
        }
        doCommit(alice, id, 0, HASH2, 3 * tol / 4); // the honest guess, 0.75 tolerances above 0
        toResultPhase(id);
        // the result tol/4: within tol of -half, 0, half and 2·half (i = 49..52), not of 3·half
        doPost(id, 0, tol / 4);
        uint256 hedgerWins;
        for (uint256 i = 0; i < 100; i++) {
            int256 v = (int256(i) - 50) * half;
            doReveal(address(uint160(0xE000 + i)), id, 0, model2, v);
            if (rounds.withinTolerance(v, tol / 4, uint256(tol))) hedgerWins++;
        }
        doReveal(alice, id, 0, model2, 3 * tol / 4);
        vm.assertEq(hedgerWins, 4, "the hedger holds 4 of the 5 winning predictions");
        vm.assertEq(rounds.getTarget(id, 0).winners, 5, "5 winners");
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        uint256 got;
        for (uint256 i = 0; i < 100; i++) got += rounds.balanceOf(address(0), address(uint160(0xE000 + i)));
        // by hand: share = 10 / 5 = 2; the hedger gets 4 x (1 + 2) = 12 for 100 stakes paid
        vm.assertEq(got, 12 ether, "hedger credited 4 stakes and 4 shares");
        vm.assertEq(rounds.balanceOf(address(0), alice), 3 ether, "honest: stake and share");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 96 ether, "96 forfeited stakes");
        vm.assertLt(got, 100 ether, "hedging the range loses 88 ether");
    }

    /// Economic test of hedging: k addresses spread evenly over a range that holds the result,
    /// w of them within the tolerance, beside one honest winner. Whatever k, spacing and result,
    /// the hedger pays k stakes and gets back exactly w stakes and w shares: the k - w others cost
    /// it a stake each (paid to the sponsor, not to the hedger's own winners), so hedging costs
    /// at least (k - w) stakes against what its winning commitments alone would have earned.
    /// forge-config: default.fuzz.runs = 200
    function testFuzz_hedgingPaysAStakePerLoser(uint8 kIn, uint16 spacingIn, int32 resultIn) public {
        uint256 k = bound(kIn, 1, 40);
        int256 spacing = int256(bound(spacingIn, 1, 4 * uint256(ONE / 10)));
        uint256 id = open(params(address(0), 1)); // R = 10, S = 1, tolerance ONE / 10
        int256 lo = -int256(k / 2) * spacing;
        int256 result = int256(bound(uint256(int256(resultIn) - type(int32).min), 0, uint256(int256(k - 1) * spacing)))
            + lo;
        for (uint256 i = 0; i < k; i++) doCommit(address(uint160(0xF000 + i)), id, 0, HASH2, lo + int256(i) * spacing);
        doCommit(alice, id, 0, HASH2, result); // the honest predictor is exact
        toResultPhase(id);
        doPost(id, 0, result);
        uint256 w;
        for (uint256 i = 0; i < k; i++) {
            int256 v = lo + int256(i) * spacing;
            doReveal(address(uint160(0xF000 + i)), id, 0, model2, v);
            int256 d = v - result;
            if ((d < 0 ? -d : d) <= ONE / 10) w++;
        }
        doReveal(alice, id, 0, model2, result);
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        checkHedge(k, w);
    }

    function checkHedge(uint256 k, uint256 w) internal view {
        uint256 share = 10 ether / (w + 1);
        uint256 got;
        for (uint256 i = 0; i < k; i++) got += rounds.balanceOf(address(0), address(uint160(0xF000 + i)));
        vm.assertEq(got, w * (1 ether + share), "the hedger gets w stakes and w shares, no more");
        vm.assertEq(rounds.balanceOf(address(0), alice), 1 ether + share, "the honest winner: stake and share");
        vm.assertEq(
            rounds.balanceOf(address(0), sponsor),
            (k - w) * 1 ether + 10 ether - share * (w + 1),
            "the sponsor: the k - w forfeited stakes and the remainder"
        );
    }

    /// Slot squatting (finding 1): 256 addresses fill a target and lock others out. Now every
    /// squatting commitment outside the tolerance forfeits a stake of at least reward / 64: a
    /// spread of 256 values with w winners loses (256 - w) stakes, more than the reward it takes.
    function test_slotSquattingCostsMoreThanTheReward() public {
        Rounds.RoundParams memory p = params(address(0), 1);
        p.stake = 0.15625 ether; // the least the contract accepts for a reward of 10: 10 / 64
        uint256 id = open(p);
        int256 spacing = 2 * ONE / 10 + 1; // just over twice the tolerance: one winner at most
        for (uint256 i = 0; i < 256; i++) {
            doCommit(address(uint160(0xD000 + i)), id, 0, HASH2, int256(i) * spacing - 128 * spacing);
        }
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(Rounds.TooManyCommits.selector);
        rounds.commit{value: 0.15625 ether}(id, 0, bytes32(uint256(1)));
        toResultPhase(id);
        doPost(id, 0, 0);
        for (uint256 i = 0; i < 256; i++) {
            doReveal(address(uint160(0xD000 + i)), id, 0, model2, int256(i) * spacing - 128 * spacing);
        }
        vm.assertEq(rounds.getTarget(id, 0).winners, 1, "one winner: the value 0");
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        uint256 got;
        for (uint256 i = 0; i < 256; i++) got += rounds.balanceOf(address(0), address(uint160(0xD000 + i)));
        // by hand: paid 256 x 0.15625 = 40 ether; back 0.15625 + 10
        vm.assertEq(got, 10.15625 ether, "the squatter's winner: its stake and the reward");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 255 * 0.15625 ether, "255 forfeited stakes");
        vm.assertLt(got, 40 ether, "squatting cost 29.84375 ether");
    }

    /// Finding 2 (a sponsor traps the stakes with a reveal window of one second) now fails: the
    /// reveal window is at least an hour, so when the sponsor posts the result and reveals its
    /// own prediction in one block, the others still reveal after it and win.
    function test_sponsorCannotShutOutReveals() public {
        Rounds.RoundParams memory p = params(address(0), 1);
        p.revealWindow = 1;
        vm.deal(sponsor, 10 ether);
        vm.prank(sponsor);
        vm.expectRevert(abi.encodeWithSelector(Rounds.RevealWindowOutOfRange.selector, 1, 1 hours, 30 days));
        rounds.openRound{value: 10 ether}(p);
        p.revealWindow = 1 hours; // the shortest allowed
        uint256 id = open(p);
        doCommit(sponsor, id, 0, HASH2, 3 * ONE); // the sponsor's own prediction
        doCommit(alice, id, 0, HASH2, ONE);
        doCommit(bob, id, 0, HASH1, ONE);
        toResultPhase(id);
        doPost(id, 0, ONE);
        doReveal(sponsor, id, 0, model2, 3 * ONE); // same block as the result
        vm.warp(block.timestamp + 12); // the next block, and the one after an hour less a second
        doReveal(alice, id, 0, model2, ONE);
        vm.warp(rounds.getTarget(id, 0).revealDeadline - 1);
        doReveal(bob, id, 0, model1, ONE);
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        vm.assertEq(rounds.balanceOf(address(0), alice), 6 ether, "alice: stake and half the reward");
        vm.assertEq(rounds.balanceOf(address(0), bob), 5.5 ether, "bob: stake and half less 10% royalty");
        vm.assertEq(rounds.balanceOf(address(0), sponsor), 1 ether, "the sponsor: only its own forfeited stake");
    }

    /// The most work settle can be given: 256 winners (the commitment cap), each with its own
    /// model of 16 training datasets, all fresh accounts. It must fit well inside a block.
    function test_settle_worstCaseFitsInABlock() public {
        Rounds.RoundParams memory p = params(address(0), 1);
        p.stake = 0.15625 ether; // the least for a reward of 10
        uint256 id = open(p);
        vm.prank(lab1);
        for (uint256 d = 0; d < 14; d++) prov.createDataset(keccak256(abi.encode("d", d)), 1, 0, "");
        uint256[] memory ds = new uint256[](16);
        for (uint256 d = 0; d < 16; d++) ds[d] = d + 1;
        for (uint256 i = 0; i < 256; i++) {
            bytes32 h = keccak256(abi.encode("worst", i));
            uint256 m = models.registerModel(h, keccak256(abi.encode(h)), "a", PROPERTY, "u", "", ds);
            address who = address(uint160(0x900000 + i));
            vm.deal(who, p.stake);
            vm.prank(who);
            rounds.commit{value: p.stake}(id, 0, commitmentOf(id, 0, h, ONE, bytes32(i), who));
            models.revealFacts(m);
        }
        toResultPhase(id);
        doPost(id, 0, ONE);
        for (uint256 i = 0; i < 256; i++) {
            vm.prank(address(uint160(0x900000 + i)));
            rounds.reveal(id, 0, 3 + i + 1, ONE, bytes32(i), 0);
        }
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        uint256 g = vm.lastCallGas().gasTotalUsed;
        vm.snapshotValue("settle_worst_256_winners", g);
        vm.assertLe(g, 15_000_000, "worst-case settle under half of a 30M block");
        vm.assertEq(rounds.getTarget(id, 0).winners, 256, "256 winners");
        checkBooks(address(0));
    }

    function test_cancel_and_refundStake() public {
        uint256 id = open(params(address(token), 2));
        doCommit(alice, id, 0, HASH1, ONE);
        doCommit(bob, id, 0, HASH1, ONE);
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongStatus.selector, Rounds.Status.Open));
        vm.prank(alice);
        rounds.refundStake(id, 0);
        vm.warp(block.timestamp + 2 days - 1);
        vm.expectRevert(Rounds.ResultWindowOpen.selector);
        rounds.settle(id, 0);
        vm.warp(block.timestamp + 1);
        vm.expectEmit(true, true, false, true, address(rounds));
        emit Rounds.Cancelled(id, 0);
        rounds.settle(id, 0);
        vm.assertEq(uint256(rounds.getTarget(id, 0).status), uint256(Rounds.Status.Cancelled), "cancelled");
        vm.assertEq(rounds.balanceOf(address(token), sponsor), 10 ether, "reward back");
        vm.expectRevert(abi.encodeWithSelector(Rounds.WrongStatus.selector, Rounds.Status.Cancelled));
        rounds.settle(id, 0);
        vm.prank(alice);
        rounds.refundStake(id, 0);
        vm.assertEq(rounds.balanceOf(address(token), alice), 1 ether, "stake back");
        vm.prank(alice);
        vm.expectRevert(Rounds.NoCommitment.selector);
        rounds.refundStake(id, 0);
        vm.prank(carol);
        vm.expectRevert(Rounds.NoCommitment.selector);
        rounds.refundStake(id, 0);
        vm.prank(bob);
        rounds.refundStake(id, 0);
        rounds.settle(id, 1);
        vm.assertEq(rounds.escrowed(address(token)), 0, "escrow empty");
        checkBooks(address(token));
    }

    function test_settle_reverts_unknown() public {
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownRound.selector, 1));
        rounds.settle(1, 0);
        uint256 id = open(params(address(0), 1));
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownTarget.selector, id, 1));
        rounds.settle(id, 1);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownRound.selector, 5));
        rounds.refundStake(5, 0);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownRound.selector, 5));
        rounds.reveal(5, 0, 1, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownRound.selector, 5));
        rounds.getRound(5);
        vm.expectRevert(abi.encodeWithSelector(Rounds.UnknownTarget.selector, id, 3));
        rounds.getTarget(id, 3);
    }

    // ---- withdraw ----

    function test_withdraw() public {
        uint256 id = open(params(address(0), 1));
        uint256 tid = open(params(address(token), 1));
        doCommit(alice, id, 0, HASH2, ONE);
        doCommit(alice, tid, 0, HASH2, ONE);
        toResultPhase(id);
        doPost(id, 0, ONE);
        doPost(tid, 0, ONE);
        doReveal(alice, id, 0, model2, ONE);
        doReveal(alice, tid, 0, model2, ONE);
        toSettlePhase(id, 0);
        rounds.settle(id, 0);
        rounds.settle(tid, 0);
        vm.expectEmit(true, true, false, true, address(rounds));
        emit Rounds.Withdrawn(alice, address(0), 11 ether);
        vm.prank(alice);
        rounds.withdraw();
        vm.assertEq(alice.balance, 11 ether, "ETH paid");
        vm.prank(alice);
        rounds.withdraw(address(token));
        vm.assertEq(token.balanceOf(alice), 11 ether, "tokens paid");
        vm.assertEq(rounds.withdrawn(address(0)), 11 ether, "withdrawn");
        vm.prank(alice);
        vm.expectRevert(Rounds.NothingToWithdraw.selector);
        rounds.withdraw();
        checkBooks(address(0));
        checkBooks(address(token));
    }

    /// A receiver that re-enters withdraw from its receive function: the inner call is refused,
    /// so the transfer fails and the whole withdrawal reverts; the balance stays credited.
    function test_withdraw_reentrantReceiver() public {
        ReentrantReceiver rr = new ReentrantReceiver(IRoundsLike(address(rounds)));
        Rounds.RoundParams memory p = params(address(0), 1);
        vm.deal(address(rr), 10 ether);
        vm.prank(address(rr));
        uint256 id = rounds.openRound{value: 10 ether}(p);
        vm.warp(block.timestamp + 3 days);
        rounds.settle(id, 0); // cancelled: 10 ether credited to the receiver contract
        vm.expectRevert(Rounds.TransferFailed.selector);
        rr.pull();
        vm.assertEq(rounds.balanceOf(address(0), address(rr)), 10 ether, "still credited");
        vm.assertEq(address(rounds).balance, 10 ether, "still held");
        checkBooks(address(0));

        // a contract that takes no ETH cannot receive either, and keeps its credit
        Refuser ref = new Refuser();
        vm.deal(address(ref), 10 ether);
        vm.prank(address(ref));
        id = rounds.openRound{value: 10 ether}(params(address(0), 1));
        vm.warp(block.timestamp + 3 days);
        rounds.settle(id, 0);
        vm.expectRevert(Rounds.TransferFailed.selector);
        ref.pull(IRoundsLike(address(rounds)));
        vm.assertEq(rounds.balanceOf(address(0), address(ref)), 10 ether, "kept");
    }

    // ---- tolerance ----

    function test_withinTolerance() public view {
        vm.assertTrue(rounds.withinTolerance(ONE, ONE, 0), "equal, zero tolerance");
        vm.assertTrue(rounds.withinTolerance(ONE + 5, ONE, 5), "edge above");
        vm.assertTrue(rounds.withinTolerance(ONE - 5, ONE, 5), "edge below");
        vm.assertFalse(rounds.withinTolerance(ONE + 6, ONE, 5), "past above");
        vm.assertFalse(rounds.withinTolerance(-ONE, ONE, uint256(2 * ONE) - 1), "across zero");
        vm.assertTrue(rounds.withinTolerance(-ONE, ONE, uint256(2 * ONE)), "across zero, edge");
        vm.assertTrue(
            rounds.withinTolerance(type(int256).min, type(int256).max, type(uint256).max), "extremes, max tolerance"
        );
        vm.assertFalse(
            rounds.withinTolerance(type(int256).min, type(int256).max, type(uint256).max - 1), "extremes, less"
        );
    }

    function testFuzz_withinTolerance(int128 a, int128 b, uint128 tol) public view {
        int256 d = int256(a) - int256(b);
        uint256 ad = uint256(d < 0 ? -d : d);
        vm.assertEq(rounds.withinTolerance(a, b, tol), ad <= tol, "|a-b| <= tol");
    }

    function test_constants() public view {
        vm.assertEq(rounds.COMMIT_DOMAIN(), keccak256("xtalproof.prediction.v1"), "domain");
        vm.assertEq(rounds.MAX_COMMIT_PERIOD(), 365 * 86400, "commit period");
        vm.assertEq(rounds.MIN_RESULT_WINDOW(), 3600, "result window min");
        vm.assertEq(rounds.MAX_RESULT_WINDOW(), 365 * 86400, "result window max");
        vm.assertEq(rounds.MIN_REVEAL_WINDOW(), 3600, "reveal window min");
        vm.assertEq(rounds.MAX_REVEAL_WINDOW(), 30 * 86400, "reveal window max");
        vm.assertEq(rounds.MIN_TOLERANCE_Q(), 1, "tolerance min");
        vm.assertEq(rounds.MAX_TOLERANCE_Q(), 4294967296, "tolerance max: 65536.0");
        vm.assertEq(rounds.MAX_ROYALTY_BPS(), 5000, "royalty max");
        vm.assertEq(rounds.MIN_STAKE_DIVISOR(), 64, "stake divisor");
        vm.assertEq(address(rounds.models()), address(models), "models");
        vm.assertEq(address(rounds.provenance()), address(prov), "provenance");
    }
}
