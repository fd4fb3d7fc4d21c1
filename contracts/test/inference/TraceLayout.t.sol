// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TraceLayout} from "../../src/inference/TraceLayout.sol";
import {StepHarness} from "./StepHarness.sol";

/// TraceLayout: sizes derived by hand from formats.md's "Leaf order" (the same figures as
/// tests/unit/test_steps.c's test_layout), and locate as the inverse of the index functions.
contract TraceLayoutTest {
    StepHarness harness;

    function setUp() public {
        harness = new StepHarness();
    }

    function test_sizesByHand() public pure {
        // n = 1: 62 leaves per atom, one pooling node, POOL, OUT
        require(TraceLayout.levels(1) == 1 && TraceLayout.size(1) == 65 && TraceLayout.pool(1) == 63, "n = 1");
        // n = 16: still one node; n = 17: 2 + 1 nodes
        require(TraceLayout.size(16) == 62 * 16 + 1 + 2, "n = 16");
        require(TraceLayout.levels(17) == 2 && TraceLayout.count(17, 1) == 2, "n = 17 levels");
        require(TraceLayout.sum(17, 2, 0) == 62 * 17 + 2, "n = 17 top node");
        require(TraceLayout.size(17) == 62 * 17 + 3 + 2, "n = 17 size");
        // n = 100000: 6250, 391, 25, 2, 1
        uint256 n = 100000;
        require(TraceLayout.levels(n) == 5 && TraceLayout.count(n, 3) == 25, "n = 100000 levels");
        require(TraceLayout.size(n) == 6200000 + 6250 + 391 + 25 + 2 + 1 + 2, "n = 100000 size");
        require(TraceLayout.m(n, 3, 99999, 11) == 14 * n + 12 * (3 * n + 99999) + 11, "last message");
        require(TraceLayout.m(n, 3, 99999, 11) + 1 == 62 * n, "the messages end at 62 n");
        // the first leaves of each kind
        require(TraceLayout.x(5, 0, 0) == 5 && TraceLayout.x(5, 4, 4) == 29, "X");
        require(TraceLayout.p(5, 0, 0, 0) == 30 && TraceLayout.p(5, 1, 3, 4) == 69, "PS, PN");
        require(TraceLayout.m(5, 0, 0, 0) == 70, "M");
    }

    function test_outOfRange() public {
        (bool ok, bytes memory ret) = address(harness).call(abi.encodeCall(StepHarness.locate, (0, 0)));
        require(!ok && bytes4(ret) == TraceLayout.AtomCountOutOfRange.selector, "n = 0");
        (ok, ret) = address(harness).call(abi.encodeCall(StepHarness.locate, (1_000_001, 0)));
        require(!ok && bytes4(ret) == TraceLayout.AtomCountOutOfRange.selector, "n > 10^6");
        (ok, ret) = address(harness).call(abi.encodeCall(StepHarness.locate, (17, TraceLayout.size(17))));
        require(!ok && bytes4(ret) == TraceLayout.IndexOutOfRange.selector, "index = N");
        (ok,) = address(harness).call(abi.encodeCall(StepHarness.locate, (17, TraceLayout.size(17) - 1)));
        require(ok, "index = N - 1");
    }

    /// locate(n, index) names the leaf whose index function gives index back, for every n and
    /// index; past N it reverts.
    function testFuzz_locateInverts(uint256 nSeed, uint256 iSeed) public pure {
        uint256 n = 1 + nSeed % (iSeed % 3 == 0 ? TraceLayout.MAX_ATOMS : 70);
        uint256 size = TraceLayout.size(n);
        uint256 index = iSeed % size;
        if (iSeed % 5 == 0) index = size - 1 - (iSeed >> 8) % (size < 8 ? size : 8); // the pooling tree's end
        TraceLayout.Leaf memory loc = TraceLayout.locate(n, index);
        uint256 back;
        if (loc.kind == TraceLayout.Kind.Nbr) {
            back = TraceLayout.nbr(n, loc.atom);
        } else if (loc.kind == TraceLayout.Kind.X) {
            require(loc.layer <= 4, "X layer");
            back = TraceLayout.x(n, loc.layer, loc.atom);
        } else if (loc.kind == TraceLayout.Kind.PS || loc.kind == TraceLayout.Kind.PN) {
            require(loc.layer < 4, "P layer");
            back = TraceLayout.p(n, loc.kind == TraceLayout.Kind.PN ? 1 : 0, loc.layer, loc.atom);
        } else if (loc.kind == TraceLayout.Kind.M) {
            require(loc.layer < 4 && loc.k < 12, "M coordinates");
            back = TraceLayout.m(n, loc.layer, loc.atom, loc.k);
        } else if (loc.kind == TraceLayout.Kind.Sum) {
            require(loc.layer >= 1 && loc.layer <= TraceLayout.levels(n), "level");
            require(loc.atom < TraceLayout.count(n, loc.layer), "node");
            back = TraceLayout.sum(n, loc.layer, loc.atom);
        } else if (loc.kind == TraceLayout.Kind.Pool) {
            back = TraceLayout.pool(n);
        } else {
            back = TraceLayout.out(n);
        }
        require(back == index, "locate does not invert the index");
        require(loc.atom < n || loc.kind == TraceLayout.Kind.Sum || loc.kind >= TraceLayout.Kind.Pool, "atom < n");
    }
}
