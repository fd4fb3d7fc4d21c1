// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

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

abstract contract Vectors {
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
