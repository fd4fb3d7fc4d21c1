// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RoundsFixture} from "./utils/RoundsFixture.sol";
import {RefTree} from "./utils/RefTree.sol";
import {Vm} from "./utils/Base.sol";
import {MerkleProofs} from "../src/MerkleProofs.sol";
import {OracleCommittee} from "../src/OracleCommittee.sol";
import {Rounds} from "../src/Rounds.sol";

/// Gas of the operations the issue sets targets for, measured on cold storage (vm.cool before
/// each call, as in a fresh transaction) with forge's lastCallGas: the gas of the call itself.
/// A transaction adds 21,000 and its calldata; that total is recorded as "<name>.tx".
/// The figures go to snapshots/GasTest.json (committed) and each is checked against its target.
contract GasTest is RoundsFixture, RefTree {
    uint256 constant COMMIT_MAX = 60_000;
    /// reveal stores the traceRoot and the valueQ for the dispute game: two new words (2 x 22,100)
    /// over the 60,000 of before.
    uint256 constant REVEAL_MAX = 110_000;
    uint256 constant POST_RESULT_MAX = 120_000;
    uint256 constant SETTLE_PER_WINNER_MAX = 40_000;
    uint256 constant EXTEND_MAX = 80_000;
    uint256 constant INCLUSION_MAX = 30_000;
    /// Rounds that cannot be gamed (forfeits, bounds, models bound before the commit) may cost at
    /// most 10 % more than the rounds before it: commit 40,984, reveal 51,882, settle per winner
    /// 36,135 call gas.
    uint256 constant COMMIT_BEFORE = 40_984;
    /// 51,882 before the dispute game, plus its two stored words (2 x 22,100).
    uint256 constant REVEAL_BEFORE = 51_882 + 44_200;
    uint256 constant SETTLE_PER_WINNER_BEFORE = 36_135;

    function setUp() public {
        setUpWorld();
    }

    function coolAll() internal {
        vm.cool(address(rounds));
        vm.cool(address(models));
        vm.cool(address(prov));
        vm.cool(address(committee));
    }

    /// 21,000 + 4 per zero byte and 16 per other byte of calldata (EIP-2028; below the EIP-7623
    /// floor for these calls).
    function txOverhead(bytes memory data) internal pure returns (uint256 g) {
        g = 21_000;
        for (uint256 i = 0; i < data.length; i++) g += data[i] == 0 ? 4 : 16;
    }

    /// forge --gas-report (and --isolate) runs each non-view call of a test as its own
    /// transaction, and lastCallGas then includes the 21,000 and the calldata: a small call tells.
    function isolated() internal returns (bool) {
        token.approve(address(this), 0);
        return callGas() >= 21_000;
    }

    /// Records the call gas (the transaction's overhead taken out when isolated) and checks it.
    function record(string memory name, uint256 gas, bytes memory data, uint256 max) internal {
        if (isolated()) gas -= txOverhead(data);
        vm.snapshotValue(name, gas);
        vm.snapshotValue(string.concat(name, ".tx"), gas + txOverhead(data));
        vm.assertLe(gas, max, name);
    }

    /// A view call is never isolated: its gas is the call's.
    function recordView(string memory name, uint256 gas, bytes memory data, uint256 max) internal {
        vm.snapshotValue(name, gas);
        vm.snapshotValue(string.concat(name, ".tx"), gas + txOverhead(data));
        vm.assertLe(gas, max, name);
    }

    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function callGas() internal view returns (uint256) {
        return vm.lastCallGas().gasTotalUsed;
    }

    function test_gas_roundFlow() public {
        uint256 id = open(params(address(0), 1));
        // a warm-up commitment by someone else, so the escrow counter is not new
        doCommit(bob, id, 0, HASH1, ONE);

        bytes32 salt = keccak256(abi.encode(alice, ONE));
        bytes32 c = commitmentOf(id, 0, HASH1, ONE, salt, alice);
        vm.deal(alice, 1 ether);
        coolAll();
        vm.prank(alice);
        rounds.commit{value: 1 ether}(id, 0, c);
        record("commit", callGas(), abi.encodeCall(Rounds.commit, (id, 0, c)), min(COMMIT_MAX, COMMIT_BEFORE * 11 / 10));

        toResultPhase(id);
        OracleCommittee.Report memory rep = report(id, 0, ONE);
        bytes[] memory s = signReport(rep, 0, 2);
        coolAll();
        rounds.postResult(id, 0, rep, s);
        record("postResult_2of3", callGas(), abi.encodeCall(Rounds.postResult, (id, 0, rep, s)), POST_RESULT_MAX);

        coolAll();
        vm.prank(alice);
        rounds.reveal(id, 0, model1, ONE, salt, keccak256("trace"));
        record(
            "reveal",
            callGas(),
            abi.encodeCall(Rounds.reveal, (id, 0, model1, ONE, salt, keccak256("trace"))),
            min(REVEAL_MAX, REVEAL_BEFORE * 11 / 10)
        );
    }

    /// settle with W winners (model1: two training datasets, 10% royalty), each a fresh address
    /// with no balance yet, one revealed loser and one unrevealed commitment.
    function settleGas(uint256 w) internal returns (uint256) {
        uint256 id = open(params(address(0), 1));
        for (uint256 i = 0; i < w; i++) doCommit(address(uint160(0x7000 + i)), id, 0, HASH1, ONE);
        doCommit(carol, id, 0, HASH1, 9 * ONE);
        doCommit(dave, id, 0, HASH1, ONE);
        toResultPhase(id);
        doPost(id, 0, ONE);
        for (uint256 i = 0; i < w; i++) doReveal(address(uint160(0x7000 + i)), id, 0, model1, ONE);
        doReveal(carol, id, 0, model1, 9 * ONE);
        toSettlePhase(id, 0);
        coolAll();
        rounds.settle(id, 0);
        return callGas();
    }

    function test_gas_settle() public {
        uint256 w = 10;
        uint256 g = settleGas(w);
        uint256 overhead = txOverhead(abi.encodeCall(Rounds.settle, (1, 0)));
        if (isolated()) g -= overhead;
        vm.snapshotValue("settle_10_winners", g);
        vm.snapshotValue("settle_per_winner", g / w);
        vm.snapshotValue("settle_per_winner.tx", (g + overhead) / w);
        vm.assertLe(g / w, SETTLE_PER_WINNER_MAX, "settle per winner");
        vm.assertLe(g / w, SETTLE_PER_WINNER_BEFORE * 11 / 10, "settle per winner: within 10 % of before");
    }

    function test_gas_settle_oneWinner() public {
        uint256 g = settleGas(1);
        if (isolated()) g -= txOverhead(abi.encodeCall(Rounds.settle, (1, 0)));
        vm.snapshotValue("settle_1_winner", g);
    }

    function test_gas_extendDataset_20steps() public {
        uint256 m = 524_290;
        uint256 n = 1 << 20;
        bytes32 leaf = MerkleProofs.hashLeaf("record");
        bytes32[] memory proof = subproofU(leaf, m, n, true);
        vm.assertEq(proof.length, 20, "a 20-step proof");
        vm.prank(lab1);
        uint256 id = prov.createDataset(mthU(leaf, m), uint64(m), 0, "");
        bytes32 root = mthU(leaf, n);
        coolAll();
        vm.prank(lab1);
        prov.extendDataset(id, root, uint64(n), proof);
        record(
            "extendDataset_20steps",
            callGas(),
            abi.encodeWithSignature("extendDataset(uint256,bytes32,uint64,bytes32[])", id, root, uint64(n), proof),
            EXTEND_MAX
        );
        (, bytes32 latestRoot,) = prov.latest(id);
        vm.assertEq(latestRoot, root, "extended");
    }

    function test_gas_verifyInclusion_20steps() public {
        uint256 n = 1 << 20;
        uint256 index = 777_777;
        bytes32 leaf = MerkleProofs.hashLeaf("record");
        bytes32[] memory proof = pathU(leaf, index, n);
        vm.assertEq(proof.length, 20, "a 20-step path");
        vm.prank(lab1);
        uint256 id = prov.createDataset(mthU(leaf, n), uint64(n), 0, "");
        coolAll();
        bool ok = prov.verifyInclusion(id, 0, leaf, index, proof);
        uint256 g = callGas();
        vm.assertTrue(ok, "included");
        recordView(
            "verifyInclusion_20steps",
            g,
            abi.encodeWithSignature(
                "verifyInclusion(uint256,uint256,bytes32,uint256,bytes32[])", id, 0, leaf, index, proof
            ),
            INCLUSION_MAX
        );
    }
}
