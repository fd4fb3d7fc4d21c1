// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Rounds} from "./Rounds.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {StepVerifier} from "./inference/StepVerifier.sol";
import {StepCompute} from "./inference/StepCompute.sol";
import {TraceLayout} from "./inference/TraceLayout.sol";
import {Leaves} from "./inference/Leaves.sol";
import {LeafHash} from "xtalproof-evm/LeafHash.sol";

/// @title Disputes
/// @notice The dispute game of a revealed prediction (docs/contracts.md, "Disputes"). A challenger
/// posts the round's bond against one reveal; the defender (the predictor, or anyone on its behalf)
/// opens the disputed trace leaf's step with a StepVerifier call, and the contract recomputes it: a
/// step that does not hold ends the game against the defender; one that holds moves the claim down
/// the dependency graph of the inference (the continuation rule, below), until the defender's turn
/// ends on a set of candidate inputs, of which the challenger picks the one it disputes. At the
/// bottom the inputs are leaves of the crystal's structureRoot and the model's weightsRoot, which
/// the verifier opens itself, so the descent ends. Every move has a deadline; the party that lets
/// it pass loses. The outcome goes to Rounds (closeDispute), which pays the bond or the stake.
///
/// Created by Rounds' constructor (one Disputes per Rounds); ids count from 1 across all rounds.
contract Disputes {
    enum Turn {
        Defender,
        Challenger
    }

    enum Outcome {
        Open,
        DefenderWon,
        ChallengerWon,
        Moot
    }

    enum Reason {
        None,
        StepFalse,
        WitnessShown,
        Timeout,
        Conceded,
        RevealLostElsewhere
    }

    struct Dispute {
        uint64 roundId;
        uint16 targetIndex;
        uint16 revealIndex;
        address challenger;
        address predictor;
        Turn turn;
        Outcome outcome;
        Reason reason;
        uint64 deadline;
        uint32 moves;
        uint32 atoms; // n, from the first opening's cell leaf (0 before)
        bytes32 structureRoot;
        bytes32 weightsRoot;
        bytes32 traceRoot;
        int128 valueQ;
        uint256 claimIndex; // the trace index in dispute; NO_CLAIM before the first opening
        bytes32 claimHash; // its leaf hash; 0 before the first opening
        bytes32 candidates; // running hash of this turn's candidates
        uint32 candidateCount;
        bool atNbr; // the last opened step was nbr: the challenger may show a witness
        uint256 nbrIndex;
        bytes32 nbrHash;
        uint256 pendIndex; // an edge's NBR[i], opened when the chain below its PN ends
        bytes32 pendHash; // its leaf hash; 0: none
    }

    /// What a StepVerifier call gives the game: its roots, output index, cell and output leaves,
    /// its trace inputs in the verifier's argument order, and the rule that continues from them.
    struct Step {
        StepVerifier.Roots roots;
        uint256 index;
        bytes cell;
        bytes output;
        bytes[] inputs;
        Rule rule;
        bool witness; // verifyNbr: wit.present
    }

    /// The continuation rule of a step that holds.
    enum Rule {
        Move, // the claim moves to inputs[0], inputs[1..] become candidates, the defender continues
        Edge, // (NBR, PS, PN): the claim moves to PN, NBR is opened after its chain, PS is a candidate
        Candidates, // every input becomes a candidate, the turn ends
        End, // no trace input: the turn ends
        Nbr // the turn ends; the challenger may show a witness
    }

    uint256 internal constant NO_CLAIM = type(uint256).max;
    uint256 internal constant OUT_LEN = 9;

    Rounds public immutable rounds;
    ModelRegistry public immutable models;
    StepVerifier public immutable verifier;

    uint256 public disputeCount;
    mapping(uint256 id => Dispute) internal _disputes;
    mapping(uint256 id => uint32) internal _moveWindow;

    event Challenged(
        uint256 indexed id,
        uint256 indexed roundId,
        uint256 indexed targetIndex,
        uint256 revealIndex,
        address challenger,
        address predictor,
        uint256 bond,
        uint64 deadline
    );
    event StepOpened(uint256 indexed id, uint256 index, uint8 kind, bool holds);
    event Candidates(uint256 indexed id, uint256[] indices, bytes32[] hashes);
    event NbrOpened(uint256 indexed id, uint256 index, bytes leaf);
    event TurnEnded(uint256 indexed id, uint32 candidates, uint64 deadline);
    event Picked(uint256 indexed id, uint256 index, bytes32 leafHash, uint64 deadline);
    event Resolved(uint256 indexed id, Outcome outcome, Reason reason);

    error UnknownDispute(uint256 id);
    error NotOpen(Outcome outcome);
    error NotYourTurn(Turn turn);
    error DeadlinePassed(uint64 deadline);
    error DeadlineNotPassed(uint64 deadline);
    error NotChallenger();
    error NotAParty();
    error NoCalls();
    error TurnOver(uint256 call);
    error UnknownStep(bytes4 selector);
    error WrongClaim();
    error WrongValue();
    error WitnessPresent();
    error NoWitness();
    error NotAtNbr();
    error WrongCandidates();
    error PickOutOfRange(uint256 k, uint256 count);
    error NothingShown();
    error RevealNotLost();

    constructor(Rounds rounds_, ModelRegistry models_, StepVerifier verifier_) {
        rounds = rounds_;
        models = models_;
        verifier = verifier_;
    }

    // ---- opening ----------------------------------------------------------------------------------

    /// @notice Challenges reveal `revealIndex` of a target with the round's bond (ETH as msg.value,
    /// or the round's token, which the challenger approves to Rounds). Rounds checks the window and
    /// the reveal (openDispute). The defender moves first: it must open OUT by verifyHead.
    function challenge(uint256 roundId, uint256 targetIndex, uint256 revealIndex)
        external
        payable
        returns (uint256 id)
    {
        Rounds.DisputeFacts memory f =
            rounds.openDispute{value: msg.value}(roundId, targetIndex, revealIndex, msg.sender);
        id = ++disputeCount;
        Dispute storage d = _disputes[id];
        // openDispute accepted the indices: below 2^64, 64 and 256 (targetIndex, revealIndex)
        d.roundId = uint64(roundId);
        d.targetIndex = uint16(targetIndex);
        d.revealIndex = uint16(revealIndex);
        d.challenger = msg.sender;
        d.predictor = f.predictor;
        uint64 deadline = uint64(block.timestamp + f.moveWindow);
        d.deadline = deadline;
        d.moves = 1;
        d.structureRoot = f.structureRoot;
        d.weightsRoot = models.getModel(f.modelId).weightsRoot;
        d.traceRoot = f.traceRoot;
        d.valueQ = f.valueQ;
        d.claimIndex = NO_CLAIM;
        _moveWindow[id] = f.moveWindow;
        emit Challenged(id, roundId, targetIndex, revealIndex, msg.sender, f.predictor, f.bond, deadline);
    }

    // ---- the defender -----------------------------------------------------------------------------

    /// @notice Opens steps of the defender's turn: each call is the complete calldata of one
    /// StepVerifier function, processed in order (docs/contracts.md, "Disputes"). Anyone may send
    /// them. A turn may span several transactions; a call after the turn ended is refused.
    function respond(uint256 id, bytes[] calldata calls) external {
        Dispute storage d = _live(id);
        if (d.turn != Turn.Defender) revert NotYourTurn(d.turn);
        if (calls.length == 0) revert NoCalls();
        for (uint256 k = 0; k < calls.length; k++) {
            if (d.turn != Turn.Defender || d.outcome != Outcome.Open) revert TurnOver(k);
            _respond(id, d, calls[k]);
        }
    }

    function _respond(uint256 id, Dispute storage d, bytes calldata call) internal {
        Step memory s = _decode(call);
        if (s.witness) revert WitnessPresent();
        _sameRoots(d, s.roots);
        uint256 n = _atoms(s.cell);
        if (d.claimIndex == NO_CLAIM) {
            // the first opening: OUT, by verifyHead, holding the revealed value
            if (bytes4(call[:4]) != StepVerifier.verifyHead.selector) revert WrongClaim();
            TraceLayout.checkAtoms(n);
            if (s.index != TraceLayout.size(n) - 1) revert WrongClaim();
            if (s.output.length != OUT_LEN || uint8(s.output[0]) != Leaves.OUT_TAG) revert WrongValue();
            if (_i32(s.output, 5) != d.valueQ) revert WrongValue();
            d.atoms = uint32(n);
        } else {
            if (n != d.atoms || s.index != d.claimIndex) revert WrongClaim();
            if (LeafHash.hashMemory(s.output) != d.claimHash) revert WrongClaim();
        }
        bool holds = _verify(call);
        emit StepOpened(id, s.index, uint8(TraceLayout.locate(n, s.index).kind), holds);
        if (!holds) return _resolve(id, d, Outcome.ChallengerWon, Reason.StepFalse);
        _continue(id, d, s, n);
    }

    /// The continuation rule (docs/contracts.md, "Disputes"): where the claim goes after a step
    /// that holds, which inputs become candidates, and whether the turn ends.
    function _continue(uint256 id, Dispute storage d, Step memory s, uint256 n) internal {
        uint256 first = 0;
        if (s.rule == Rule.Move) {
            d.claimIndex = TraceLayout.indexOfLeaf(n, s.inputs[0]);
            d.claimHash = LeafHash.hashMemory(s.inputs[0]);
            first = 1;
        } else if (s.rule == Rule.Edge) {
            // PN[l][j] now, NBR[i] when X[l][j]'s chain ends; PS[l][i] is the challenger's
            d.claimIndex = TraceLayout.indexOfLeaf(n, s.inputs[2]);
            d.claimHash = LeafHash.hashMemory(s.inputs[2]);
            d.pendIndex = TraceLayout.indexOfLeaf(n, s.inputs[0]);
            d.pendHash = LeafHash.hashMemory(s.inputs[0]);
            bytes[] memory ps = new bytes[](1);
            ps[0] = s.inputs[1];
            _addCandidates(id, d, ps, 0, n);
            return; // the defender continues
        }
        if (s.inputs.length > first) _addCandidates(id, d, s.inputs, first, n);
        if (s.rule == Rule.Move) return; // the defender continues
        if (s.rule == Rule.Nbr) {
            d.atNbr = true;
            d.nbrIndex = s.index;
            d.nbrHash = LeafHash.hashMemory(s.output);
            emit NbrOpened(id, s.index, s.output);
        }
        if (d.pendHash != bytes32(0)) {
            // the chain below an edge's PN ended: its NBR[i] is next, in the same turn
            (d.claimIndex, d.claimHash) = (d.pendIndex, d.pendHash);
            (d.pendIndex, d.pendHash) = (0, bytes32(0));
            return;
        }
        d.turn = Turn.Challenger;
        uint64 deadline = uint64(block.timestamp + _moveWindow[id]);
        d.deadline = deadline;
        d.moves += 1;
        emit TurnEnded(id, d.candidateCount, deadline);
    }

    function _addCandidates(uint256 id, Dispute storage d, bytes[] memory inputs, uint256 first, uint256 n)
        internal
    {
        uint256 count = inputs.length - first;
        uint256[] memory indices = new uint256[](count);
        bytes32[] memory hashes = new bytes32[](count);
        bytes32 acc = d.candidates;
        for (uint256 c = 0; c < count; c++) {
            bytes memory leaf = inputs[first + c];
            indices[c] = TraceLayout.indexOfLeaf(n, leaf);
            hashes[c] = LeafHash.hashMemory(leaf);
            acc = keccak256(abi.encode(acc, indices[c], hashes[c]));
        }
        d.candidates = acc;
        d.candidateCount += uint32(count);
        emit Candidates(id, indices, hashes);
    }

    // ---- the challenger ---------------------------------------------------------------------------

    /// @notice Picks candidate k of the defender's last turn as the claim the defender must open
    /// next. indices and hashes must be the turn's candidates, in order (from the Candidates events).
    function pick(uint256 id, uint256[] calldata indices, bytes32[] calldata hashes, uint256 k) external {
        Dispute storage d = _challengersTurn(id);
        uint256 count = indices.length;
        if (hashes.length != count || count != d.candidateCount) revert WrongCandidates();
        bytes32 acc = 0;
        for (uint256 c = 0; c < count; c++) {
            acc = keccak256(abi.encode(acc, indices[c], hashes[c]));
        }
        if (acc != d.candidates) revert WrongCandidates();
        if (k >= count) revert PickOutOfRange(k, count);
        d.claimIndex = indices[k];
        d.claimHash = hashes[k];
        d.turn = Turn.Defender;
        uint64 deadline = uint64(block.timestamp + _moveWindow[id]);
        d.deadline = deadline;
        d.moves += 1;
        d.candidates = 0;
        d.candidateCount = 0;
        d.atNbr = false;
        emit Picked(id, indices[k], hashes[k], deadline);
    }

    /// @notice After the defender opened an nbr step that holds by itself: a verifyNbr call of the
    /// same NBR leaf with a witness (a nearer atom image the list misses). The list shown wrong
    /// ends the game for the challenger; a witness that shows nothing reverts (NothingShown).
    function witness(uint256 id, bytes calldata call) external {
        Dispute storage d = _challengersTurn(id);
        if (!d.atNbr) revert NotAtNbr();
        if (bytes4(call[:4]) != StepVerifier.verifyNbr.selector) revert UnknownStep(bytes4(call[:4]));
        Step memory s = _decode(call);
        if (!s.witness) revert NoWitness();
        _sameRoots(d, s.roots);
        if (s.index != d.nbrIndex || LeafHash.hashMemory(s.output) != d.nbrHash) revert WrongClaim();
        if (_verify(call)) revert NothingShown();
        _resolve(id, d, Outcome.ChallengerWon, Reason.WitnessShown);
    }

    // ---- endings ----------------------------------------------------------------------------------

    /// @notice After the deadline, the party whose move it is loses.
    function timeout(uint256 id) external {
        Dispute storage d = _disputeOpen(id);
        if (block.timestamp <= d.deadline) revert DeadlineNotPassed(d.deadline);
        _resolve(id, d, d.turn == Turn.Defender ? Outcome.ChallengerWon : Outcome.DefenderWon, Reason.Timeout);
    }

    /// @notice The challenger gives up (the defender wins), or the predictor does (the challenger wins).
    function concede(uint256 id) external {
        Dispute storage d = _disputeOpen(id);
        Outcome o;
        if (msg.sender == d.challenger) o = Outcome.DefenderWon;
        else if (msg.sender == d.predictor) o = Outcome.ChallengerWon;
        else revert NotAParty();
        _resolve(id, d, o, Reason.Conceded);
    }

    /// @notice Ends an open dispute of a reveal already lost in another dispute: the bond goes back
    /// to the challenger (Moot). Anyone may call it.
    function close(uint256 id) external {
        Dispute storage d = _disputeOpen(id);
        if (!rounds.revealAt(d.roundId, d.targetIndex, d.revealIndex).lost) revert RevealNotLost();
        _resolve(id, d, Outcome.Moot, Reason.RevealLostElsewhere);
    }

    /// Every ending passes here once: the outcome is stored before Rounds is called.
    function _resolve(uint256 id, Dispute storage d, Outcome o, Reason r) internal {
        d.outcome = o;
        d.reason = r;
        emit Resolved(id, o, r);
        rounds.closeDispute(d.roundId, d.targetIndex, d.revealIndex, d.challenger, o != Outcome.DefenderWon);
    }

    // ---- views ------------------------------------------------------------------------------------

    function getDispute(uint256 id) external view returns (Dispute memory) {
        return _dispute(id);
    }

    // ---- internals --------------------------------------------------------------------------------

    function _dispute(uint256 id) internal view returns (Dispute storage d) {
        if (id == 0 || id > disputeCount) revert UnknownDispute(id);
        return _disputes[id];
    }

    function _disputeOpen(uint256 id) internal view returns (Dispute storage d) {
        d = _dispute(id);
        if (d.outcome != Outcome.Open) revert NotOpen(d.outcome);
    }

    /// An open dispute whose move deadline has not passed.
    function _live(uint256 id) internal view returns (Dispute storage d) {
        d = _disputeOpen(id);
        if (block.timestamp > d.deadline) revert DeadlinePassed(d.deadline);
    }

    function _challengersTurn(uint256 id) internal view returns (Dispute storage d) {
        d = _live(id);
        if (msg.sender != d.challenger) revert NotChallenger();
        if (d.turn != Turn.Challenger) revert NotYourTurn(d.turn);
    }

    function _sameRoots(Dispute storage d, StepVerifier.Roots memory r) internal view {
        if (r.structureRoot != d.structureRoot || r.weightsRoot != d.weightsRoot || r.traceRoot != d.traceRoot) {
            revert WrongClaim();
        }
    }

    /// n of a cell leaf (u32 at byte 1); the verifier checks the leaf against structureRoot.
    function _atoms(bytes memory cell) internal pure returns (uint256 n) {
        if (cell.length != Leaves.CELL_LEN) revert WrongClaim();
        assembly ("memory-safe") {
            n := shr(224, mload(add(cell, 33)))
        }
    }

    function _i32(bytes memory b, uint256 off) internal pure returns (int256 v) {
        assembly ("memory-safe") {
            v := signextend(3, shr(224, mload(add(add(b, 32), off))))
        }
    }

    /// The verifier's answer to `call`; a revert is passed up (the move proves nothing).
    function _verify(bytes calldata call) internal view returns (bool) {
        (bool ok, bytes memory ret) = address(verifier).staticcall(call);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        return abi.decode(ret, (bool));
    }

    // ---- decoding the verifier's calls, by selector ----------------------------------------------

    function _decode(bytes calldata call) internal pure returns (Step memory s) {
        if (call.length < 4) revert UnknownStep(bytes4(0));
        bytes4 sel = bytes4(call[:4]);
        bytes calldata a = call[4:];
        if (sel == StepVerifier.verifyHead.selector || sel == StepVerifier.verifyMean.selector) {
            s = _decodeChain(a, sel == StepVerifier.verifyHead.selector);
        } else if (sel == StepVerifier.verifyProjection.selector) {
            s = _decodeProjection(a);
        } else if (sel == StepVerifier.verifyUpdate.selector) {
            s = _decodeUpdate(a);
        } else if (sel == StepVerifier.verifySum.selector) {
            s = _decodeSum(a);
        } else if (sel == StepVerifier.verifyEdge.selector) {
            s = _decodeEdge(a);
        } else if (sel == StepVerifier.verifyEmbed.selector) {
            s = _decodeEmbed(a);
        } else if (sel == StepVerifier.verifyNbr.selector) {
            s = _decodeNbr(a);
        } else {
            revert UnknownStep(sel);
        }
    }

    function _one(bytes memory leaf) internal pure returns (bytes[] memory inputs) {
        inputs = new bytes[](1);
        inputs[0] = leaf;
    }

    /// verifyHead(r, index, cell, pool, w, output) and verifyMean(r, index, cell, top, output): the
    /// claim moves to POOL, or to SUM[H][0].
    function _decodeChain(bytes calldata a, bool head) internal pure returns (Step memory s) {
        StepVerifier.Opening memory cell;
        StepVerifier.Opening memory input;
        StepVerifier.Opening memory output;
        if (head) {
            (s.roots, s.index, cell, input,, output) = abi.decode(
                a,
                (
                    StepVerifier.Roots,
                    uint256,
                    StepVerifier.Opening,
                    StepVerifier.Opening,
                    StepVerifier.Opening,
                    StepVerifier.Opening
                )
            );
        } else {
            (s.roots, s.index, cell, input, output) = abi.decode(
                a, (StepVerifier.Roots, uint256, StepVerifier.Opening, StepVerifier.Opening, StepVerifier.Opening)
            );
        }
        (s.cell, s.output, s.inputs, s.rule) = (cell.leaf, output.leaf, _one(input.leaf), Rule.Move);
    }

    /// verifyProjection(r, index, cell, x, w, output): the claim moves to X[l][i].
    function _decodeProjection(bytes calldata a) internal pure returns (Step memory s) {
        StepVerifier.Opening memory cell;
        StepVerifier.Opening memory x;
        StepVerifier.Opening memory output;
        (s.roots, s.index, cell, x,, output) = abi.decode(
            a,
            (
                StepVerifier.Roots,
                uint256,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Opening
            )
        );
        (s.cell, s.output, s.inputs, s.rule) = (cell.leaf, output.leaf, _one(x.leaf), Rule.Move);
    }

    /// verifyUpdate(r, index, cell, x, m, w, output): the claim moves to X[l][i]; the twelve
    /// messages M[l][i][0..11] become candidates.
    function _decodeUpdate(bytes calldata a) internal pure returns (Step memory s) {
        StepVerifier.Opening memory cell;
        StepVerifier.Opening memory x;
        StepVerifier.Openings memory m;
        StepVerifier.Opening memory output;
        (s.roots, s.index, cell, x, m,, output) = abi.decode(
            a,
            (
                StepVerifier.Roots,
                uint256,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Openings,
                StepVerifier.Opening,
                StepVerifier.Opening
            )
        );
        bytes[] memory inputs = new bytes[](1 + m.leaves.length);
        inputs[0] = x.leaf;
        for (uint256 k = 0; k < m.leaves.length; k++) {
            inputs[1 + k] = m.leaves[k];
        }
        (s.cell, s.output, s.inputs, s.rule) = (cell.leaf, output.leaf, inputs, Rule.Move);
    }

    /// verifySum(r, index, cell, children, output): one child is followed, several are candidates.
    function _decodeSum(bytes calldata a) internal pure returns (Step memory s) {
        StepVerifier.Opening memory cell;
        StepVerifier.Openings memory children;
        StepVerifier.Opening memory output;
        (s.roots, s.index, cell, children, output) = abi.decode(
            a, (StepVerifier.Roots, uint256, StepVerifier.Opening, StepVerifier.Openings, StepVerifier.Opening)
        );
        (s.cell, s.output, s.inputs) = (cell.leaf, output.leaf, children.leaves);
        s.rule = children.leaves.length == 1 ? Rule.Move : Rule.Candidates;
    }

    /// verifyEdge(r, index, cell, nbr, ps, pn, w, output): the claim moves to PN[l][j] (its
    /// projection and X[l][j]'s chain follow), NBR[i] is opened after that chain, PS[l][i] becomes
    /// a candidate.
    function _decodeEdge(bytes calldata a) internal pure returns (Step memory s) {
        StepVerifier.Opening memory cell;
        StepVerifier.Opening memory output;
        bytes[] memory inputs = new bytes[](3);
        StepVerifier.Opening memory nbr;
        StepVerifier.Opening memory ps;
        StepVerifier.Opening memory pn;
        (s.roots, s.index, cell, nbr, ps, pn,, output) = abi.decode(
            a,
            (
                StepVerifier.Roots,
                uint256,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Opening
            )
        );
        (inputs[0], inputs[1], inputs[2]) = (nbr.leaf, ps.leaf, pn.leaf);
        (s.cell, s.output, s.inputs, s.rule) = (cell.leaf, output.leaf, inputs, Rule.Edge);
    }

    /// verifyEmbed(r, index, cell, atom, emb, output): no trace input.
    function _decodeEmbed(bytes calldata a) internal pure returns (Step memory s) {
        StepVerifier.Opening memory cell;
        StepVerifier.Opening memory output;
        (s.roots, s.index, cell,,, output) = abi.decode(
            a,
            (
                StepVerifier.Roots,
                uint256,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Opening
            )
        );
        (s.cell, s.output, s.inputs, s.rule) = (cell.leaf, output.leaf, new bytes[](0), Rule.End);
    }

    /// verifyNbr(r, index, cell, atom, nbr, entryAtoms, wit, wAtom): the output is the nbr leaf.
    function _decodeNbr(bytes calldata a) internal pure returns (Step memory s) {
        StepVerifier.Opening memory cell;
        StepVerifier.Opening memory nbr;
        StepCompute.Witness memory wit;
        (s.roots, s.index, cell,, nbr,, wit,) = abi.decode(
            a,
            (
                StepVerifier.Roots,
                uint256,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Opening,
                StepVerifier.Openings,
                StepCompute.Witness,
                StepVerifier.Opening
            )
        );
        (s.cell, s.output, s.inputs, s.rule, s.witness) = (cell.leaf, nbr.leaf, new bytes[](0), Rule.Nbr, wit.present);
    }
}
