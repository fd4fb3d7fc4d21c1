// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice keccak256(0x00 ‖ leaf) of memory bytes for EVMs at Shanghai rules (no MCOPY): plain
/// Solidity, whose copy into the packed encoding the compiler writes as a loop for this target.
library LeafHash {
    function hashMemory(bytes memory leaf) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x00), leaf));
    }
}
