// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {ShortStrings, ShortString} from "@openzeppelin/contracts/utils/ShortStrings.sol";

/// @notice The EIP-712 domain of a contract (name, version, chain id, the contract's address) for
/// EVMs at Shanghai rules: OpenZeppelin's EIP712 imports Strings, whose Bytes uses MCOPY in
/// assembly, which a Shanghai build refuses. Same functions, events and errors (ERC-5267's
/// eip712Domain; name and version kept short inline or in storage), so the same ABI; the domain
/// separator is computed at each call.
abstract contract EIP712 is IERC5267 {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    ShortString private immutable _name;
    ShortString private immutable _version;
    bytes32 private immutable _nameHash;
    bytes32 private immutable _versionHash;
    string private _nameFallback;
    string private _versionFallback;

    constructor(string memory name, string memory version) {
        _name = ShortStrings.toShortStringWithFallback(name, _nameFallback);
        _version = ShortStrings.toShortStringWithFallback(version, _versionFallback);
        _nameHash = keccak256(bytes(name));
        _versionHash = keccak256(bytes(version));
    }

    function _domainSeparatorV4() internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, _nameHash, _versionHash, block.chainid, address(this)));
    }

    /// The digest to sign: keccak256(0x19 0x01 ‖ domain separator ‖ structHash).
    function _hashTypedDataV4(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", _domainSeparatorV4(), structHash));
    }

    /// @inheritdoc IERC5267
    function eip712Domain()
        public
        view
        virtual
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        // fields 0x0f: name, version, chainId and verifyingContract are given
        return (
            hex"0f",
            ShortStrings.toStringWithFallback(_name, _nameFallback),
            ShortStrings.toStringWithFallback(_version, _versionFallback),
            block.chainid,
            address(this),
            bytes32(0),
            new uint256[](0)
        );
    }
}
