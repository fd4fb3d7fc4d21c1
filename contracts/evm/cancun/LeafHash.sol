// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice keccak256(0x00 ‖ leaf) of memory bytes, built in free memory (not kept), with MCOPY
/// (Cancun and later). The shanghai profile maps `xtalproof-evm/` to ../shanghai/.
library LeafHash {
    function hashMemory(bytes memory leaf) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            let len := mload(leaf)
            mstore8(p, 0)
            mcopy(add(p, 1), add(leaf, 32), len)
            h := keccak256(p, add(len, 1))
        }
    }
}
