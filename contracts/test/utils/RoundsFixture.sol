// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base} from "./Base.sol";
import {MockToken} from "./Mocks.sol";
import {ProvenanceRegistry} from "../../src/ProvenanceRegistry.sol";
import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {OracleCommittee} from "../../src/OracleCommittee.sol";
import {Rounds} from "../../src/Rounds.sol";
import {StepVerifier} from "../../src/inference/StepVerifier.sol";

/// A deployed world for the round tests: two datasets with two owners, three models, a 2-of-3
/// committee, the Rounds contract and an ERC-20.
abstract contract RoundsFixture is Base {
    int256 constant ONE = 65536; // 1.0 in Q16.16
    bytes32 constant PROPERTY = "formation_energy";

    ProvenanceRegistry prov;
    ModelRegistry models;
    OracleCommittee committee;
    Rounds rounds;
    StepVerifier verifier;
    MockToken token;

    uint256[3] oracleKeys = [uint256(0x0A1), 0x0A2, 0x0A3];
    address sponsor = address(0x5905);
    address lab1 = address(0x1AB1);
    address lab2 = address(0x1AB2);
    address alice = address(0xA11CE);
    address bob = address(0xB0B);
    address carol = address(0xCA201);
    address dave = address(0xDA7E);

    uint256 model1; // trained on datasets 1 (lab1) and 2 (lab2)
    uint256 model2; // no training datasets
    uint256 modelOther; // another property
    bytes32 constant HASH1 = keccak256("model file 1");
    bytes32 constant HASH2 = keccak256("model file 2");
    bytes32 constant WROOT1 = keccak256("weights of model 1");
    bytes32 constant WROOT2 = keccak256("weights of model 2");

    function setUpWorld() internal {
        prov = new ProvenanceRegistry();
        models = new ModelRegistry(prov);
        address[] memory m = new address[](3);
        for (uint256 i = 0; i < 3; i++) m[i] = vm.addr(oracleKeys[i]);
        committee = new OracleCommittee(address(this), m, 2);
        verifier = new StepVerifier();
        rounds = new Rounds(models, verifier);
        token = new MockToken();
        vm.prank(lab1);
        prov.createDataset(keccak256("d1"), 1, 0, "");
        vm.prank(lab2);
        prov.createDataset(keccak256("d2"), 1, 0, "");
        uint256[] memory ds = new uint256[](2);
        (ds[0], ds[1]) = (1, 2);
        model1 = models.registerModel(HASH1, WROOT1, "cgcnn-q16-v3", PROPERTY, "eV/atom", "", ds);
        model2 = models.registerModel(HASH2, WROOT2, "cgcnn-q16-v3", PROPERTY, "eV/atom", "", new uint256[](0));
        modelOther = models.registerModel(
            keccak256("other"), keccak256("other weights"), "cgcnn-q16-v3", "band_gap", "eV", "", new uint256[](0)
        );
        vm.warp(1_800_000_000);
    }

    function sym(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("target", i));
    }

    /// The structureRoot of target i (any nonzero word: Rounds stores and publishes it).
    function sroot(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("structure root", i));
    }

    function params(address tok, uint256 nTargets) internal view returns (Rounds.RoundParams memory p) {
        bytes32[] memory t = new bytes32[](nTargets);
        bytes32[] memory roots = new bytes32[](nTargets);
        for (uint256 i = 0; i < nTargets; i++) (t[i], roots[i]) = (sym(i), sroot(i));
        p = Rounds.RoundParams({
            token: tok,
            property: PROPERTY,
            targets: t,
            structureRoots: roots,
            commitDeadline: uint64(block.timestamp + 1 days),
            resultWindow: 1 days,
            revealWindow: 1 days,
            toleranceQ: uint128(uint256(ONE / 10)),
            stake: 1 ether,
            rewardPerTarget: 10 ether,
            committee: committee,
            royaltyBps: 1000,
            challengeWindow: 2 days,
            moveWindow: 1 days,
            bond: 2 ether
        });
    }

    function open(Rounds.RoundParams memory p) internal returns (uint256 id) {
        uint256 total = uint256(p.rewardPerTarget) * p.targets.length;
        if (p.token == address(0)) {
            vm.deal(sponsor, total);
            vm.prank(sponsor);
            id = rounds.openRound{value: total}(p);
        } else {
            MockToken(p.token).mint(sponsor, total);
            vm.prank(sponsor);
            MockToken(p.token).approve(address(rounds), total);
            vm.prank(sponsor);
            id = rounds.openRound(p);
        }
    }

    /// The commitment of docs/formats.md, written out here, not taken from the contract.
    function commitmentOf(uint256 roundId, uint256 t, bytes32 modelHash, int256 v, bytes32 salt, address who)
        internal
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                keccak256("xtalproof.prediction.v1"), block.chainid, address(rounds), roundId, sym(t), modelHash, v, salt, who
            )
        );
    }

    function doCommit(address who, uint256 roundId, uint256 t, bytes32 modelHash, int256 v) internal {
        Rounds.Round memory r = rounds.getRound(roundId);
        bytes32 c = commitmentOf(roundId, t, modelHash, v, keccak256(abi.encode(who, v)), who);
        if (r.token == address(0)) {
            vm.deal(who, r.stake);
            vm.prank(who);
            rounds.commit{value: r.stake}(roundId, t, c);
        } else {
            MockToken(r.token).mint(who, r.stake);
            vm.prank(who);
            MockToken(r.token).approve(address(rounds), r.stake);
            vm.prank(who);
            rounds.commit(roundId, t, c);
        }
    }

    function doReveal(address who, uint256 roundId, uint256 t, uint256 modelId, int256 v) internal {
        vm.prank(who);
        rounds.reveal(roundId, t, modelId, v, keccak256(abi.encode(who, v)), keccak256("trace"));
    }

    function report(uint256 roundId, uint256 t, int256 value) internal pure returns (OracleCommittee.Report memory) {
        return OracleCommittee.Report({
            round: roundId,
            symhash: sym(t),
            property: PROPERTY,
            value: value,
            uncertainty: 655,
            rawDataHash: keccak256("raw"),
            facility: "ESRF-ID22",
            measuredAt: 1_700_000_000
        });
    }

    function signReport(OracleCommittee.Report memory rep, uint256 a, uint256 b)
        internal
        view
        returns (bytes[] memory s)
    {
        bytes32 d = committee.hashReport(rep);
        s = new bytes[](2);
        s[0] = sig(oracleKeys[a], d);
        s[1] = sig(oracleKeys[b], d);
    }

    function doPost(uint256 roundId, uint256 t, int256 value) internal {
        OracleCommittee.Report memory rep = report(roundId, t, value);
        rounds.postResult(roundId, t, rep, signReport(rep, 0, 1));
    }

    function toResultPhase(uint256 roundId) internal {
        uint64 cd = rounds.getRound(roundId).commitDeadline;
        if (block.timestamp < cd) vm.warp(cd);
    }

    /// The end of the challenge window (revealDeadline + challengeWindow): settle may run.
    function toSettlePhase(uint256 roundId, uint256 t) internal {
        vm.warp(rounds.getTarget(roundId, t).revealDeadline + rounds.getRound(roundId).challengeWindow);
    }
}
