// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Leaves} from "../../src/inference/Leaves.sol";
import {StepCompute} from "../../src/inference/StepCompute.sol";
import {StepHarness} from "./StepHarness.sol";

/// The named errors of the step computations on malformed leaves and on inputs outside the
/// format (where the exact result does not fit its field), with leaves built here byte by byte.
contract StepErrorsTest {
    StepHarness harness;

    function setUp() public {
        harness = new StepHarness();
    }

    function leaf(uint256 tag, uint256 len) internal pure returns (bytes memory b) {
        b = new bytes(len);
        b[0] = bytes1(uint8(tag));
    }

    function put32(bytes memory b, uint256 off, uint256 v) internal pure {
        for (uint256 i = 0; i < 4; i++) {
            b[off + i] = bytes1(uint8(v >> (24 - 8 * i)));
        }
    }

    function put64(bytes memory b, uint256 off, uint256 v) internal pure {
        put32(b, off, v >> 32);
        put32(b, off + 4, v & 0xffffffff);
    }

    /// Calls the harness; it must revert with `sel`.
    function reverts(bytes memory cd, bytes4 sel, string memory what) internal {
        (bool ok, bytes memory ret) = address(harness).call(cd);
        require(!ok, string.concat(what, ": did not revert"));
        require(ret.length >= 4 && bytes4(ret) == sel, string.concat(what, ": another error"));
    }

    function test_malformedLeaves() public {
        bytes memory x = leaf(Leaves.X_TAG, Leaves.X_LEN);
        bytes memory w = leaf(Leaves.SELF_TAG, Leaves.PROJ_LEN);
        (bool ok,) = address(harness).call(abi.encodeCall(StepHarness.projection, (x, w)));
        require(ok, "a well-formed projection");
        reverts(
            abi.encodeCall(StepHarness.projection, (leaf(Leaves.NBR_TAG, Leaves.X_LEN), w)),
            Leaves.WrongTag.selector,
            "X with another tag"
        );
        reverts(
            abi.encodeCall(StepHarness.projection, (leaf(Leaves.X_TAG, Leaves.X_LEN - 1), w)),
            Leaves.WrongLength.selector,
            "X one byte short"
        );
        reverts(
            abi.encodeCall(StepHarness.projection, (x, leaf(Leaves.EDGE_TAG, Leaves.PROJ_LEN))),
            Leaves.WrongTag.selector,
            "the edge weights as projection weights"
        );
        reverts(abi.encodeCall(StepHarness.projection, (x, "")), Leaves.WrongLength.selector, "no weights");
        bytes memory x4 = leaf(Leaves.X_TAG, Leaves.X_LEN);
        x4[1] = 0x04; // X[4] is not projected
        reverts(abi.encodeCall(StepHarness.projection, (x4, w)), StepCompute.OutOfRange.selector, "X[4]");
        bytes memory w1 = leaf(Leaves.SELF_TAG, Leaves.PROJ_LEN);
        w1[1] = 0x01;
        reverts(abi.encodeCall(StepHarness.projection, (x, w1)), StepCompute.CoordinateMismatch.selector, "layer");
    }

    function test_embedElements() public {
        bytes memory atom = leaf(Leaves.ATOM_TAG, Leaves.ATOM_LEN);
        bytes memory emb = leaf(Leaves.EMB_TAG, Leaves.EMB_LEN);
        atom[5] = 0x65; // Z = 101: no embedding
        emb[1] = 0x65;
        reverts(abi.encodeCall(StepHarness.embed, (atom, emb)), StepCompute.NoEmbedding.selector, "Z = 101");
        atom[5] = 0x00;
        reverts(abi.encodeCall(StepHarness.embed, (atom, emb)), StepCompute.NoEmbedding.selector, "Z = 0");
        atom[5] = 0x08;
        emb[1] = 0x09;
        reverts(abi.encodeCall(StepHarness.embed, (atom, emb)), StepCompute.CoordinateMismatch.selector, "Z 8, emb 9");
        emb[1] = 0x08;
        put32(atom, 1, 7);
        emb[2] = 0x12;
        bytes memory x = harness.embed(atom, emb);
        require(x.length == Leaves.X_LEN && uint8(x[0]) == Leaves.X_TAG && uint8(x[1]) == 0, "X[0] header");
        require(uint8(x[5]) == 7 && uint8(x[6]) == 0x12, "X[0][7] is the embedding");
    }

    function test_edgeCoordinates() public {
        bytes memory nbr = leaf(Leaves.NBR_TAG, Leaves.NBR_LEN);
        bytes memory ps = leaf(Leaves.PS_TAG, Leaves.P_LEN);
        bytes memory pn = leaf(Leaves.PN_TAG, Leaves.P_LEN);
        bytes memory w = leaf(Leaves.EDGE_TAG, Leaves.EDGE_LEN);
        put32(nbr, 6 + 20 * 3, 5); // entry 3: atom 5
        put32(pn, 2, 5);
        (bool ok,) = address(harness).call(abi.encodeCall(StepHarness.edge, (nbr, 3, ps, pn, w)));
        require(ok, "a well-formed edge");
        reverts(
            abi.encodeCall(StepHarness.edge, (nbr, 2, ps, pn, w)),
            StepCompute.CoordinateMismatch.selector,
            "PN of another atom"
        );
        reverts(abi.encodeCall(StepHarness.edge, (nbr, 12, ps, pn, w)), StepCompute.OutOfRange.selector, "slot 12");
        put32(ps, 2, 1);
        reverts(
            abi.encodeCall(StepHarness.edge, (nbr, 3, ps, pn, w)),
            StepCompute.CoordinateMismatch.selector,
            "PS of another atom"
        );
    }

    function test_updateNeedsTwelveMessages() public {
        bytes memory x = leaf(Leaves.X_TAG, Leaves.X_LEN);
        bytes memory w = leaf(Leaves.NORM_TAG, Leaves.NORM_LEN);
        bytes[] memory m = new bytes[](12);
        for (uint256 k = 0; k < 12; k++) {
            m[k] = leaf(Leaves.M_TAG, Leaves.M_LEN);
            m[k][6] = bytes1(uint8(k));
        }
        bytes memory out = harness.update(x, m, w);
        require(uint8(out[1]) == 1, "X[1]");
        // softplus(0) = round(ln 2 2^16) = 45426 in every value
        require(uint8(out[8]) == 0xb1 && uint8(out[9]) == 0x72, "softplus(0)");
        m[5][6] = 0x06;
        reverts(abi.encodeCall(StepHarness.update, (x, m, w)), StepCompute.CoordinateMismatch.selector, "two slots 6");
        bytes[] memory m11 = new bytes[](11);
        for (uint256 k = 0; k < 11; k++) {
            m11[k] = m[k];
        }
        reverts(abi.encodeCall(StepHarness.update, (x, m11, w)), StepCompute.WrongCount.selector, "11 messages");
    }

    /// Sums that no forward pass makes and C's int64 arithmetic cannot hold: refused.
    function test_valuesOutOfRange() public {
        // projection: 64 products of (-2^31)(-2^31) = 2^68
        bytes memory x = leaf(Leaves.X_TAG, Leaves.X_LEN);
        bytes memory w = leaf(Leaves.SELF_TAG, Leaves.PROJ_LEN);
        for (uint256 k = 0; k < 64; k++) {
            x[6 + 4 * k] = 0x80;
        }
        for (uint256 k = 2; k < Leaves.PROJ_LEN; k += 4) {
            w[k] = 0x80;
        }
        reverts(
            abi.encodeCall(StepHarness.projection, (x, w)), StepCompute.ValueOutOfRange.selector, "a sum beyond int64"
        );
        // sum: two children of 2^62 make 2^63
        bytes[] memory ch = new bytes[](2);
        for (uint256 u = 0; u < 2; u++) {
            ch[u] = leaf(Leaves.SUM_TAG, Leaves.SUM_LEN);
            ch[u][1] = 0x01;
            put32(ch[u], 2, u);
            put64(ch[u], 6, 1 << 62);
        }
        reverts(
            abi.encodeCall(StepHarness.sum, (2, 0, ch)), StepCompute.ValueOutOfRange.selector, "a node beyond int64"
        );
        ch[1][6] = 0x00; // 2^62 + 0: fits
        bytes memory s = harness.sum(2, 0, ch);
        require(uint8(s[6]) == 0x40, "2^62");
        // mean of one atom whose sum is 2^62: beyond int32
        bytes memory top = leaf(Leaves.SUM_TAG, Leaves.SUM_LEN);
        top[1] = 0x01;
        put64(top, 6, 1 << 62);
        reverts(abi.encodeCall(StepHarness.mean, (top, 1)), StepCompute.ValueOutOfRange.selector, "a mean beyond int32");
        reverts(abi.encodeCall(StepHarness.sum, (1, 0, new bytes[](0))), StepCompute.WrongCount.selector, "no children");
    }

    function test_nbrCheckAtomRange() public {
        bytes memory cell = leaf(Leaves.CELL_TAG, Leaves.CELL_LEN);
        put32(cell, 1, 2);
        bytes memory ai = leaf(Leaves.ATOM_TAG, Leaves.ATOM_LEN);
        put32(ai, 1, 2);
        StepCompute.Witness memory wit;
        reverts(
            abi.encodeCall(
                StepHarness.nbrCheck, (cell, ai, leaf(Leaves.NBR_TAG, Leaves.NBR_LEN), new bytes[](0), wit, "")
            ),
            StepCompute.AtomOutOfRange.selector,
            "atom 2 of 2"
        );
        // a list of another atom, or not a list at all, is wrong (false, not a revert)
        put32(ai, 1, 1);
        bytes memory nbr = leaf(Leaves.NBR_TAG, Leaves.NBR_LEN);
        require(!harness.nbrCheck(cell, ai, nbr, new bytes[](0), wit, ""), "the list of atom 0 for atom 1");
        require(!harness.nbrCheck(cell, ai, leaf(Leaves.X_TAG, Leaves.NBR_LEN), new bytes[](0), wit, ""), "not a list");
    }
}
