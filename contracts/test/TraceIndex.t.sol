// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base} from "./utils/Base.sol";
import {TraceLayout} from "../src/inference/TraceLayout.sol";

contract TraceIndexHarness {
    function indexOfLeaf(uint256 n, bytes memory leaf) external pure returns (uint256) {
        return TraceLayout.indexOfLeaf(n, leaf);
    }
}

/// TraceLayout.indexOfLeaf, which Disputes uses to place each trace input of an opened step:
/// indices for n = 17 worked out by hand from docs/formats.md's leaf order (C = c_1 + c_2 = 2 + 1).
contract TraceIndexTest is Base {
    TraceIndexHarness h;

    function setUp() public {
        h = new TraceIndexHarness();
    }

    /// tag ‖ u8 a ‖ u32 b ‖ u8 c, padded to 7 bytes (the coordinates are all the function reads).
    function leaf(uint8 tag, uint8 a, uint32 b, uint8 c) internal pure returns (bytes memory) {
        return abi.encodePacked(tag, a, b, c);
    }

    function test_indicesByHand() public view {
        vm.assertEq(h.indexOfLeaf(17, abi.encodePacked(uint8(0x30), uint32(3))), 3, "NBR[3] = 3");
        vm.assertEq(h.indexOfLeaf(17, leaf(0x31, 0, 0, 0)), 17, "X[0][0] = n");
        vm.assertEq(h.indexOfLeaf(17, leaf(0x31, 4, 16, 0)), 101, "X[4][16] = 5n + 16");
        vm.assertEq(h.indexOfLeaf(17, leaf(0x32, 0, 2, 0)), 104, "PS[0][2] = 6n + 2");
        vm.assertEq(h.indexOfLeaf(17, leaf(0x33, 3, 5, 0)), 226, "PN[3][5] = 13n + 5");
        vm.assertEq(h.indexOfLeaf(17, leaf(0x34, 1, 2, 3)), 469, "M[1][2][3] = 14n + 12(n + 2) + 3");
        vm.assertEq(h.indexOfLeaf(17, leaf(0x35, 1, 1, 0)), 1055, "SUM[1][1] = 62n + 1");
        vm.assertEq(h.indexOfLeaf(17, leaf(0x35, 2, 0, 0)), 1056, "SUM[2][0] = 62n + c_1");
        vm.assertEq(h.indexOfLeaf(17, hex"36"), 1057, "POOL = 62n + C");
        vm.assertEq(h.indexOfLeaf(17, hex"37"), 1058, "OUT = 62n + C + 1");
        // n = 1: SUM[1][0] = 62, POOL 63, OUT 64
        vm.assertEq(h.indexOfLeaf(1, leaf(0x35, 1, 0, 0)), 62, "n = 1: SUM[1][0]");
        vm.assertEq(h.indexOfLeaf(1, hex"37"), 64, "n = 1: OUT");
    }

    function test_notATraceLeaf() public {
        vm.expectRevert(abi.encodeWithSelector(TraceLayout.NotATraceLeaf.selector, 0));
        h.indexOfLeaf(17, "");
        vm.expectRevert(abi.encodeWithSelector(TraceLayout.NotATraceLeaf.selector, 0x10));
        h.indexOfLeaf(17, leaf(0x10, 0, 0, 0)); // a cell leaf
        vm.expectRevert(abi.encodeWithSelector(TraceLayout.NotATraceLeaf.selector, 0x31));
        h.indexOfLeaf(17, hex"310400"); // too short for its coordinates
        vm.expectRevert(abi.encodeWithSelector(TraceLayout.NotATraceLeaf.selector, 0x30));
        h.indexOfLeaf(17, hex"3000"); // NBR without its u32
    }
}
