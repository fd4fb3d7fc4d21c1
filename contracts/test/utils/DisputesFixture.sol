// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RoundsFixture} from "./RoundsFixture.sol";
import {MockToken} from "./Mocks.sol";
import {Rounds} from "../../src/Rounds.sol";
import {Disputes} from "../../src/Disputes.sol";

/// The round world of RoundsFixture with its Disputes, and helpers to reach a challengeable
/// reveal and to challenge it. Round parameters (RoundsFixture.params): stake 1 ether, bond
/// 2 ether, reward 10 ether per target, challenge window 2 days, move window 1 day.
abstract contract DisputesFixture is RoundsFixture {
    Disputes disputes;
    address eve = address(0xE7E); // a challenger
    address frank = address(0xF4A2); // another challenger

    function setUpGame() internal {
        setUpWorld();
        disputes = rounds.disputes();
    }

    /// A resulted round of one target (result ONE): alice reveals ONE (a winner), bob reveals
    /// ONE + 100 (a winner), carol reveals 5 ONE (outside the tolerance).
    function resultedRound(address tok) internal returns (uint256 id) {
        id = open(params(tok, 1));
        doCommit(alice, id, 0, HASH1, ONE);
        doCommit(bob, id, 0, HASH2, ONE + 100);
        doCommit(carol, id, 0, HASH1, 5 * ONE);
        toResultPhase(id);
        doPost(id, 0, ONE);
        doReveal(alice, id, 0, model1, ONE);
        doReveal(bob, id, 0, model2, ONE + 100);
        doReveal(carol, id, 0, model1, 5 * ONE);
    }

    /// `who` challenges reveal r of (roundId, t), paying the round's bond (minted or dealt).
    function doChallenge(address who, uint256 roundId, uint256 t, uint256 r) internal returns (uint256 id) {
        Rounds.Round memory rd = rounds.getRound(roundId);
        if (rd.token == address(0)) {
            vm.deal(who, rd.bond);
            vm.prank(who);
            id = disputes.challenge{value: rd.bond}(roundId, t, r);
        } else {
            MockToken(rd.token).mint(who, rd.bond);
            vm.prank(who);
            MockToken(rd.token).approve(address(rounds), rd.bond);
            vm.prank(who);
            id = disputes.challenge(roundId, t, r);
        }
    }

    function dispute(uint256 id) internal view returns (Disputes.Dispute memory) {
        return disputes.getDispute(id);
    }

    /// Past the deadline of dispute `id`'s current move.
    function pastDeadline(uint256 id) internal {
        vm.warp(uint256(dispute(id).deadline) + 1);
    }

    function held(address tok) internal view returns (uint256) {
        return tok == address(0) ? address(rounds).balance : MockToken(tok).balanceOf(address(rounds));
    }

    /// The books of Rounds: what it holds is escrowed + credited - withdrawn.
    function checkGameBooks(address tok) internal view {
        vm.assertEq(
            held(tok), rounds.escrowed(tok) + rounds.credited(tok) - rounds.withdrawn(tok), "held = escrowed + credited - withdrawn"
        );
    }
}
