// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The default build's EIP-712 base: OpenZeppelin's. (Its Strings pulls in Bytes, whose
/// assembly uses MCOPY; the shanghai profile maps `xtalproof-evm/` to ../shanghai/, which has
/// a base of its own.)
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
