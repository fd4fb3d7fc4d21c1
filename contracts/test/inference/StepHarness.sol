// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StepCompute} from "../../src/inference/StepCompute.sol";
import {TraceLayout} from "../../src/inference/TraceLayout.sol";

/// The step computations of StepCompute (internal library functions) as external calls, so that
/// each test vector runs in a call frame of its own (its memory is freed when the call returns).
contract StepHarness {
    function embed(bytes calldata atom, bytes calldata emb) external pure returns (bytes memory) {
        return StepCompute.embed(atom, emb);
    }

    function projection(bytes calldata x, bytes calldata w) external pure returns (bytes memory) {
        return StepCompute.projection(x, w);
    }

    function edge(bytes calldata nbr, uint256 k, bytes calldata ps, bytes calldata pn, bytes calldata w)
        external
        pure
        returns (bytes memory)
    {
        return StepCompute.edge(nbr, k, ps, pn, w);
    }

    function update(bytes calldata x, bytes[] calldata m, bytes calldata w) external pure returns (bytes memory) {
        return StepCompute.update(x, m, w);
    }

    function sum(uint256 h, uint256 t, bytes[] calldata children) external pure returns (bytes memory) {
        return StepCompute.sum(h, t, children);
    }

    function mean(bytes calldata top, uint256 n) external pure returns (bytes memory) {
        return StepCompute.mean(top, n);
    }

    function head(bytes calldata pool, bytes calldata w) external pure returns (bytes memory) {
        return StepCompute.head(pool, w);
    }

    function nbrCheck(
        bytes calldata cell,
        bytes calldata atom,
        bytes calldata nbr,
        bytes[] calldata entryAtoms,
        StepCompute.Witness calldata wit,
        bytes calldata wAtom
    ) external pure returns (bool) {
        return StepCompute.nbrCheck(cell, atom, nbr, entryAtoms, wit, wAtom);
    }

    function locate(uint256 n, uint256 index) external pure returns (TraceLayout.Leaf memory) {
        return TraceLayout.locate(n, index);
    }
}
