// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StepCompute} from "../../src/inference/StepCompute.sol";
import {StepVerifier} from "../../src/inference/StepVerifier.sol";

/// The cheatcodes the step-vector tests use beyond test/utils/Base.sol's (forge 1.x signatures),
/// at the same address, and forge's console for the gas table.
interface VmVectors {
    function readFileBinary(string calldata path) external view returns (bytes memory data);
    function exists(string calldata path) external view returns (bool);
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory);
    function toString(uint256 value) external pure returns (string memory);
    function toString(int256 value) external pure returns (string memory);
    function envOr(string calldata name, bool defaultValue) external view returns (bool);
    function skip(bool skipTest) external;
}

/// What both step-vector tests read: the kinds as the generator numbers them, and the record of
/// each kind as it writes them (abi.encode(record)).
abstract contract Vectors {
    // kinds, as the generator numbers them
    uint256 constant NBR = 0;
    uint256 constant EMBED = 1;
    uint256 constant SELF = 2;
    uint256 constant PAIR = 3;
    uint256 constant EDGE = 4;
    uint256 constant UPDATE = 5;
    uint256 constant SUM = 6;
    uint256 constant MEAN = 7;
    uint256 constant HEAD = 8;
    uint256 constant KINDS = 9;

    // the record of each kind (the generator writes abi.encode(record))
    struct Rec1 {
        uint256 wi; // which of the file's weights openings (embed: z - 1; dev self/pair: l)
        StepVerifier.Roots r;
        uint256 index;
        StepVerifier.Opening cell;
        StepVerifier.Opening a; // embed: atom i; self/pair: X[l][i]; mean: SUM[H][0]; head: POOL
        StepVerifier.Opening output;
        bytes expected;
        bool want;
    }

    struct EdgeRec {
        uint256 wi;
        StepVerifier.Roots r;
        uint256 index;
        StepVerifier.Opening cell;
        StepVerifier.Opening nbr;
        StepVerifier.Opening ps;
        StepVerifier.Opening pn;
        StepVerifier.Opening output;
        uint256 k;
        bytes expected;
        bool want;
    }

    struct UpdateRec {
        uint256 wi;
        StepVerifier.Roots r;
        uint256 index;
        StepVerifier.Opening cell;
        StepVerifier.Opening x;
        StepVerifier.Openings m;
        StepVerifier.Opening output;
        bytes expected;
        bool want;
    }

    struct SumRec {
        uint256 wi;
        StepVerifier.Roots r;
        uint256 index;
        StepVerifier.Opening cell;
        StepVerifier.Openings children;
        StepVerifier.Opening output;
        uint256 h;
        uint256 t;
        bytes expected;
        bool want;
    }

    struct NbrRec {
        uint256 wi;
        StepVerifier.Roots r;
        uint256 index;
        StepVerifier.Opening cell;
        StepVerifier.Opening atom;
        StepVerifier.Opening nbr;
        StepVerifier.Openings entryAtoms;
        StepCompute.Witness wit;
        StepVerifier.Opening wAtom;
        bool compare; // call the check directly too (every altered list and every 16th other)
        bool want;
    }

    VmVectors internal constant vmx = VmVectors(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// forge's console (a call it intercepts: the address has no code, so no high-level call).
    address internal constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function log(string memory message) internal view {
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string)", message));
        ok;
    }

    /// Where gen_step_vectors wrote the vectors: $STEPVEC_DIR, else build/stepvec (from contracts/).
    function vectorDir() internal view returns (string memory) {
        return vmx.envOr("STEPVEC_DIR", string("../build/stepvec"));
    }

    function vectorFile(string memory name) internal view returns (bytes memory) {
        string memory path = string.concat(vectorDir(), "/", name);
        require(
            vmx.exists(path), string.concat("no ", path, ": run make contracts-test (or build/bin/gen_step_vectors)")
        );
        return vmx.readFileBinary(path);
    }
}
