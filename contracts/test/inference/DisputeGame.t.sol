// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RoundsFixture} from "../utils/RoundsFixture.sol";
import {VmVectors} from "./VmVectors.sol";
import {Disputes} from "../../src/Disputes.sol";
import {Rounds} from "../../src/Rounds.sol";
import {TraceLayout} from "../../src/inference/TraceLayout.sol";

interface VmState {
    function snapshotState() external returns (uint256);
    function revertToState(uint256 id) external returns (bool);
}

/// Whole dispute games over real traces, from tests/stepvec/gen_game_vectors (the C reference's
/// leaves, the node's StepVerifier calls and continuation rule), read from $STEPVEC_DIR/game:
/// - every lie of the generator (a bit of one leaf of each kind with every later step computed
///   from it, another model's trace, another crystal's, a wrong distance, a nearer neighbour
///   left out) loses against the honest challenger, in the moves the generator's own game took,
///   each move at most 5,000,000 gas; the liar's stake goes to the challenger;
/// - an honest trace survives every choice of the challenger at every level (every candidate of
///   every turn, each claim index played once), and the bond goes to the predictor;
/// - a revealed value the trace does not hold, and a made-up trace root, cannot be answered.
contract DisputeGameTest is RoundsFixture {
    VmVectors constant vmx = VmVectors(address(uint160(uint256(keccak256("hevm cheat code")))));
    VmState constant vms = VmState(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 constant TX_GAS_TARGET = 5_000_000;

    struct Step {
        uint256 index;
        int256 next; // the index the claim moves to after this step (-1: the turn ends)
        bool holds; // whether the step holds in the scenario's trace (the C check)
        int256 pend; // an edge's NBR[i], opened when the chain below its PN ends (-1: none)
        uint256[] cands; // the candidates the step adds to its turn (the C rule)
        bytes32[] candHashes; // their leaf hashes in the scenario's trace
        bool[] candWrong; // whether each differs from the honest trace's
    }

    struct Scenario {
        bytes32 structureRoot;
        bytes32 weightsRoot;
        bytes32 traceRoot;
        int256 valueQ;
        uint256 atoms;
        Step[] steps; // every index the generator's game visits (every index: honest scenarios)
        bytes witnessCall; // verifyNbr with a witness against the lying list, if the game ends so
        uint256 moves; // the moves of the game as the generator played it
    }

    struct Play {
        uint256 id;
        uint256 moves;
        uint256 maxTx;
        uint256 total;
        // the honest game's bookkeeping, in memory (revertToState takes storage back too)
        bool[] played; // claim indices already played
        uint256 turns;
    }

    Disputes disputes;
    uint256 modelId;
    bytes32 modelHash;
    string current; // the scenario whose calls are read

    function setUp() public {
        setUpWorld();
        disputes = rounds.disputes();
    }

    function dir() internal view returns (string memory) {
        return string.concat(vmx.envOr("STEPVEC_DIR", string("../build/stepvec")), "/game/");
    }

    function load(string memory name) internal returns (Scenario memory s, bool ok) {
        string memory path = string.concat(dir(), "game-", name, ".bin");
        if (!vmx.exists(path)) {
            vmx.skip(true);
            return (s, false);
        }
        s = abi.decode(vmx.readFileBinary(path), (Scenario));
        current = name;
        ok = true;
    }

    function outIndex(Scenario memory s) internal pure returns (uint256) {
        return TraceLayout.out(s.atoms);
    }

    /// The step of index x in the scenario (reverts when the game never visits it).
    function stepAt(Scenario memory s, uint256 x) internal pure returns (Step memory) {
        for (uint256 k = 0; k < s.steps.length; k++) {
            if (s.steps[k].index == x) return s.steps[k];
        }
        revert("the scenario has no call for a step of this game");
    }

    /// A round whose one target is the scenario's crystal, the model registered with its weights
    /// root, alice's prediction of the scenario's value revealed with its trace root and in the
    /// band (the result is that value); bob challenges it.
    function arrange(Scenario memory s, int256 revealed, bytes32 traceRoot) internal returns (uint256 roundId) {
        modelHash = keccak256(abi.encode("game model", s.weightsRoot));
        modelId = models.registerModel(modelHash, s.weightsRoot, "cgcnn-q16-v3", PROPERTY, "eV/atom", "", ids1(1));
        Rounds.RoundParams memory p = params(address(0), 1);
        p.structureRoots[0] = s.structureRoot;
        roundId = open(p);
        doCommit(alice, roundId, 0, modelHash, revealed);
        toResultPhase(roundId);
        doPost(roundId, 0, revealed);
        vm.prank(alice);
        rounds.reveal(roundId, 0, modelId, revealed, keccak256(abi.encode(alice, revealed)), traceRoot);
    }

    function challenge(uint256 roundId) internal returns (uint256 id) {
        uint256 bond = rounds.getRound(roundId).bond;
        vm.deal(bob, bond);
        vm.prank(bob);
        id = disputes.challenge{value: bond}(roundId, 0, 0);
    }

    // ---- gas ------------------------------------------------------------------------------------

    /// The nonzero bytes of b: per word, each byte folded onto its lowest bit, the bits summed.
    function nonzero(bytes memory b) internal pure returns (uint256 nz) {
        uint256 n = b.length;
        for (uint256 i = 0; i < n; i += 32) {
            uint256 w;
            assembly ("memory-safe") {
                w := mload(add(add(b, 32), i))
            }
            if (n - i < 32) w &= ~(type(uint256).max >> (8 * (n - i)));
            for (uint256 sh = 0; sh < 256 && w != 0; sh += 8) {
                if ((w >> sh) & 0xff != 0) nz++;
            }
        }
    }

    /// The last call as a transaction (Prague: 21,000 + max(4 tokens + execution, 10 tokens)).
    function lastTx(bytes memory data) internal view returns (uint256) {
        uint256 used = vm.lastCallGas().gasTotalUsed;
        uint256 tokens = data.length + 3 * nonzero(data);
        uint256 standard = 21_000 + 4 * tokens;
        uint256 exec = used >= standard ? used - standard : used; // isolated calls include the overhead
        uint256 a = 4 * tokens + exec;
        uint256 b = 10 * tokens;
        return 21_000 + (a > b ? a : b);
    }

    function count(Play memory pl, bytes memory data) internal view {
        uint256 g = lastTx(data);
        pl.moves++;
        pl.total += g;
        if (g > pl.maxTx) pl.maxTx = g;
    }

    // ---- the two sides --------------------------------------------------------------------------

    /// The defender's turn from `claim`: the calls of the claim and of every step the rule moves
    /// on to (as far as the generator's game went), in one transaction; returns the candidates the
    /// C rule gives, their hashes and whether each is wrong.
    function defend(Scenario memory s, Play memory pl, uint256 claim)
        internal
        returns (uint256[] memory ci, bytes32[] memory ch, bool[] memory cw)
    {
        uint256[] memory xs = new uint256[](16);
        uint256 nx;
        uint256 ncand;
        uint256 x = claim;
        int256 pend = -1;
        for (;;) {
            Step memory st = stepAt(s, x);
            xs[nx++] = x;
            ncand += st.cands.length;
            if (!st.holds) break;
            if (st.pend >= 0) pend = st.pend;
            if (st.next >= 0) {
                x = uint256(st.next);
            } else if (pend >= 0) {
                (x, pend) = (uint256(pend), -1);
            } else {
                break;
            }
        }
        assembly ("memory-safe") {
            mstore(xs, nx)
        }
        ci = new uint256[](ncand);
        ch = new bytes32[](ncand);
        cw = new bool[](ncand);
        uint256 k;
        for (uint256 q = 0; q < nx; q++) {
            Step memory st = stepAt(s, xs[q]);
            for (uint256 j = 0; j < st.cands.length; j++) {
                (ci[k], ch[k], cw[k]) = (st.cands[j], st.candHashes[j], st.candWrong[j]);
                k++;
            }
        }
        bool measured = pl.total != type(uint256).max;
        uint256 g = this.respondWith(pl.id, xs, measured);
        pl.moves++;
        if (measured) pl.total += g;
        if (g > pl.maxTx) pl.maxTx = g;
    }

    /// respond with the calls of indices xs, read from their files (in a frame of its own, so
    /// that their memory is gone after); returns the transaction's gas.
    function respondWith(uint256 id, uint256[] calldata xs, bool measured) external returns (uint256) {
        bytes[] memory calls = new bytes[](xs.length);
        for (uint256 q = 0; q < xs.length; q++) {
            calls[q] = vmx.readFileBinary(string.concat(dir(), "game-", current, "/", vmx.toString(xs[q]), ".bin"));
        }
        vm.prank(alice);
        disputes.respond(id, calls);
        return measured ? lastTx(abi.encodeCall(Disputes.respond, (id, calls))) : 0;
    }

    /// The honest challenger's choice (the generator's): a candidate whose leaf differs from the
    /// honest trace's; among messages the last (the lowest layer), else the first.
    function choose(Scenario memory s, uint256[] memory ci, bool[] memory cw) internal pure returns (uint256 best) {
        best = ci.length;
        for (uint256 k = 0; k < ci.length; k++) {
            if (!cw[k]) continue;
            bool msg_ = TraceLayout.locate(s.atoms, ci[k]).kind == TraceLayout.Kind.M;
            if (best == ci.length || msg_) best = k;
            if (!msg_) break;
        }
    }

    function pick(Play memory pl, uint256[] memory ci, bytes32[] memory ch, uint256 k) internal {
        vm.prank(bob);
        disputes.pick(pl.id, ci, ch, k);
        if (pl.total != type(uint256).max) count(pl, abi.encodeCall(Disputes.pick, (pl.id, ci, ch, k)));
    }

    /// The game of a lying trace with the honest challenger, to its end.
    function playLie(Scenario memory s, Play memory pl) internal {
        uint256 claim = outIndex(s); // the first turn opens OUT
        for (uint256 guard = 0; guard < 64; guard++) {
            (uint256[] memory ci, bytes32[] memory ch, bool[] memory cw) = defend(s, pl, claim);
            Disputes.Dispute memory d = disputes.getDispute(pl.id);
            if (d.outcome != Disputes.Outcome.Open) return;
            if (d.atNbr && s.witnessCall.length != 0 && d.nbrIndex == witnessIndex(s.witnessCall)) {
                // the lying list, which the rules could not show wrong: the nearer atom it left out
                vm.prank(bob);
                disputes.witness(pl.id, s.witnessCall);
                count(pl, abi.encodeCall(Disputes.witness, (pl.id, s.witnessCall)));
                return;
            }
            uint256 k = choose(s, ci, cw);
            require(k < ci.length, "the honest challenger has no move");
            pick(pl, ci, ch, k);
            claim = ci[k];
        }
        revert("the game did not end");
    }

    /// The index argument of a verifyNbr call (after the selector and the three roots).
    function witnessIndex(bytes memory data) internal pure returns (uint256 x) {
        assembly ("memory-safe") {
            x := mload(add(data, 132))
        }
    }

    // ---- lies -----------------------------------------------------------------------------------

    function lieNames() internal pure returns (string[15] memory n) {
        n = [
            "flip-out",
            "flip-pool",
            "flip-sum",
            "flip-x4",
            "flip-x2",
            "flip-x0",
            "flip-m3",
            "flip-m0",
            "flip-ps1",
            "flip-pn0",
            "flip-pn2",
            "model",
            "crystal",
            "dq",
            "drop"
        ];
    }

    function runLie(string memory name) external returns (uint256 moves, uint256 maxTx, uint256 total, uint256 atoms) {
        (Scenario memory s, bool ok) = load(name);
        if (!ok) return (0, 0, 0, 0);
        uint256 roundId = arrange(s, s.valueQ, s.traceRoot);
        Play memory pl;
        pl.id = challenge(roundId);
        pl.moves = 1;
        playLie(s, pl);
        Disputes.Dispute memory d = disputes.getDispute(pl.id);
        require(d.outcome == Disputes.Outcome.ChallengerWon, string.concat(name, ": the liar did not lose"));
        require(pl.moves == s.moves, string.concat(name, ": not the generator's number of moves"));
        require(pl.maxTx <= TX_GAS_TARGET, string.concat(name, ": a move above 5,000,000 gas"));
        // the liar's stake and the bond to the challenger; the prediction no longer wins
        Rounds.Round memory r = rounds.getRound(roundId);
        require(rounds.balanceOf(address(0), bob) == uint256(r.stake) + r.bond, "challenger not paid");
        require(rounds.revealAt(roundId, 0, 0).lost, "the reveal is not lost");
        require(rounds.getTarget(roundId, 0).winners == 0, "the liar still wins");
        return (pl.moves, pl.maxTx, pl.total, s.atoms);
    }

    function test_everyLieLoses() public {
        string[15] memory names = lieNames();
        string[2] memory sizes = ["n4-", "n210-"];
        for (uint256 z = 0; z < 2; z++) {
            for (uint256 k = 0; k < names.length; k++) {
                string memory name = string.concat(sizes[z], names[k]);
                if (!vmx.exists(string.concat(dir(), "game-", name, ".bin"))) continue;
                uint256 snap = vms.snapshotState();
                (uint256 moves, uint256 maxTx, uint256 total, uint256 atoms) = this.runLie(name);
                vms.revertToState(snap);
                emit log_named_string(
                    "game",
                    string.concat(
                        name,
                        ": atoms ",
                        vmx.toString(atoms),
                        ", moves ",
                        vmx.toString(moves),
                        ", max tx gas ",
                        vmx.toString(maxTx),
                        ", total ",
                        vmx.toString(total)
                    )
                );
            }
        }
    }

    event log_named_string(string key, string val);

    /// A refusal to answer: the defender lets its deadline pass, and loses.
    function test_refusalLoses() public {
        (Scenario memory s, bool ok) = load("n4-honest");
        if (!ok) return;
        uint256 roundId = arrange(s, s.valueQ, s.traceRoot);
        uint256 id = challenge(roundId);
        Disputes.Dispute memory d = disputes.getDispute(id);
        vm.warp(d.deadline + 1);
        disputes.timeout(id);
        d = disputes.getDispute(id);
        require(d.outcome == Disputes.Outcome.ChallengerWon, "a silent defender must lose");
    }

    /// A revealed value the trace does not hold: the head opening of the honest trace names
    /// another value, so no opening answers the challenge.
    function test_valueTheTraceDoesNotHold() public {
        (Scenario memory s, bool ok) = load("n4-honest");
        if (!ok) return;
        uint256 roundId = arrange(s, s.valueQ + 1, s.traceRoot);
        uint256 id = challenge(roundId);
        bytes[] memory calls = new bytes[](1);
        calls[0] = vmx.readFileBinary(string.concat(dir(), "game-n4-honest/", vmx.toString(outIndex(s)), ".bin"));
        vm.expectRevert(Disputes.WrongValue.selector);
        disputes.respond(id, calls);
    }

    /// A made-up trace root: no opening of the honest trace leads to it.
    function test_madeUpTraceRoot() public {
        (Scenario memory s, bool ok) = load("n4-honest");
        if (!ok) return;
        uint256 roundId = arrange(s, s.valueQ, keccak256("a root nobody computed"));
        uint256 id = challenge(roundId);
        bytes[] memory calls = new bytes[](1);
        calls[0] = vmx.readFileBinary(string.concat(dir(), "game-n4-honest/", vmx.toString(outIndex(s)), ".bin"));
        vm.expectRevert();
        disputes.respond(id, calls);
    }

    // ---- the honest trace against every choice --------------------------------------------------

    /// From `claim`, the defender's turn, then every candidate of it not yet played, each in its
    /// own branch of the state; a turn without candidates leaves the challenger without a move.
    function explore(Scenario memory s, Play memory pl, uint256 claim) internal {
        (uint256[] memory ci, bytes32[] memory ch, bool[] memory cw) = defend(s, pl, claim);
        pl.turns++;
        Disputes.Dispute memory d = disputes.getDispute(pl.id);
        require(d.outcome == Disputes.Outcome.Open, "an honest step did not hold");
        require(d.turn == Disputes.Turn.Challenger, "the turn did not pass");
        for (uint256 k = 0; k < ci.length; k++) {
            require(!cw[k], "a candidate that is not the honest leaf");
            if (pl.played[ci[k]]) continue;
            pl.played[ci[k]] = true;
            uint256 snap = vms.snapshotState();
            pick(pl, ci, ch, k);
            explore(s, pl, ci[k]);
            vms.revertToState(snap);
        }
        if (ci.length == 0) {
            // the bottom: the challenger cannot move; the defender claims
            uint256 snap = vms.snapshotState();
            vm.warp(d.deadline + 1);
            disputes.timeout(pl.id);
            require(disputes.getDispute(pl.id).outcome == Disputes.Outcome.DefenderWon, "the defender must win");
            vms.revertToState(snap);
        }
    }

    function honest(string memory name) internal {
        (Scenario memory s, bool ok) = load(name);
        if (!ok) return;
        uint256 roundId = arrange(s, s.valueQ, s.traceRoot);
        Play memory pl;
        pl.id = challenge(roundId);
        pl.total = type(uint256).max; // not measured: every branch of the game
        pl.played = new bool[](TraceLayout.size(s.atoms));
        explore(s, pl, outIndex(s));
        // every step of the trace was opened in some branch but the unreachable ones
        uint256 n = s.atoms;
        uint256 reach;
        for (uint256 k = 0; k < s.steps.length; k++) {
            if (pl.played[s.steps[k].index]) reach++;
        }
        emit log_named_string(
            "honest",
            string.concat(name, ": atoms ", vmx.toString(n), ", claims played ", vmx.toString(reach), ", turns ", vmx.toString(pl.turns))
        );
        // the whole game once more to its end: the bond goes to the predictor
        vm.warp(disputes.getDispute(pl.id).deadline + 1);
        disputes.timeout(pl.id);
        require(rounds.balanceOf(address(0), alice) == rounds.getRound(roundId).bond, "bond not paid to the predictor");
    }

    function test_honestN2EveryChoice() public {
        honest("n2-honest");
    }

    function test_honestN3EveryChoice() public {
        honest("n3-honest");
    }

    function test_honestN4EveryChoice() public {
        honest("n4-honest");
    }
}
