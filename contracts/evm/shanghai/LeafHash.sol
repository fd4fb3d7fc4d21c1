// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice keccak256(0x00 ‖ leaf) of memory bytes, built in free memory (not kept), for EVMs at
/// Shanghai rules (no MCOPY): the bytes copied a word at a time. Words past the leaf's end are
/// written too, in free memory, and not hashed.
library LeafHash {
    function hashMemory(bytes memory leaf) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            let len := mload(leaf)
            let src := add(leaf, 32)
            let dst := add(p, 1)
            for { let i := 0 } lt(i, len) { i := add(i, 32) } {
                mstore(add(dst, i), mload(add(src, i)))
            }
            mstore8(p, 0)
            h := keccak256(p, add(len, 1))
        }
    }
}
