// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DisputesFixture} from "./utils/DisputesFixture.sol";
import {Rounds} from "../src/Rounds.sol";
import {Disputes} from "../src/Disputes.sol";

/// The dispute game driven without openings: challenges, timeouts, concessions, closes, and what
/// Rounds pays for each.
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
        vm.assertEq(d.challenger, eve, "challenger");
        vm.assertEq(d.predictor, alice, "predictor");
        vm.assertEq(uint256(d.turn), uint256(Disputes.Turn.Defender), "defender first");
        vm.assertEq(uint256(d.outcome), uint256(Disputes.Outcome.Open), "open");
        vm.assertEq(d.deadline, t0 + 1 days, "deadline = now + moveWindow");
        vm.assertEq(d.moves, 1, "one move");
        vm.assertEq(d.structureRoot, sroot(0), "structureRoot of the target");
        vm.assertEq(d.weightsRoot, WROOT1, "weightsRoot of model1");
        vm.assertEq(d.traceRoot, keccak256("trace"), "traceRoot of the reveal");
        vm.assertEq(int256(d.valueQ), ONE, "valueQ of the reveal");
        vm.assertEq(d.claimIndex, type(uint256).max, "no claim index yet");
        vm.assertEq(d.claimHash, bytes32(0), "no claim hash yet");
        vm.assertEq(rounds.getTarget(rid, 0).disputesOpen, 1, "one open");
        vm.assertEq(address(rounds).balance, 10 ether + 3 ether + 2 ether, "reward, stakes, bond held");
        checkGameBooks(address(0));
    }
}
