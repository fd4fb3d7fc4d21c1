// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @notice The reentrancy guard of the shanghai build (no transient storage before Cancun): a
/// storage slot, OpenZeppelin's ReentrancyGuard. foundry.toml's shanghai profile maps
/// `xtalproof-evm/` here.
abstract contract Guard is ReentrancyGuard {}
