// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Guard} from "xtalproof-evm/Guard.sol";
import {OracleCommittee} from "./OracleCommittee.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {ProvenanceRegistry} from "./ProvenanceRegistry.sol";
import {Disputes} from "./Disputes.sol";
import {StepVerifier} from "./inference/StepVerifier.sol";

/// @title Rounds
/// @notice Prediction rounds settled by oracle results. A sponsor escrows a reward per target
/// structure (ETH or one ERC-20), each target named by its symhash and its structureRoot;
/// predictors commit to a value before the commit deadline, with a stake; a committee's k-of-n
/// signed report posts the measured value; predictors reveal within the reveal window, with a model
/// registered before the commit deadline; settle splits each target's reward equally among the
/// predictions within the tolerance, pays a royalty to the owners of the winning model's training
/// datasets and returns the winners' stakes. Every other stake (a revealed prediction outside the
/// tolerance, or one never revealed) is forfeited to the sponsor, so every commitment that does not
/// win costs its stake (docs/contracts.md, "Forfeits"). All payouts are credited and taken with
/// withdraw (pull payments). Every round parameter is bounded at opening. Formats: docs/formats.md;
/// threats: docs/security.md.
///
/// Per target: commit while now < commitDeadline; postResult while commitDeadline <= now <
/// commitDeadline + resultWindow; reveal while the result is posted and now < postedAt +
/// revealWindow; settle after that. A target without a result by the end of the result window is
/// cancelled by settle: the reward goes back to the sponsor and each committer takes back the stake
/// with refundStake.
///
/// Every reveal can be challenged until revealDeadline + challengeWindow by anyone who posts the
/// round's bond; the game is played in `disputes` (Disputes, created here), which tells Rounds when
/// a dispute opens and how it ends. A reveal proven wrong is lost: its stake goes to its challenger,
/// it wins nothing and pays no royalty. settle waits for the challenge window and for every open
/// dispute of the target (docs/contracts.md, "Disputes").
contract Rounds is Guard {
    using SafeERC20 for IERC20;

    /// The first word of every prediction commitment (docs/formats.md "Prediction commitment").
    bytes32 public constant COMMIT_DOMAIN = keccak256("xtalproof.prediction.v1");
    uint256 public constant MAX_TARGETS = 64;
    /// Bounds the loop of settle (a griefer filling a target pays a stake per commitment).
    uint256 public constant MAX_COMMITS_PER_TARGET = 256;
    uint256 public constant BPS = 10_000;
    /// Bounds of openRound (docs/contracts.md, "Round parameters and their bounds").
    uint256 public constant MAX_COMMIT_PERIOD = 365 days; // commitDeadline <= now + this
    uint32 public constant MIN_RESULT_WINDOW = 1 hours;
    uint32 public constant MAX_RESULT_WINDOW = 365 days;
    uint32 public constant MIN_REVEAL_WINDOW = 1 hours;
    uint32 public constant MAX_REVEAL_WINDOW = 30 days;
    uint128 public constant MIN_TOLERANCE_Q = 1; // Q16.16: 0 would ask for a bit-exact match
    uint128 public constant MAX_TOLERANCE_Q = 1 << 32; // 65536 units of the property
    uint16 public constant MAX_ROYALTY_BPS = 5000; // a winner keeps at least half of its share
    uint256 public constant MIN_STAKE_DIVISOR = 64; // stake >= ceil(rewardPerTarget / 64)
    uint32 public constant MIN_CHALLENGE_WINDOW = 1 hours;
    uint32 public constant MAX_CHALLENGE_WINDOW = 30 days;
    uint32 public constant MIN_MOVE_WINDOW = 1 hours;
    uint32 public constant MAX_MOVE_WINDOW = 7 days;
    /// The token address that stands for ETH in rounds and balances.
    address public constant ETH = address(0);

    struct RoundParams {
        address token; // ETH (address 0) or an ERC-20
        bytes32 property; // must equal the revealed model's property
        bytes32[] targets; // target symhashes, 1..MAX_TARGETS, none zero
        bytes32[] structureRoots; // each target's structureRoot (docs/formats.md), same length, none zero
        uint64 commitDeadline; // unix seconds: now < commitDeadline <= now + MAX_COMMIT_PERIOD
        uint32 resultWindow; // seconds after commitDeadline for the result, MIN..MAX_RESULT_WINDOW
        uint32 revealWindow; // seconds after the result for reveals, MIN..MAX_REVEAL_WINDOW
        uint128 toleranceQ; // Q16.16, MIN..MAX_TOLERANCE_Q: a prediction wins when |valueQ - result| <= toleranceQ
        uint96 stake; // per commitment, in the round's token: ceil(reward / 64) <= stake <= reward
        uint128 rewardPerTarget; // escrowed: rewardPerTarget * targets.length; not zero
        OracleCommittee committee;
        uint16 royaltyBps; // of each winner's share, to the model's training datasets' owners; <= MAX_ROYALTY_BPS
        uint32 challengeWindow; // seconds after revealDeadline for challenges, MIN..MAX_CHALLENGE_WINDOW
        uint32 moveWindow; // seconds for each move of a dispute, MIN..MAX_MOVE_WINDOW
        uint96 bond; // a challenger's bond, in the round's token: stake <= bond
    }

    struct Round {
        address sponsor;
        uint64 commitDeadline;
        uint16 targetCount;
        address token;
        uint96 stake;
        OracleCommittee committee;
        uint32 resultWindow;
        uint32 revealWindow;
        uint16 royaltyBps;
        bytes32 property;
        uint128 rewardPerTarget;
        uint128 toleranceQ;
        uint32 challengeWindow;
        uint32 moveWindow;
        uint96 bond;
    }

    enum Status {
        Open, // commits, then waiting for the result
        Resulted, // result posted: reveals until revealDeadline
        Settled,
        Cancelled // no result in time: reward back to the sponsor, stakes back by refundStake
    }

    struct Target {
        bytes32 symhash;
        bytes32 structureRoot; // the committed crystal (docs/formats.md "The committed crystal")
        int128 result; // Q16.16, once posted
        uint64 revealDeadline;
        uint16 commits;
        uint16 reveals;
        uint16 winners;
        Status status;
        uint16 disputesOpen; // disputes of its reveals not yet closed
        uint16 lost; // reveals proven wrong
    }

    struct Reveal {
        address predictor;
        uint64 modelId;
        bool winner;
        bool lost; // proven wrong in a dispute: not a winner, its stake went to the challenger
        bytes32 traceRoot;
        int128 valueQ; // type(int128).max for a value outside int128 (no OUT leaf holds it)
    }

    /// What Disputes needs of a challenged reveal (openDispute).
    struct DisputeFacts {
        bytes32 structureRoot;
        bytes32 traceRoot;
        uint64 modelId;
        int128 valueQ;
        address predictor;
        uint96 bond;
        uint32 moveWindow;
        address token;
    }

    ModelRegistry public immutable models;
    ProvenanceRegistry public immutable provenance;
    /// The dispute game of this contract's reveals, created by the constructor.
    Disputes public immutable disputes;

    uint256 public roundCount;
    mapping(uint256 roundId => Round) internal _rounds;
    mapping(uint256 roundId => mapping(uint256 index => Target)) internal _targets;
    mapping(uint256 roundId => mapping(uint256 index => mapping(address predictor => bytes32))) internal _commitments;
    mapping(uint256 roundId => mapping(uint256 index => mapping(uint256 i => Reveal))) internal _reveals;

    /// @notice What `account` may withdraw, per token (ETH = address 0).
    mapping(address token => mapping(address account => uint256)) public balanceOf;
    /// @notice Royalties gathered by settle for a model's training datasets, not yet distributed.
    mapping(address token => mapping(uint256 modelId => uint256)) public royaltyOwed;
    /// @notice Held for targets not yet settled: rewards and stakes.
    mapping(address token => uint256) public escrowed;
    /// @notice Ever credited (to balances or to royaltyOwed), and ever withdrawn. For every token
    /// the contract holds exactly escrowed + credited - withdrawn.
    mapping(address token => uint256) public credited;
    mapping(address token => uint256) public withdrawn;

    event RoundOpened(
        uint256 indexed roundId,
        address indexed sponsor,
        address indexed token,
        address committee,
        bytes32 property,
        uint64 commitDeadline,
        uint128 rewardPerTarget,
        bytes32[] targets,
        bytes32[] structureRoots
    );
    event Committed(uint256 indexed roundId, uint256 indexed targetIndex, address indexed predictor, bytes32 commitment);
    event ResultPosted(
        uint256 indexed roundId,
        uint256 indexed targetIndex,
        int256 value,
        uint256 uncertainty,
        bytes32 rawDataHash,
        bytes32 facility,
        uint64 measuredAt,
        uint64 revealDeadline
    );
    event Revealed(
        uint256 indexed roundId,
        uint256 indexed targetIndex,
        address indexed predictor,
        uint256 modelId,
        int256 valueQ,
        bytes32 salt,
        bytes32 traceRoot,
        bool winner
    );
    event Settled(uint256 indexed roundId, uint256 indexed targetIndex, uint256 winners, uint256 share, uint256 toSponsor);
    event Cancelled(uint256 indexed roundId, uint256 indexed targetIndex);
    event StakeRefunded(uint256 indexed roundId, uint256 indexed targetIndex, address indexed predictor);
    event RoyaltiesDistributed(address indexed token, uint256 indexed modelId, uint256 amount);
    event Withdrawn(address indexed account, address indexed token, uint256 amount);
    event RevealLost(uint256 indexed roundId, uint256 indexed targetIndex, uint256 revealIndex, address predictor);
    event DisputeClosed(
        uint256 indexed roundId,
        uint256 indexed targetIndex,
        uint256 revealIndex,
        address indexed challenger,
        bool predictorLost,
        address paidTo,
        uint256 amount
    );

    error TargetCount(uint256 count, uint256 max);
    error StructureRootCount(uint256 targets, uint256 structureRoots);
    error ZeroTarget(uint256 index);
    error ZeroStructureRoot(uint256 index);
    error ZeroProperty();
    error NotACommittee(address committee);
    error NotAToken(address token);
    error ZeroReward();
    error CommitDeadlineOutOfRange(uint64 commitDeadline, uint256 earliest, uint256 latest);
    error ResultWindowOutOfRange(uint32 resultWindow, uint32 min, uint32 max);
    error RevealWindowOutOfRange(uint32 revealWindow, uint32 min, uint32 max);
    error ToleranceOutOfRange(uint128 toleranceQ, uint128 min, uint128 max);
    error StakeOutOfRange(uint96 stake, uint256 min, uint256 max);
    error RoyaltyOutOfRange(uint16 royaltyBps, uint16 max);
    error UnknownRound(uint256 roundId);
    error UnknownTarget(uint256 roundId, uint256 targetIndex);
    error WrongPayment(uint256 expected, uint256 given);
    error TokenTransferMismatch(uint256 expected, uint256 received);
    error CommitClosed();
    error ZeroCommitment();
    error AlreadyCommitted();
    error TooManyCommits();
    error CommitPhase();
    error ResultWindowClosed();
    error WrongStatus(Status status);
    error ReportMismatch();
    error ValueOutOfRange();
    error RevealClosed();
    error ResultWindowOpen();
    error NoCommitment();
    error WrongProperty(bytes32 modelProperty);
    error ModelRegisteredLate(uint256 modelId, uint64 registeredAt, uint64 commitDeadline);
    error BadOpening();
    error NothingToWithdraw();
    error NothingToDistribute();
    error TransferFailed();
    error ChallengeWindowOutOfRange(uint32 challengeWindow, uint32 min, uint32 max);
    error MoveWindowOutOfRange(uint32 moveWindow, uint32 min, uint32 max);
    error BondOutOfRange(uint96 bond, uint256 min, uint256 max);
    error NotDisputes();
    error UnknownReveal(uint256 roundId, uint256 targetIndex, uint256 revealIndex);
    error RevealAlreadyLost();
    error ChallengeWindowClosed(uint256 until);
    error ChallengeWindowOpen(uint256 until);
    error DisputesOpen(uint256 open);

    constructor(ModelRegistry models_, StepVerifier verifier_) {
        models = models_;
        provenance = models_.provenance();
        disputes = new Disputes(this, models_, verifier_);
    }

    // ---- sponsor ----

    /// @notice Opens a round and escrows rewardPerTarget for each target: msg.value for ETH, or
    /// transferFrom of the sponsor's approved tokens (a token that delivers less is refused).
    /// Every parameter is checked against its bounds, each with its own error (docs/contracts.md).
    function openRound(RoundParams calldata p) external payable nonReentrant returns (uint256 roundId) {
        uint256 n = p.targets.length;
        if (n == 0 || n > MAX_TARGETS) revert TargetCount(n, MAX_TARGETS);
        if (p.structureRoots.length != n) revert StructureRootCount(n, p.structureRoots.length);
        if (address(p.committee).code.length == 0) revert NotACommittee(address(p.committee));
        if (p.token != ETH && p.token.code.length == 0) revert NotAToken(p.token);
        if (p.property == bytes32(0)) revert ZeroProperty();
        _checkTimes(p);
        if (p.toleranceQ < MIN_TOLERANCE_Q || p.toleranceQ > MAX_TOLERANCE_Q) {
            revert ToleranceOutOfRange(p.toleranceQ, MIN_TOLERANCE_Q, MAX_TOLERANCE_Q);
        }
        if (p.rewardPerTarget == 0) revert ZeroReward();
        // at most the reward per commitment; at least reward / 64 (rounded up), so that more than
        // 64 commitments outside the tolerance forfeit more than the whole reward
        uint256 minStake = (uint256(p.rewardPerTarget) + MIN_STAKE_DIVISOR - 1) / MIN_STAKE_DIVISOR;
        if (p.stake < minStake || p.stake > p.rewardPerTarget) {
            revert StakeOutOfRange(p.stake, minStake, p.rewardPerTarget);
        }
        if (p.royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyOutOfRange(p.royaltyBps, MAX_ROYALTY_BPS);
        _checkGame(p);

        roundId = ++roundCount;
        _rounds[roundId] = Round({
            sponsor: msg.sender,
            commitDeadline: p.commitDeadline,
            targetCount: uint16(n),
            token: p.token,
            stake: p.stake,
            committee: p.committee,
            resultWindow: p.resultWindow,
            revealWindow: p.revealWindow,
            royaltyBps: p.royaltyBps,
            property: p.property,
            rewardPerTarget: p.rewardPerTarget,
            toleranceQ: p.toleranceQ,
            challengeWindow: p.challengeWindow,
            moveWindow: p.moveWindow,
            bond: p.bond
        });
        for (uint256 i = 0; i < n; i++) {
            if (p.targets[i] == bytes32(0)) revert ZeroTarget(i);
            if (p.structureRoots[i] == bytes32(0)) revert ZeroStructureRoot(i);
            Target storage tg = _targets[roundId][i];
            tg.symhash = p.targets[i];
            tg.structureRoot = p.structureRoots[i];
        }
        uint256 total = uint256(p.rewardPerTarget) * n;
        escrowed[p.token] += total;
        _pullIn(p.token, msg.sender, total);
        // The other parameters are in getRound.
        emit RoundOpened(
            roundId,
            msg.sender,
            p.token,
            address(p.committee),
            p.property,
            p.commitDeadline,
            p.rewardPerTarget,
            p.targets,
            p.structureRoots
        );
    }

    /// The bounds of the deadline and the windows: a commit phase that has not ended and ends
    /// within MAX_COMMIT_PERIOD, result and reveal windows long enough to post and to reveal in
    /// (a sponsor cannot post and reveal in one block and shut the others out) and short enough not
    /// to hold stakes for years.
    function _checkTimes(RoundParams calldata p) internal view {
        uint256 latest = block.timestamp + MAX_COMMIT_PERIOD;
        if (p.commitDeadline <= block.timestamp || p.commitDeadline > latest) {
            revert CommitDeadlineOutOfRange(p.commitDeadline, block.timestamp + 1, latest);
        }
        if (p.resultWindow < MIN_RESULT_WINDOW || p.resultWindow > MAX_RESULT_WINDOW) {
            revert ResultWindowOutOfRange(p.resultWindow, MIN_RESULT_WINDOW, MAX_RESULT_WINDOW);
        }
        if (p.revealWindow < MIN_REVEAL_WINDOW || p.revealWindow > MAX_REVEAL_WINDOW) {
            revert RevealWindowOutOfRange(p.revealWindow, MIN_REVEAL_WINDOW, MAX_REVEAL_WINDOW);
        }
    }

    /// The dispute game's parameters: a challenge window and a move window long enough to act in
    /// whatever the block times, short enough not to hold the stakes for long; a bond of at least
    /// a stake, so that a false challenge costs its challenger what a false prediction costs its
    /// predictor.
    function _checkGame(RoundParams calldata p) internal pure {
        if (p.challengeWindow < MIN_CHALLENGE_WINDOW || p.challengeWindow > MAX_CHALLENGE_WINDOW) {
            revert ChallengeWindowOutOfRange(p.challengeWindow, MIN_CHALLENGE_WINDOW, MAX_CHALLENGE_WINDOW);
        }
        if (p.moveWindow < MIN_MOVE_WINDOW || p.moveWindow > MAX_MOVE_WINDOW) {
            revert MoveWindowOutOfRange(p.moveWindow, MIN_MOVE_WINDOW, MAX_MOVE_WINDOW);
        }
        if (p.bond < p.stake) revert BondOutOfRange(p.bond, p.stake, type(uint96).max);
    }

    // ---- predictor ----

    /// @notice Commits to a prediction for target `targetIndex`, with the round's stake (msg.value
    /// for ETH, or transferFrom). One commitment per predictor and target. The commitment is
    /// commitmentHash(...) of the predictor's own address (docs/formats.md).
    function commit(uint256 roundId, uint256 targetIndex, bytes32 commitment) external payable nonReentrant {
        Round storage r = _round(roundId);
        if (block.timestamp >= r.commitDeadline) revert CommitClosed();
        Target storage tg = _target(r, roundId, targetIndex);
        if (commitment == bytes32(0)) revert ZeroCommitment();
        mapping(address => bytes32) storage cs = _commitments[roundId][targetIndex];
        if (cs[msg.sender] != bytes32(0)) revert AlreadyCommitted();
        uint256 commits = tg.commits;
        if (commits >= MAX_COMMITS_PER_TARGET) revert TooManyCommits();
        tg.commits = uint16(commits + 1);
        cs[msg.sender] = commitment;
        address token = r.token;
        uint256 stake = r.stake;
        if (stake != 0) escrowed[token] += stake;
        _pullIn(token, msg.sender, stake);
        emit Committed(roundId, targetIndex, msg.sender, commitment);
    }

    /// @notice Opens the caller's commitment once the result is posted and before the reveal
    /// deadline. The model must be registered for the round's property before the commit deadline
    /// (so no registration can follow the result, nor squat a model after its predictor committed:
    /// predictors register first, and `xtalproof round commit` refuses an unregistered model); the
    /// commitment must equal commitmentHash(roundId, symhash, modelHash, valueQ, salt, msg.sender).
    /// traceRoot is published in the event for verifiers and is not part of the commitment; it is
    /// stored with valueQ for the dispute game (a valueQ outside int128 as type(int128).max).
    function reveal(
        uint256 roundId,
        uint256 targetIndex,
        uint256 modelId,
        int256 valueQ,
        bytes32 salt,
        bytes32 traceRoot
    ) external nonReentrant {
        bool winner = _open(roundId, targetIndex, modelId, valueQ, salt);
        Target storage tg = _targets[roundId][targetIndex];
        uint256 i = tg.reveals;
        int128 v = valueQ < type(int128).min || valueQ > type(int128).max ? type(int128).max : int128(valueQ);
        _reveals[roundId][targetIndex][i] = Reveal(msg.sender, uint64(modelId), winner, false, traceRoot, v);
        tg.reveals = uint16(i + 1);
        if (winner) tg.winners += 1;
        emit Revealed(roundId, targetIndex, msg.sender, modelId, valueQ, salt, traceRoot, winner);
    }

    /// The checks of reveal; consumes the commitment and says whether the prediction wins.
    function _open(uint256 roundId, uint256 targetIndex, uint256 modelId, int256 valueQ, bytes32 salt)
        internal
        returns (bool)
    {
        Round storage r = _round(roundId);
        Target storage tg = _target(r, roundId, targetIndex);
        if (tg.status != Status.Resulted) revert WrongStatus(tg.status);
        if (block.timestamp >= tg.revealDeadline) revert RevealClosed();
        mapping(address => bytes32) storage cs = _commitments[roundId][targetIndex];
        bytes32 c = cs[msg.sender];
        if (c == bytes32(0)) revert NoCommitment();
        (bytes32 modelHash, bytes32 property, uint64 registeredAt) = models.revealFacts(modelId);
        if (property != r.property) revert WrongProperty(property);
        uint64 deadline = r.commitDeadline;
        if (registeredAt >= deadline) revert ModelRegisteredLate(modelId, registeredAt, deadline);
        if (commitmentHash(roundId, tg.symhash, modelHash, valueQ, salt, msg.sender) != c) revert BadOpening();
        delete cs[msg.sender];
        return _within(valueQ, tg.result, r.toleranceQ);
    }

    /// @notice Takes back the stake of a commitment on a cancelled target (no result in time).
    function refundStake(uint256 roundId, uint256 targetIndex) external nonReentrant {
        Round storage r = _round(roundId);
        Target storage tg = _target(r, roundId, targetIndex);
        if (tg.status != Status.Cancelled) revert WrongStatus(tg.status);
        mapping(address => bytes32) storage cs = _commitments[roundId][targetIndex];
        if (cs[msg.sender] == bytes32(0)) revert NoCommitment();
        delete cs[msg.sender];
        address token = r.token;
        uint256 stake = r.stake;
        escrowed[token] -= stake;
        credited[token] += stake;
        _credit(token, msg.sender, stake);
        emit StakeRefunded(roundId, targetIndex, msg.sender);
    }

    // ---- oracle ----

    /// @notice Posts the measured value of target `targetIndex`, signed by k members of the
    /// round's committee. Anyone may submit it; the report must name this round, the target's
    /// symhash and the round's property, and its value must fit in 128 bits.
    function postResult(
        uint256 roundId,
        uint256 targetIndex,
        OracleCommittee.Report calldata report,
        bytes[] calldata signatures
    ) external nonReentrant {
        Round storage r = _round(roundId);
        Target storage tg = _target(r, roundId, targetIndex);
        if (tg.status != Status.Open) revert WrongStatus(tg.status);
        uint256 deadline = r.commitDeadline;
        if (block.timestamp < deadline) revert CommitPhase();
        if (block.timestamp >= deadline + r.resultWindow) revert ResultWindowClosed();
        if (report.round != roundId || report.symhash != tg.symhash || report.property != r.property) {
            revert ReportMismatch();
        }
        int256 value = report.value;
        if (value < type(int128).min || value > type(int128).max) revert ValueOutOfRange();
        r.committee.verifyReport(report, signatures);
        uint64 revealDeadline = uint64(block.timestamp + r.revealWindow);
        tg.result = int128(value);
        tg.revealDeadline = revealDeadline;
        tg.status = Status.Resulted;
        emit ResultPosted(
            roundId,
            targetIndex,
            value,
            report.uncertainty,
            report.rawDataHash,
            report.facility,
            report.measuredAt,
            revealDeadline
        );
    }

    // ---- disputes (called by `disputes` only) ----

    modifier onlyDisputes() {
        if (msg.sender != address(disputes)) revert NotDisputes();
        _;
    }

    /// @notice Opens a dispute of reveal `revealIndex` by `challenger` and escrows its bond: ETH as
    /// msg.value (forwarded by Disputes), or transferFrom(challenger, this) of the round's token
    /// (the challenger approves Rounds). The target must be Resulted, the reveal exist and not be
    /// lost, and now < revealDeadline + challengeWindow.
    function openDispute(uint256 roundId, uint256 targetIndex, uint256 revealIndex, address challenger)
        external
        payable
        onlyDisputes
        nonReentrant
        returns (DisputeFacts memory f)
    {
        Round storage r = _round(roundId);
        Target storage tg = _target(r, roundId, targetIndex);
        if (tg.status != Status.Resulted) revert WrongStatus(tg.status);
        uint256 until = uint256(tg.revealDeadline) + r.challengeWindow;
        if (block.timestamp >= until) revert ChallengeWindowClosed(until);
        Reveal storage rv = _reveal(tg, roundId, targetIndex, revealIndex);
        if (rv.lost) revert RevealAlreadyLost();
        tg.disputesOpen += 1;
        address token = r.token;
        uint96 bond = r.bond;
        escrowed[token] += bond;
        _pullIn(token, challenger, bond);
        f = DisputeFacts({
            structureRoot: tg.structureRoot,
            traceRoot: rv.traceRoot,
            modelId: rv.modelId,
            valueQ: rv.valueQ,
            predictor: rv.predictor,
            bond: bond,
            moveWindow: r.moveWindow,
            token: token
        });
    }

    /// @notice Ends a dispute. predictorLost on a reveal not yet lost: the reveal is lost (no longer
    /// a winner), and the challenger is credited its bond and the round's stake. predictorLost on a
    /// reveal already lost in another dispute: the bond back to the challenger. Otherwise the bond
    /// goes to the predictor.
    function closeDispute(
        uint256 roundId,
        uint256 targetIndex,
        uint256 revealIndex,
        address challenger,
        bool predictorLost
    ) external onlyDisputes nonReentrant {
        Round storage r = _round(roundId);
        Target storage tg = _target(r, roundId, targetIndex);
        Reveal storage rv = _reveal(tg, roundId, targetIndex, revealIndex);
        tg.disputesOpen -= 1;
        uint256 amount = r.bond;
        address paidTo = challenger;
        if (!predictorLost) {
            paidTo = rv.predictor;
        } else if (!rv.lost) {
            rv.lost = true;
            if (rv.winner) {
                rv.winner = false;
                tg.winners -= 1;
            }
            tg.lost += 1;
            amount += r.stake;
            emit RevealLost(roundId, targetIndex, revealIndex, rv.predictor);
        }
        address token = r.token;
        escrowed[token] -= amount;
        credited[token] += amount;
        _credit(token, paidTo, amount);
        emit DisputeClosed(roundId, targetIndex, revealIndex, challenger, predictorLost, paidTo, amount);
    }

    // ---- settlement ----

    /// @notice After the reveal deadline: the reward is shared equally by the winners, each of whom
    /// also gets its stake back; the division's remainder (or the whole reward without winners)
    /// and every other stake (revealed outside the tolerance, or never revealed) are credited to
    /// the sponsor. Each winner pays royaltyBps of the share to the owners of the model's training
    /// datasets, equally (the remainder stays with the winner). A target without a result by the
    /// end of the result window is cancelled instead.
    function settle(uint256 roundId, uint256 targetIndex) external nonReentrant {
        Round storage r = _round(roundId);
        Target storage tg = _target(r, roundId, targetIndex);
        Status status = tg.status;
        if (status == Status.Open) {
            if (block.timestamp < uint256(r.commitDeadline) + r.resultWindow) revert ResultWindowOpen();
            tg.status = Status.Cancelled;
            address token = r.token;
            uint256 reward = r.rewardPerTarget;
            escrowed[token] -= reward;
            credited[token] += reward;
            _credit(token, r.sponsor, reward);
            emit Cancelled(roundId, targetIndex);
            return;
        }
        if (status != Status.Resulted) revert WrongStatus(status);
        uint256 until = uint256(tg.revealDeadline) + r.challengeWindow;
        if (block.timestamp < until) revert ChallengeWindowOpen(until);
        if (tg.disputesOpen != 0) revert DisputesOpen(tg.disputesOpen);
        tg.status = Status.Settled;
        (uint256 winners, uint256 share, uint256 toSponsor) = _settle(r, tg, _reveals[roundId][targetIndex]);
        emit Settled(roundId, targetIndex, winners, share, toSponsor);
    }

    function _settle(Round storage r, Target storage tg, mapping(uint256 => Reveal) storage rs)
        internal
        returns (uint256 winners, uint256 share, uint256 toSponsor)
    {
        uint256 stake = r.stake;
        uint256 reward = r.rewardPerTarget;
        // a lost reveal's stake went to its challenger (closeDispute)
        uint256 released = reward + stake * (uint256(tg.commits) - tg.lost);
        winners = tg.winners;
        share = winners == 0 ? 0 : reward / winners;
        // the reward's remainder and the forfeited stakes: released - winners * (stake + share)
        toSponsor = released - (stake + share) * winners;
        address token = r.token;
        if (winners != 0) _payOut(rs, tg.reveals, token, stake, share, r.royaltyBps);
        if (toSponsor != 0) _credit(token, r.sponsor, toSponsor);
        escrowed[token] -= released;
        credited[token] += released;
    }

    /// @notice Pays out the caller's whole balance of `token` (address 0 = ETH).
    function withdraw(address token) public nonReentrant {
        uint256 amount = balanceOf[token][msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        balanceOf[token][msg.sender] = 0;
        withdrawn[token] += amount;
        emit Withdrawn(msg.sender, token, amount);
        if (token == ETH) {
            (bool ok,) = msg.sender.call{value: amount}("");
            if (!ok) revert TransferFailed();
        } else {
            IERC20(token).safeTransfer(msg.sender, amount);
        }
    }

    /// @notice Pays out the caller's ETH balance.
    function withdraw() external {
        withdraw(ETH);
    }

    // ---- views ----

    /// @notice The prediction commitment of docs/formats.md, bound to this chain and contract:
    /// keccak256(abi.encode(COMMIT_DOMAIN, chainid, this, roundId, symhash, modelHash, valueQ,
    /// salt, predictor)).
    function commitmentHash(
        uint256 roundId,
        bytes32 symhash,
        bytes32 modelHash,
        int256 valueQ,
        bytes32 salt,
        address predictor
    ) public view returns (bytes32) {
        return keccak256(
            abi.encode(
                COMMIT_DOMAIN, block.chainid, address(this), roundId, symhash, modelHash, valueQ, salt, predictor
            )
        );
    }

    function getRound(uint256 roundId) external view returns (Round memory) {
        return _round(roundId);
    }

    function getTarget(uint256 roundId, uint256 targetIndex) external view returns (Target memory) {
        return _target(_round(roundId), roundId, targetIndex);
    }

    /// @notice The predictor's open commitment (0 if none, or once revealed or refunded).
    function commitmentOf(uint256 roundId, uint256 targetIndex, address predictor) external view returns (bytes32) {
        return _commitments[roundId][targetIndex][predictor];
    }

    /// @notice The i-th reveal of a target, i < getTarget(...).reveals.
    function revealAt(uint256 roundId, uint256 targetIndex, uint256 i) external view returns (Reveal memory) {
        Target storage tg = _target(_round(roundId), roundId, targetIndex);
        if (i >= tg.reveals) revert UnknownTarget(roundId, targetIndex);
        return _reveals[roundId][targetIndex][i];
    }

    function _reveal(Target storage tg, uint256 roundId, uint256 targetIndex, uint256 i)
        internal
        view
        returns (Reveal storage)
    {
        if (i >= tg.reveals) revert UnknownReveal(roundId, targetIndex, i);
        return _reveals[roundId][targetIndex][i];
    }

    /// @notice Whether valueQ wins against result with tolerance toleranceQ (all Q16.16).
    function withinTolerance(int256 valueQ, int256 result, uint256 toleranceQ) external pure returns (bool) {
        return _within(valueQ, result, toleranceQ);
    }

    // ---- internals ----

    function _round(uint256 roundId) internal view returns (Round storage r) {
        r = _rounds[roundId];
        if (r.sponsor == address(0)) revert UnknownRound(roundId);
    }

    function _target(Round storage r, uint256 roundId, uint256 targetIndex) internal view returns (Target storage) {
        if (targetIndex >= r.targetCount) revert UnknownTarget(roundId, targetIndex);
        return _targets[roundId][targetIndex];
    }

    /// |a - b| <= tol without overflow: the difference of two int256 always fits a uint256.
    function _within(int256 a, int256 b, uint256 tol) internal pure returns (bool) {
        uint256 d;
        unchecked {
            d = a >= b ? uint256(a) - uint256(b) : uint256(b) - uint256(a);
        }
        return d <= tol;
    }

    /// Credits each winner its stake and the share less the royalty; a revealer outside the
    /// tolerance gets nothing (its stake is forfeited). A winner pays royalty / n to each of the n
    /// training datasets of the model (nothing if n = 0; the division's remainder stays with the
    /// winner); the royalties are gathered per model into royaltyOwed, which distributeRoyalties
    /// pays to the datasets' owners. Settle's work is thus a few slots per revealer, however many
    /// datasets there are.
    function _payOut(
        mapping(uint256 => Reveal) storage rs,
        uint256 reveals,
        address token,
        uint256 stake,
        uint256 share,
        uint256 bps
    ) internal {
        uint256 royalty = share * bps / BPS;
        mapping(address => uint256) storage balances = balanceOf[token];
        mapping(uint256 => uint256) storage owed = royaltyOwed[token];
        for (uint256 i = 0; i < reveals; i++) {
            Reveal storage rv = rs[i]; // the first slot only: predictor, modelId, winner
            if (!rv.winner) continue;
            uint256 amount = stake + share;
            if (royalty != 0) {
                uint256 n = models.datasetCount(rv.modelId);
                if (n != 0) {
                    uint256 due = (royalty / n) * n;
                    amount -= due;
                    if (due != 0) owed[rv.modelId] += due;
                }
            }
            if (amount != 0) balances[rv.predictor] += amount;
        }
    }

    /// @notice Pays the royalties owed for model `modelId` in `token` to the current owners of
    /// its training datasets, equally (credited; each owner takes it with withdraw). Anyone may
    /// call it.
    function distributeRoyalties(address token, uint256 modelId) external nonReentrant {
        uint256 due = royaltyOwed[token][modelId];
        if (due == 0) revert NothingToDistribute();
        uint256[] memory ds = models.trainingDatasets(modelId);
        uint256 each = due / ds.length; // due > 0 only for models with datasets
        royaltyOwed[token][modelId] = due - each * ds.length;
        mapping(address => uint256) storage balances = balanceOf[token];
        for (uint256 d = 0; d < ds.length; d++) {
            balances[provenance.ownerOf(ds[d])] += each;
        }
        emit RoyaltiesDistributed(token, modelId, each * ds.length);
    }

    function _credit(address token, address account, uint256 amount) internal {
        balanceOf[token][account] += amount;
    }

    /// Takes `amount` of the round's token from `from` into escrow (ETH: msg.value).
    function _pullIn(address token, address from, uint256 amount) internal {
        if (token == ETH) {
            if (msg.value != amount) revert WrongPayment(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert WrongPayment(0, msg.value);
        if (amount == 0) return;
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert TokenTransferMismatch(amount, received);
    }
}
