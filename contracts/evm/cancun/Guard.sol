// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @notice The reentrancy guard of the default build (Cancun and later: TSTORE/TLOAD). The
/// shanghai profile (foundry.toml) maps `xtalproof-evm/` to ../shanghai/ instead.
abstract contract Guard is ReentrancyGuardTransient {}
