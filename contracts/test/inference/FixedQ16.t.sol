// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FixedQ16} from "../../src/inference/FixedQ16.sol";
import {Vectors} from "./VmVectors.sol";

/// FixedQ16 against src/model/fixed.h: every entry of both activation tables, and many values of
/// every function (the ends of each range, the thresholds, the rounding ties), from the files of
/// tests/stepvec/gen_step_vectors.c (fixed-NAME.bin: abi.encode(int256[] a, int256[] b,
/// int256[] want), want computed by the C function).
contract FixedQ16Test is Vectors {
    error Differs(string fn, uint256 item, int256 a, int256 b, int256 got, int256 want);

    function load(string memory name)
        internal
        view
        returns (int256[] memory a, int256[] memory b, int256[] memory want)
    {
        (a, b, want) = abi.decode(vectorFile(string.concat("fixed-", name, ".bin")), (int256[], int256[], int256[]));
        require(a.length >= 8000 && a.length == b.length && a.length == want.length, "too few vectors");
    }

    function check(string memory fn, uint256 i, int256 a, int256 b, int256 got, int256 want) internal pure {
        if (got != want) revert Differs(fn, i, a, b, got, want);
    }

    function test_sigmoidTable_everyEntry() public view {
        (int256[] memory a,, int256[] memory want) = load("sigtab");
        require(a.length == 8193, "8193 entries");
        for (uint256 i = 0; i < a.length; i++) {
            check("sigmoidEntry", i, a[i], 0, FixedQ16.sigmoidEntry(uint256(a[i])), want[i]);
        }
    }

    function test_softplusTable_everyEntry() public view {
        (int256[] memory a,, int256[] memory want) = load("spltab");
        require(a.length == 8193, "8193 entries");
        for (uint256 i = 0; i < a.length; i++) {
            check("tailEntry", i, a[i], 0, FixedQ16.tailEntry(uint256(a[i])), want[i]);
        }
    }

    function test_expNeg() public view {
        (int256[] memory a,, int256[] memory want) = load("exp");
        for (uint256 i = 0; i < a.length; i++) {
            check("expNegQ30", i, a[i], 0, FixedQ16.expNegQ30(a[i]), want[i]);
        }
    }

    function test_log1p() public view {
        (int256[] memory a,, int256[] memory want) = load("log1p");
        for (uint256 i = 0; i < a.length; i++) {
            check("log1pQ30", i, a[i], 0, FixedQ16.log1pQ30(a[i]), want[i]);
        }
    }

    function test_sigmoidExact() public view {
        (int256[] memory a,, int256[] memory want) = load("sigexact");
        for (uint256 i = 0; i < a.length; i++) {
            check("sigmoidExact", i, a[i], 0, FixedQ16.sigmoidExact(a[i]), want[i]);
        }
    }

    function test_softplusTailExact() public view {
        (int256[] memory a,, int256[] memory want) = load("tailexact");
        for (uint256 i = 0; i < a.length; i++) {
            check("softplusTailExact", i, a[i], 0, FixedQ16.softplusTailExact(a[i]), want[i]);
        }
    }

    function test_sigmoid() public view {
        (int256[] memory a,, int256[] memory want) = load("sigmoid");
        for (uint256 i = 0; i < a.length; i++) {
            check("sigmoid", i, a[i], 0, FixedQ16.sigmoid(a[i]), want[i]);
        }
    }

    function test_softplus() public view {
        (int256[] memory a,, int256[] memory want) = load("softplus");
        for (uint256 i = 0; i < a.length; i++) {
            check("softplus", i, a[i], 0, FixedQ16.softplus(a[i]), want[i]);
        }
    }

    function test_gauss() public view {
        (int256[] memory a, int256[] memory b, int256[] memory want) = load("gauss");
        for (uint256 i = 0; i < a.length; i++) {
            check("gauss", i, a[i], b[i], FixedQ16.gauss(a[i], uint256(b[i])), want[i]);
        }
    }

    function test_round32() public view {
        (int256[] memory a,, int256[] memory want) = load("round32");
        for (uint256 i = 0; i < a.length; i++) {
            check("round32", i, a[i], 0, FixedQ16.round32(a[i]), want[i]);
        }
    }

    function test_sat32() public view {
        (int256[] memory a,, int256[] memory want) = load("sat32");
        for (uint256 i = 0; i < a.length; i++) {
            check("sat32", i, a[i], 0, FixedQ16.sat32(a[i]), want[i]);
        }
    }

    function test_floorDiv() public view {
        (int256[] memory a, int256[] memory b, int256[] memory want) = load("floordiv");
        for (uint256 i = 0; i < a.length; i++) {
            check("floorDiv", i, a[i], b[i], FixedQ16.floorDiv(a[i], b[i]), want[i]);
        }
    }

    /// A few values by hand (formats.md): the table ends, sigma(0) = 1/2, softplus(0) = ln 2.
    function test_byHand() public pure {
        require(FixedQ16.sigmoid(0) == 32768, "sigmoid(0)");
        require(FixedQ16.sigmoid(-16 * 65536 - 5) == FixedQ16.sigmoidEntry(0), "below the table");
        require(FixedQ16.sigmoid(type(int32).max) == FixedQ16.sigmoidEntry(8192), "above the table");
        require(FixedQ16.softplus(0) == 45426, "softplus(0) = round(ln 2 2^16)");
        require(FixedQ16.softplus(20 * 65536 + 1) == 20 * 65536 + 1, "above the threshold: x");
        require(FixedQ16.softplus(-32 * 65536) == 0, "tail 0 from |x| = 32");
        require(FixedQ16.expNegQ30(0) == 1 << 30 && FixedQ16.expNegQ30(32 * 65536) == 0, "exp ends");
        require(FixedQ16.gauss(0, 0) == 65536 && FixedQ16.gauss(9 * 65536, 40) == 0, "gauss");
        require(FixedQ16.round32(-32768) == 0 && FixedQ16.round32(-32769) == -1, "ties round up");
        require(FixedQ16.floorDiv(-1, 2) == -1 && FixedQ16.floorDiv(-2, 2) == -1, "floor");
    }
}
