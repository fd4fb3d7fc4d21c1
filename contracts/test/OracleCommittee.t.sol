// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base} from "./utils/Base.sol";
import {OracleCommittee} from "../src/OracleCommittee.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract OracleCommitteeTest is Base {
    uint256 constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141; // secp256k1 order
    uint256[3] keys = [uint256(0xA1), 0xA2, 0xA3];
    address[3] signers;
    address admin = address(0xAD);
    OracleCommittee com;

    function setUp() public {
        address[] memory m = new address[](3);
        for (uint256 i = 0; i < 3; i++) {
            signers[i] = vm.addr(keys[i]);
            m[i] = signers[i];
        }
        com = new OracleCommittee(admin, m, 2);
    }

    function report() internal pure returns (OracleCommittee.Report memory) {
        return OracleCommittee.Report({
            round: 1,
            symhash: keccak256("NaCl"),
            property: "formation_energy",
            value: -2.5 * 65536,
            uncertainty: 655, // 0.01 in Q16.16
            rawDataHash: keccak256("raw"),
            facility: "ESRF-ID22",
            measuredAt: 1764460800
        });
    }

    /// The EIP-712 digest, written out by hand from EIP-712 and docs/formats.md.
    function digestByHand(OracleCommittee.Report memory r, uint256 chainid, address verifier)
        internal
        pure
        returns (bytes32)
    {
        bytes32 domainType =
            keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
        bytes32 domain = keccak256(
            abi.encode(domainType, keccak256("xtalproof OracleCommittee"), keccak256("1"), chainid, verifier)
        );
        bytes32 typeHash = keccak256(
            "OracleReport(uint256 round,bytes32 symhash,bytes32 property,int256 value,uint256 uncertainty,bytes32 rawDataHash,bytes32 facility,uint64 measuredAt)"
        );
        bytes32 structHash = keccak256(
            abi.encode(
                typeHash, r.round, r.symhash, r.property, r.value, r.uncertainty, r.rawDataHash, r.facility, r.measuredAt
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domain, structHash));
    }

    function sigs2(bytes32 d, uint256 a, uint256 b) internal view returns (bytes[] memory s) {
        s = new bytes[](2);
        s[0] = sig(keys[a], d);
        s[1] = sig(keys[b], d);
    }

    // ---- construction and views ----

    function test_constructed() public view {
        vm.assertEq(com.owner(), admin, "admin");
        vm.assertEq(com.threshold(), 2, "k");
        vm.assertEq(com.memberCount(), 3, "n");
        address[] memory m = com.members();
        vm.assertEq(m[2], signers[2], "member 2");
        vm.assertTrue(com.isMember(signers[0]), "member");
        vm.assertFalse(com.isMember(admin), "admin is not a member");
        vm.assertEq(com.hashReport(report()), digestByHand(report(), block.chainid, address(com)), "digest");
        vm.assertEq(
            com.domainSeparator(),
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("xtalproof OracleCommittee"),
                    keccak256("1"),
                    block.chainid,
                    address(com)
                )
            ),
            "domain"
        );
    }

    function test_constructor_reverts() public {
        address[] memory m = new address[](2);
        m[0] = address(1);
        m[1] = address(1);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.AlreadyMember.selector, address(1)));
        new OracleCommittee(admin, m, 1);
        m[1] = address(0);
        vm.expectRevert(OracleCommittee.ZeroMember.selector);
        new OracleCommittee(admin, m, 1);
        m[1] = address(2);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.BadThreshold.selector, 3, 2));
        new OracleCommittee(admin, m, 3);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.BadThreshold.selector, 0, 2));
        new OracleCommittee(admin, m, 0);
    }

    // ---- verifyReport ----

    function test_verify_kOfN() public view {
        bytes32 d = digestByHand(report(), block.chainid, address(com));
        vm.assertEq(com.verifyReport(report(), sigs2(d, 0, 1)), d, "0,1");
        com.verifyReport(report(), sigs2(d, 2, 0));
        bytes[] memory all = new bytes[](3);
        (all[0], all[1], all[2]) = (sig(keys[1], d), sig(keys[2], d), sig(keys[0], d));
        com.verifyReport(report(), all);
    }

    /// v as 0/1 (the recovery id) is accepted like 27/28.
    function test_verify_recoveryIdV() public view {
        bytes32 d = com.hashReport(report());
        bytes[] memory s = sigs2(d, 0, 1);
        for (uint256 i = 0; i < 2; i++) {
            s[i][64] = bytes1(uint8(s[i][64]) - 27);
        }
        com.verifyReport(report(), s);
    }

    function test_verify_revert_tooFew() public {
        bytes32 d = com.hashReport(report());
        bytes[] memory s = new bytes[](1);
        s[0] = sig(keys[0], d);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.NotEnoughSignatures.selector, 1, 2));
        com.verifyReport(report(), s);
    }

    function test_verify_revert_sameSignerTwice() public {
        bytes32 d = com.hashReport(report());
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.DuplicateSigner.selector, signers[1]));
        com.verifyReport(report(), sigs2(d, 1, 1));
    }

    function test_verify_revert_nonMember() public {
        bytes32 d = com.hashReport(report());
        bytes[] memory s = sigs2(d, 0, 1);
        s[1] = sig(0xBAD, d);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.NotAMember.selector, vm.addr(0xBAD)));
        com.verifyReport(report(), s);
    }

    /// The high-s twin (s' = n - s, v flipped) recovers the same key; it is refused.
    function test_verify_revert_malleable() public {
        bytes32 d = com.hashReport(report());
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[1], d);
        bytes32 s2 = bytes32(N - uint256(s));
        uint8 v2 = v == 27 ? 28 : 27;
        vm.assertEq(ecrecover(d, v2, r, s2), signers[1], "the twin recovers the same signer");
        bytes[] memory ss = new bytes[](2);
        ss[0] = sig(keys[0], d);
        ss[1] = abi.encodePacked(r, s2, v2);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.MalleableSignature.selector, 1));
        com.verifyReport(report(), ss);
    }

    function test_verify_revert_badSignature() public {
        bytes32 d = com.hashReport(report());
        bytes[] memory s = sigs2(d, 0, 1);
        s[0][64] = bytes1(uint8(29)); // no such v
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.BadSignature.selector, 0));
        com.verifyReport(report(), s);
        s = sigs2(d, 0, 1);
        s[1] = new bytes(65); // r = s = 0
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.BadSignature.selector, 1));
        com.verifyReport(report(), s);
        s = sigs2(d, 0, 1);
        s[1] = new bytes(64);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.BadSignatureLength.selector, 1, 64));
        com.verifyReport(report(), s);
    }

    /// Any changed field gives another digest: the signatures recover other addresses.
    function test_verify_revert_changedField() public {
        bytes32 d = com.hashReport(report());
        bytes[] memory s = sigs2(d, 0, 1);
        OracleCommittee.Report memory r = report();
        r.value += 1;
        vm.expectRevert();
        com.verifyReport(r, s);
        r = report();
        r.round = 2;
        vm.expectRevert();
        com.verifyReport(r, s);
        r = report();
        r.measuredAt += 1;
        vm.expectRevert();
        com.verifyReport(r, s);
    }

    /// Signatures for one chain do not count on another; for one committee not on another.
    function test_verify_domainBoundToChainAndContract() public {
        bytes32 d = com.hashReport(report());
        bytes[] memory s = sigs2(d, 0, 1);
        uint256 chain = block.chainid;
        vm.chainId(chain + 1);
        vm.assertEq(com.hashReport(report()), digestByHand(report(), chain + 1, address(com)), "new chain digest");
        vm.expectRevert();
        com.verifyReport(report(), s);
        vm.chainId(chain);
        com.verifyReport(report(), s);

        address[] memory m = new address[](3);
        (m[0], m[1], m[2]) = (signers[0], signers[1], signers[2]);
        OracleCommittee twin = new OracleCommittee(admin, m, 2);
        vm.expectRevert();
        twin.verifyReport(report(), s);
    }

    // ---- admin ----

    function test_admin_changes() public {
        address dave = address(0xDA7E);
        vm.startPrank(admin);
        vm.expectEmit(true, false, false, true, address(com));
        emit OracleCommittee.MemberAdded(dave);
        com.addMember(dave);
        vm.expectEmit(false, false, false, true, address(com));
        emit OracleCommittee.ThresholdChanged(2, 4);
        com.setThreshold(4);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.BadThreshold.selector, 4, 3));
        com.removeMember(signers[0]);
        com.setThreshold(3);
        vm.expectEmit(true, false, false, true, address(com));
        emit OracleCommittee.MemberRemoved(signers[0]);
        com.removeMember(signers[0]);
        vm.stopPrank();
        vm.assertEq(com.memberCount(), 3, "n");
        vm.assertFalse(com.isMember(signers[0]), "removed");
        vm.assertEq(com.members()[0], dave, "last moved into the hole");

        // the removed member's signature no longer counts; k = 3 now needs all three
        bytes32 d = com.hashReport(report());
        bytes[] memory s = new bytes[](3);
        (s[0], s[1], s[2]) = (sig(keys[0], d), sig(keys[1], d), sig(keys[2], d));
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.NotAMember.selector, signers[0]));
        com.verifyReport(report(), s);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.NotEnoughSignatures.selector, 2, 3));
        com.verifyReport(report(), sigs2(d, 1, 2));
    }

    function test_admin_reverts() public {
        bytes memory notOwner = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, signers[0]);
        vm.startPrank(signers[0]);
        vm.expectRevert(notOwner);
        com.addMember(address(7));
        vm.expectRevert(notOwner);
        com.removeMember(signers[1]);
        vm.expectRevert(notOwner);
        com.setThreshold(1);
        vm.expectRevert(notOwner);
        com.transferOwnership(signers[0]);
        vm.stopPrank();

        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.AlreadyMember.selector, signers[1]));
        com.addMember(signers[1]);
        vm.expectRevert(OracleCommittee.ZeroMember.selector);
        com.addMember(address(0));
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.NotAMember.selector, address(7)));
        com.removeMember(address(7));
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.BadThreshold.selector, 0, 3));
        com.setThreshold(0);
        vm.expectRevert(abi.encodeWithSelector(OracleCommittee.BadThreshold.selector, 4, 3));
        com.setThreshold(4);
        // a new admin takes over
        com.transferOwnership(address(0xAD2));
        vm.stopPrank();
        vm.prank(address(0xAD2));
        com.setThreshold(1);
        vm.assertEq(com.threshold(), 1, "new admin");
    }

    function test_admin_maxMembers() public {
        vm.startPrank(admin);
        for (uint256 i = 3; i < 256; i++) com.addMember(address(uint160(0x10000 + i)));
        vm.expectRevert(OracleCommittee.TooManyMembers.selector);
        com.addMember(address(0x99999));
        vm.stopPrank();
        vm.assertEq(com.memberCount(), 256, "256 members");
        // the member in the last place (bit 255) signs fine
        vm.prank(admin);
        com.removeMember(signers[0]); // moves member 255 into place 0
        vm.prank(admin);
        com.addMember(signers[0]); // place 256 -> bit 255
        bytes32 d = com.hashReport(report());
        com.verifyReport(report(), sigs2(d, 0, 1));
    }
}
