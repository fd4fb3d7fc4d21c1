// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base} from "./utils/Base.sol";
import {RefTree} from "./utils/RefTree.sol";
import {MerkleProofs} from "../src/MerkleProofs.sol";
import {ProvenanceRegistry} from "../src/ProvenanceRegistry.sol";

contract ProvenanceRegistryTest is Base, RefTree {
    ProvenanceRegistry reg;
    address alice = address(0xA11CE);
    address bob = address(0xB0B);

    function setUp() public {
        reg = new ProvenanceRegistry();
    }

    function create(bytes32[] memory leaves, uint256 n) internal returns (uint256 id) {
        vm.prank(alice);
        id = reg.createDataset(mth(leaves, 0, n), uint64(n), keccak256("meta"), "ipfs://set");
    }

    // ---- leafHash: the record layout of DESIGN.md ----

    /// The vector was computed outside Solidity (js-sha3 over the hand-written 257 bytes
    /// 0x00 ‖ eight 32-byte words), see docs/formats.md "Record leaf".
    function test_leafHash_vector() public view {
        bytes32 h = reg.leafHash(
            1,
            bytes32(hex"1111111111111111111111111111111111111111111111111111111111111111"),
            bytes32(hex"2222222222222222222222222222222222222222222222222222222222222222"),
            bytes32(hex"3333333333333333333333333333333333333333333333333333333333333333"),
            0x00112233445566778899AABbCCdDeeFf00112233,
            1764460800,
            bytes32(hex"4444444444444444444444444444444444444444444444444444444444444444"),
            bytes32(hex"5555555555555555555555555555555555555555555555555555555555555555")
        );
        vm.assertEq(h, 0x6511df952214994107f971dd9d57a4d757e63310d35a3b31ab664c2041ba6522, "leaf vector");
    }

    /// Each field lands in its own 32-byte word, in order, after the 0x00 prefix.
    function testFuzz_leafHash_layout(
        uint8 version,
        bytes32 symhash,
        bytes32 protohash,
        bytes32 content,
        address contributor,
        uint64 timestamp,
        bytes32 parent,
        bytes32 metaHash
    ) public view {
        bytes memory raw = abi.encodePacked(
            bytes1(0x00),
            bytes32(uint256(version)),
            symhash,
            protohash,
            content,
            bytes32(uint256(uint160(contributor))),
            bytes32(uint256(timestamp)),
            parent,
            metaHash
        );
        vm.assertEq(raw.length, 257, "257 bytes");
        vm.assertEq(
            reg.leafHash(version, symhash, protohash, content, contributor, timestamp, parent, metaHash),
            keccak256(raw),
            "leaf layout"
        );
    }

    // ---- createDataset ----

    function test_create() public {
        bytes32[] memory d = makeLeaves(1, 5);
        bytes32 root = mth(d, 0, 5);
        vm.expectEmit(true, true, false, true, address(reg));
        emit ProvenanceRegistry.DatasetCreated(1, alice, root, 5, keccak256("meta"), "ipfs://set");
        uint256 id = create(d, 5);
        vm.assertEq(id, 1, "first id");
        vm.assertEq(reg.datasetCount(), 1, "count");
        vm.assertTrue(reg.exists(1), "exists");
        vm.assertFalse(reg.exists(2), "not 2");
        vm.assertEq(reg.ownerOf(1), alice, "owner");
        (address owner, uint256 versions, bytes32 meta, string memory uri) = reg.getDataset(1);
        vm.assertEq(owner, alice, "owner");
        vm.assertEq(versions, 1, "one version");
        vm.assertEq(meta, keccak256("meta"), "meta");
        vm.assertEq(uri, "ipfs://set", "uri");
        vm.assertEq(reg.versionCount(1), 1, "versionCount");
        (bytes32 r, uint64 size, uint64 when) = reg.getVersion(1, 0);
        vm.assertEq(r, root, "root");
        vm.assertEq(size, 5, "size");
        vm.assertEq(when, block.timestamp, "anchoredAt");
        (uint256 v, bytes32 lr, uint64 ls) = reg.latest(1);
        vm.assertEq(v, 0, "latest version");
        vm.assertEq(lr, root, "latest root");
        vm.assertEq(ls, 5, "latest size");
        vm.prank(bob);
        vm.assertEq(reg.createDataset(root, 5, 0, ""), 2, "second id");
    }

    function test_create_empty() public {
        vm.prank(alice);
        uint256 id = reg.createDataset(keccak256(""), 0, 0, "");
        (bytes32 r, uint64 size,) = reg.getVersion(id, 0);
        vm.assertEq(r, keccak256(""), "empty root");
        vm.assertEq(size, 0, "empty");
    }

    function test_create_revert_emptyWithWrongRoot() public {
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.BadEmptyRoot.selector, bytes32(uint256(1))));
        reg.createDataset(bytes32(uint256(1)), 0, 0, "");
    }

    // ---- extendDataset ----

    function test_extend() public {
        bytes32[] memory d = makeLeaves(2, 13);
        uint256 id = create(d, 5);
        bytes32 r8 = mth(d, 0, 8);
        vm.expectEmit(true, true, false, true, address(reg));
        emit ProvenanceRegistry.DatasetExtended(id, 1, r8, 8);
        vm.prank(alice);
        vm.assertEq(reg.extendDataset(id, r8, 8, subproof(d, 5, 0, 8, true)), 1, "version 1");
        vm.prank(alice);
        vm.assertEq(reg.extendDataset(id, mth(d, 0, 13), 13, subproof(d, 8, 0, 13, true)), 2, "version 2");
        vm.assertEq(reg.versionCount(id), 3, "three versions");
        (bytes32 r, uint64 size,) = reg.getVersion(id, 0);
        vm.assertEq(r, mth(d, 0, 5), "v0 kept");
        vm.assertEq(size, 5, "v0 size kept");
        (r, size,) = reg.getVersion(id, 1);
        vm.assertEq(r, r8, "v1");
        vm.assertEq(size, 8, "v1 size");
        (uint256 v, bytes32 lr, uint64 ls) = reg.latest(id);
        vm.assertEq(v, 2, "latest");
        vm.assertEq(lr, mth(d, 0, 13), "latest root");
        vm.assertEq(ls, 13, "latest size");
    }

    function test_extend_fromEmpty() public {
        vm.prank(alice);
        uint256 id = reg.createDataset(keccak256(""), 0, 0, "");
        bytes32[] memory d = makeLeaves(3, 3);
        vm.prank(alice);
        reg.extendDataset(id, mth(d, 0, 3), 3, new bytes32[](0));
        vm.prank(alice);
        vm.expectRevert(ProvenanceRegistry.BadConsistencyProof.selector);
        reg.extendDataset(id, mth(d, 0, 3), 4, new bytes32[](0)); // 3 -> 4 needs a proof
    }

    function test_extend_revert_fromEmptyWithProof() public {
        vm.prank(alice);
        uint256 id = reg.createDataset(keccak256(""), 0, 0, "");
        vm.prank(alice);
        vm.expectRevert(ProvenanceRegistry.BadConsistencyProof.selector);
        reg.extendDataset(id, bytes32(uint256(1)), 1, new bytes32[](1));
    }

    function test_extend_revert_unknown() public {
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.UnknownDataset.selector, 7));
        reg.extendDataset(7, 0, 1, new bytes32[](0));
    }

    function test_extend_revert_notOwner() public {
        bytes32[] memory d = makeLeaves(4, 8);
        uint256 id = create(d, 4);
        bytes32[] memory p = subproof(d, 4, 0, 8, true);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.NotDatasetOwner.selector, id, bob));
        reg.extendDataset(id, mth(d, 0, 8), 8, p);
    }

    function test_extend_revert_notLarger() public {
        bytes32[] memory d = makeLeaves(5, 8);
        uint256 id = create(d, 6);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.NotAnAppend.selector, 6, 6));
        reg.extendDataset(id, mth(d, 0, 6), 6, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.NotAnAppend.selector, 6, 4));
        reg.extendDataset(id, mth(d, 0, 4), 4, subproof(d, 4, 0, 6, true));
        vm.stopPrank();
    }

    /// A tree that rewrites a record before the old size is not an append: refused.
    function test_extend_revert_rewrite() public {
        bytes32[] memory d = makeLeaves(6, 9);
        uint256 id = create(d, 5);
        bytes32[] memory forged = copy(d);
        forged[2] = keccak256("rewritten");
        bytes32[] memory p = subproof(forged, 5, 0, 9, true);
        vm.prank(alice);
        vm.expectRevert(ProvenanceRegistry.BadConsistencyProof.selector);
        reg.extendDataset(id, mth(forged, 0, 9), 9, p);
        // the honest proof for the honest tree passes
        vm.prank(alice);
        reg.extendDataset(id, mth(d, 0, 9), 9, subproof(d, 5, 0, 9, true));
    }

    /// A proof for the right tree but claimed for another size, or with a wrong root: refused.
    function test_extend_revert_wrongSizeOrRoot() public {
        bytes32[] memory d = makeLeaves(7, 12);
        uint256 id = create(d, 3);
        bytes32[] memory p = subproof(d, 3, 0, 12, true);
        vm.startPrank(alice);
        vm.expectRevert(ProvenanceRegistry.BadConsistencyProof.selector);
        reg.extendDataset(id, mth(d, 0, 12), 5, p);
        vm.expectRevert(ProvenanceRegistry.BadConsistencyProof.selector);
        reg.extendDataset(id, mth(d, 0, 11), 12, p);
        vm.expectRevert(ProvenanceRegistry.BadConsistencyProof.selector);
        reg.extendDataset(id, mth(d, 0, 12), 12, new bytes32[](0));
        vm.stopPrank();
    }

    /// Random leaves, random sizes: the reference proof is accepted and the new version kept;
    /// the same proof with one hash changed is refused.
    function testFuzz_extend(uint256 seed, uint256 a, uint256 b) public {
        uint256 n = bound(b, 2, 40);
        uint256 m = bound(a, 1, n - 1);
        bytes32[] memory d = makeLeaves(seed, n);
        uint256 id = create(d, m);
        bytes32[] memory p = subproof(d, m, 0, n, true);
        bytes32[] memory bad = copy(p);
        bad[seed % bad.length] ^= bytes32(uint256(1));
        vm.startPrank(alice);
        vm.expectRevert(ProvenanceRegistry.BadConsistencyProof.selector);
        reg.extendDataset(id, mth(d, 0, n), uint64(n), bad);
        reg.extendDataset(id, mth(d, 0, n), uint64(n), p);
        vm.stopPrank();
        (, bytes32 root, uint64 size) = reg.latest(id);
        vm.assertEq(root, mth(d, 0, n), "root");
        vm.assertEq(size, n, "size");
    }

    // ---- verifyInclusion ----

    function test_verifyInclusion_everyVersion() public {
        bytes32[] memory d = makeLeaves(8, 11);
        uint256 id = create(d, 4);
        vm.prank(alice);
        reg.extendDataset(id, mth(d, 0, 11), 11, subproof(d, 4, 0, 11, true));
        for (uint256 i = 0; i < 4; i++) {
            vm.assertTrue(reg.verifyInclusion(id, 0, d[i], i, path(d, i, 0, 4)), "in v0");
        }
        for (uint256 i = 0; i < 11; i++) {
            vm.assertTrue(reg.verifyInclusion(id, 1, d[i], i, path(d, i, 0, 11)), "in v1");
        }
        // leaf 7 is not in version 0; a v1 path does not pass against v0
        vm.assertFalse(reg.verifyInclusion(id, 0, d[7], 7, path(d, 7, 0, 11)), "index past v0");
        vm.assertFalse(reg.verifyInclusion(id, 0, d[1], 1, path(d, 1, 0, 11)), "v1 path on v0");
        vm.assertFalse(reg.verifyInclusion(id, 1, d[2], 3, path(d, 3, 0, 11)), "wrong leaf");
    }

    function test_verifyInclusion_revert_unknown() public {
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.UnknownDataset.selector, 1));
        reg.verifyInclusion(1, 0, 0, 0, new bytes32[](0));
        bytes32[] memory d = makeLeaves(9, 2);
        uint256 id = create(d, 2);
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.UnknownVersion.selector, id, 1));
        reg.verifyInclusion(id, 1, d[0], 0, path(d, 0, 0, 2));
    }

    function testFuzz_verifyInclusion(uint256 seed, uint256 size, uint256 index) public {
        uint256 n = bound(size, 1, 64);
        uint256 m = index % n;
        bytes32[] memory d = makeLeaves(seed, n);
        uint256 id = create(d, n);
        bytes32[] memory p = path(d, m, 0, n);
        vm.assertTrue(reg.verifyInclusion(id, 0, d[m], m, p), "valid");
        if (p.length > 0) {
            p[seed % p.length] ^= bytes32(uint256(1) << 7);
            vm.assertFalse(reg.verifyInclusion(id, 0, d[m], m, p), "tampered");
        }
    }

    // ---- ownership ----

    function test_transferOwnership() public {
        bytes32[] memory d = makeLeaves(10, 6);
        uint256 id = create(d, 3);
        vm.expectEmit(true, true, true, true, address(reg));
        emit ProvenanceRegistry.DatasetOwnershipTransferred(id, alice, bob);
        vm.prank(alice);
        reg.transferDatasetOwnership(id, bob);
        vm.assertEq(reg.ownerOf(id), bob, "new owner");
        // the old owner can no longer extend; the new one can
        bytes32[] memory p = subproof(d, 3, 0, 6, true);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.NotDatasetOwner.selector, id, alice));
        reg.extendDataset(id, mth(d, 0, 6), 6, p);
        vm.prank(bob);
        reg.extendDataset(id, mth(d, 0, 6), 6, p);
    }

    function test_transferOwnership_reverts() public {
        uint256 id = create(makeLeaves(11, 1), 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.NotDatasetOwner.selector, id, bob));
        reg.transferDatasetOwnership(id, bob);
        vm.prank(alice);
        vm.expectRevert(ProvenanceRegistry.ZeroOwner.selector);
        reg.transferDatasetOwnership(id, address(0));
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.UnknownDataset.selector, 5));
        reg.transferDatasetOwnership(5, bob);
    }

    function test_views_revert_unknown() public {
        bytes memory e = abi.encodeWithSelector(ProvenanceRegistry.UnknownDataset.selector, 3);
        vm.expectRevert(e);
        reg.ownerOf(3);
        vm.expectRevert(e);
        reg.getDataset(3);
        vm.expectRevert(e);
        reg.versionCount(3);
        vm.expectRevert(e);
        reg.getVersion(3, 0);
        vm.expectRevert(e);
        reg.latest(3);
    }
}
