// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProofs} from "./MerkleProofs.sol";

/// @title ProvenanceRegistry
/// @notice Anchors append-only datasets of crystal-structure records. A dataset is an RFC 9162
/// Merkle log (keccak-256, docs/formats.md); each anchored state is a version (root, size).
/// Versions after the first are accepted only with a consistency proof showing that the new tree
/// extends the previous one, so a dataset can grow but never rewrite or drop a record.
contract ProvenanceRegistry {
    /// One anchored state of a dataset's log.
    struct Version {
        bytes32 root;
        uint64 size;
        uint64 anchoredAt;
    }

    struct Dataset {
        address owner;
        uint64 versions; // number of versions, >= 1 once created
        bytes32 metaHash;
        string uri;
    }

    /// Version byte of the record leaf layout this contract recomputes (docs/formats.md).
    uint8 public constant RECORD_VERSION = 1;

    uint256 public datasetCount;
    mapping(uint256 id => Dataset) internal _datasets;
    mapping(uint256 id => mapping(uint256 version => Version)) internal _versions;

    event DatasetCreated(
        uint256 indexed id, address indexed owner, bytes32 root, uint64 size, bytes32 metaHash, string uri
    );
    event DatasetExtended(uint256 indexed id, uint256 indexed version, bytes32 root, uint64 size);
    event DatasetOwnershipTransferred(uint256 indexed id, address indexed previousOwner, address indexed newOwner);

    error UnknownDataset(uint256 id);
    error UnknownVersion(uint256 id, uint256 version);
    error NotDatasetOwner(uint256 id, address caller);
    error BadEmptyRoot(bytes32 root);
    error NotAnAppend(uint64 oldSize, uint64 newSize);
    error BadConsistencyProof();
    error ZeroOwner();

    modifier onlyOwnerOf(uint256 id) {
        address owner = _datasets[id].owner;
        if (owner == address(0)) revert UnknownDataset(id);
        if (owner != msg.sender) revert NotDatasetOwner(id, msg.sender);
        _;
    }

    /// @notice Anchors a new dataset at version 0 with `root` over `size` records; the caller owns it.
    /// An empty dataset (size 0) must have the empty tree's root, keccak256("").
    function createDataset(bytes32 root, uint64 size, bytes32 metaHash, string calldata uri)
        external
        returns (uint256 id)
    {
        if (size == 0 && root != MerkleProofs.EMPTY_ROOT) revert BadEmptyRoot(root);
        id = ++datasetCount;
        Dataset storage d = _datasets[id];
        d.owner = msg.sender;
        d.versions = 1;
        d.metaHash = metaHash;
        d.uri = uri;
        _versions[id][0] = Version(root, size, uint64(block.timestamp));
        emit DatasetCreated(id, msg.sender, root, size, metaHash, uri);
    }

    /// @notice Anchors a new version of dataset `id`: `newRoot` over `newSize` > the current size
    /// records, with an RFC 9162 consistency proof from the current version. Only the owner may.
    /// From an empty dataset any tree is an append, and the proof must be empty.
    function extendDataset(uint256 id, bytes32 newRoot, uint64 newSize, bytes32[] calldata consistencyProof)
        external
        onlyOwnerOf(id)
        returns (uint256 version)
    {
        Dataset storage d = _datasets[id];
        version = d.versions;
        Version storage cur = _versions[id][version - 1];
        uint64 oldSize = cur.size;
        if (newSize <= oldSize) revert NotAnAppend(oldSize, newSize);
        if (oldSize == 0) {
            if (consistencyProof.length != 0) revert BadConsistencyProof();
        } else if (!MerkleProofs.verifyConsistency(oldSize, newSize, cur.root, newRoot, consistencyProof)) {
            revert BadConsistencyProof();
        }
        _versions[id][version] = Version(newRoot, newSize, uint64(block.timestamp));
        d.versions = uint64(version + 1);
        emit DatasetExtended(id, version, newRoot, newSize);
    }

    /// @notice Hands dataset `id` to `newOwner` (not the zero address). Only the owner may.
    function transferDatasetOwnership(uint256 id, address newOwner) external onlyOwnerOf(id) {
        if (newOwner == address(0)) revert ZeroOwner();
        _datasets[id].owner = newOwner;
        emit DatasetOwnershipTransferred(id, msg.sender, newOwner);
    }

    /// @notice Whether `leaf` (a leaf hash, see leafHash) is record number `index` of version
    /// `version` of dataset `id`, by an RFC 9162 inclusion proof. Unknown ids or versions revert.
    function verifyInclusion(uint256 id, uint256 version, bytes32 leaf, uint256 index, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        Version storage v = _version(id, version);
        return MerkleProofs.verifyInclusion(index, v.size, leaf, proof, v.root);
    }

    /// @notice The Merkle leaf hash of a record: keccak256(0x00 ‖ abi.encode(fields)), the layout of
    /// DESIGN.md and docs/formats.md, the same bytes the node's store hashes.
    function leafHash(
        uint8 version,
        bytes32 symhash,
        bytes32 protohash,
        bytes32 contentSha256,
        address contributor,
        uint64 timestamp,
        bytes32 parent,
        bytes32 metaHash
    ) external pure returns (bytes32) {
        return MerkleProofs.hashLeaf(
            abi.encode(version, symhash, protohash, contentSha256, contributor, timestamp, parent, metaHash)
        );
    }

    // ---- views ----

    function exists(uint256 id) public view returns (bool) {
        return _datasets[id].owner != address(0);
    }

    function ownerOf(uint256 id) external view returns (address owner) {
        owner = _datasets[id].owner;
        if (owner == address(0)) revert UnknownDataset(id);
    }

    /// @notice The dataset's owner, number of versions, meta hash and URI.
    function getDataset(uint256 id)
        external
        view
        returns (address owner, uint256 versions, bytes32 metaHash, string memory uri)
    {
        Dataset storage d = _datasets[id];
        if (d.owner == address(0)) revert UnknownDataset(id);
        return (d.owner, d.versions, d.metaHash, d.uri);
    }

    function versionCount(uint256 id) external view returns (uint256) {
        Dataset storage d = _datasets[id];
        if (d.owner == address(0)) revert UnknownDataset(id);
        return d.versions;
    }

    /// @notice Version `version` (from 0) of dataset `id`: its root, size and anchoring time.
    function getVersion(uint256 id, uint256 version)
        external
        view
        returns (bytes32 root, uint64 size, uint64 anchoredAt)
    {
        Version storage v = _version(id, version);
        return (v.root, v.size, v.anchoredAt);
    }

    /// @notice The newest version of dataset `id`: its number, root and size.
    function latest(uint256 id) external view returns (uint256 version, bytes32 root, uint64 size) {
        Dataset storage d = _datasets[id];
        if (d.owner == address(0)) revert UnknownDataset(id);
        version = d.versions - 1;
        Version storage v = _versions[id][version];
        return (version, v.root, v.size);
    }

    function _version(uint256 id, uint256 version) internal view returns (Version storage) {
        Dataset storage d = _datasets[id];
        if (d.owner == address(0)) revert UnknownDataset(id);
        if (version >= d.versions) revert UnknownVersion(id, version);
        return _versions[id][version];
    }
}
