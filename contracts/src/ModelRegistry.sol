// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ProvenanceRegistry} from "./ProvenanceRegistry.sol";

/// @title ModelRegistry
/// @notice Registers prediction models by the keccak-256 of their model file and the root of their
/// weights tree (weightsRoot, docs/formats.md "The weights tree"), with the datasets of the
/// ProvenanceRegistry they were trained on (whose owners receive the rounds' royalties).
/// A registration is immutable: nothing about a model can change after it is registered.
contract ModelRegistry {
    struct Model {
        bytes32 modelHash; // keccak256 of the model file bytes
        bytes32 weightsRoot; // root of the model's weights tree (docs/formats.md)
        bytes32 archId; // short ASCII names, left-aligned and zero-padded (docs/formats.md)
        bytes32 property;
        bytes32 unit;
        address owner; // who registered it
        uint64 registeredAt;
        string uri;
        uint256[] trainingDatasetIds;
    }

    /// At most this many training datasets per model: bounds the royalty loop of Rounds.settle.
    uint256 public constant MAX_TRAINING_DATASETS = 16;

    ProvenanceRegistry public immutable provenance;
    uint256 public modelCount;
    mapping(uint256 id => Model) internal _models;
    /// @notice The id a model hash is registered under, 0 if none.
    mapping(bytes32 modelHash => uint256 id) public idOf;

    event ModelRegistered(
        uint256 indexed id,
        bytes32 indexed modelHash,
        address indexed owner,
        bytes32 weightsRoot,
        bytes32 archId,
        bytes32 property,
        bytes32 unit,
        string uri,
        uint256[] trainingDatasetIds
    );

    error ZeroModelHash();
    error ZeroWeightsRoot();
    error ModelAlreadyRegistered(bytes32 modelHash, uint256 id);
    error TooManyDatasets(uint256 count);
    error UnknownDataset(uint256 datasetId);
    error DuplicateDataset(uint256 datasetId);
    error UnknownModel(uint256 id);

    constructor(ProvenanceRegistry provenance_) {
        provenance = provenance_;
    }

    /// @notice Registers a model; the caller is its owner. The model hash and the weights root must
    /// not be zero; each training dataset must exist in the ProvenanceRegistry and appear once; a
    /// model hash can be registered once.
    function registerModel(
        bytes32 modelHash,
        bytes32 weightsRoot,
        bytes32 archId,
        bytes32 property,
        bytes32 unit,
        string calldata uri,
        uint256[] calldata trainingDatasetIds
    ) external returns (uint256 id) {
        if (modelHash == bytes32(0)) revert ZeroModelHash();
        if (weightsRoot == bytes32(0)) revert ZeroWeightsRoot();
        uint256 existing = idOf[modelHash];
        if (existing != 0) revert ModelAlreadyRegistered(modelHash, existing);
        uint256 n = trainingDatasetIds.length;
        if (n > MAX_TRAINING_DATASETS) revert TooManyDatasets(n);
        for (uint256 i = 0; i < n; i++) {
            uint256 ds = trainingDatasetIds[i];
            if (!provenance.exists(ds)) revert UnknownDataset(ds);
            for (uint256 j = 0; j < i; j++) {
                if (trainingDatasetIds[j] == ds) revert DuplicateDataset(ds);
            }
        }
        id = ++modelCount;
        idOf[modelHash] = id;
        Model storage m = _models[id];
        m.modelHash = modelHash;
        m.weightsRoot = weightsRoot;
        m.archId = archId;
        m.property = property;
        m.unit = unit;
        m.owner = msg.sender;
        m.registeredAt = uint64(block.timestamp);
        m.uri = uri;
        m.trainingDatasetIds = trainingDatasetIds;
        emit ModelRegistered(id, modelHash, msg.sender, weightsRoot, archId, property, unit, uri, trainingDatasetIds);
    }

    // ---- views ----

    function getModel(uint256 id) external view returns (Model memory) {
        Model storage m = _model(id);
        return m;
    }

    /// @notice What Rounds.reveal needs, cheaply: the model hash, its property and when it was
    /// registered (a reveal refuses a model registered at or after the round's commit deadline).
    function revealFacts(uint256 id) external view returns (bytes32 modelHash, bytes32 property, uint64 registeredAt) {
        Model storage m = _model(id);
        return (m.modelHash, m.property, m.registeredAt);
    }

    /// @notice The id and weights root a model hash is registered with; (0, 0) when it is not.
    /// Never reverts, so a verifier can batch it with other calls (xtalproof verify --rpc).
    function registration(bytes32 modelHash) external view returns (uint256 id, bytes32 weightsRoot) {
        id = idOf[modelHash];
        weightsRoot = _models[id].weightsRoot;
    }

    function trainingDatasets(uint256 id) external view returns (uint256[] memory) {
        return _model(id).trainingDatasetIds;
    }

    /// @notice How many training datasets model `id` has (cheaper than trainingDatasets).
    function datasetCount(uint256 id) external view returns (uint256) {
        return _model(id).trainingDatasetIds.length;
    }

    function _model(uint256 id) internal view returns (Model storage m) {
        m = _models[id];
        if (m.modelHash == bytes32(0)) revert UnknownModel(id);
    }
}
