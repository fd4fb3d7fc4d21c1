// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base} from "./utils/Base.sol";
import {ProvenanceRegistry} from "../src/ProvenanceRegistry.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";

contract ModelRegistryTest is Base {
    ProvenanceRegistry prov;
    ModelRegistry models;
    address lab = address(0x1AB);
    address ml = address(0x3117);
    bytes32 constant W = keccak256("weights");

    function setUp() public {
        prov = new ProvenanceRegistry();
        models = new ModelRegistry(prov);
        vm.startPrank(lab);
        for (uint256 i = 0; i < 20; i++) prov.createDataset(keccak256(abi.encode(i)), 1, 0, "");
        vm.stopPrank();
    }

    function ids(uint256 n) internal pure returns (uint256[] memory a) {
        a = new uint256[](n);
        for (uint256 i = 0; i < n; i++) a[i] = i + 1;
    }

    function test_register() public {
        uint256[] memory ds = ids(2);
        vm.expectEmit(true, true, true, true, address(models));
        emit ModelRegistry.ModelRegistered(
            1, keccak256("m1"), ml, keccak256("w1"), "cgcnn-q16-v3", "formation_energy", "eV/atom", "ipfs://m1", ds
        );
        vm.prank(ml);
        uint256 id = models.registerModel(
            keccak256("m1"), keccak256("w1"), "cgcnn-q16-v3", "formation_energy", "eV/atom", "ipfs://m1", ds
        );
        vm.assertEq(id, 1, "id");
        vm.assertEq(models.modelCount(), 1, "count");
        vm.assertEq(models.idOf(keccak256("m1")), 1, "idOf");
        ModelRegistry.Model memory m = models.getModel(1);
        vm.assertEq(m.modelHash, keccak256("m1"), "hash");
        vm.assertEq(m.weightsRoot, keccak256("w1"), "weightsRoot");
        vm.assertEq(m.archId, bytes32("cgcnn-q16-v3"), "arch");
        vm.assertEq(m.property, bytes32("formation_energy"), "property");
        vm.assertEq(m.unit, bytes32("eV/atom"), "unit");
        vm.assertEq(m.owner, ml, "owner");
        vm.assertEq(m.registeredAt, block.timestamp, "time");
        vm.assertEq(m.uri, "ipfs://m1", "uri");
        vm.assertEq(m.trainingDatasetIds.length, 2, "datasets");
        vm.assertEq(m.trainingDatasetIds[1], 2, "dataset 2");
        (bytes32 h, bytes32 p, uint64 when) = models.revealFacts(1);
        vm.assertEq(h, keccak256("m1"), "revealFacts hash");
        vm.assertEq(p, bytes32("formation_energy"), "revealFacts property");
        vm.assertEq(when, block.timestamp, "revealFacts registeredAt");
        (uint256 rid, bytes32 w) = models.registration(keccak256("m1"));
        vm.assertEq(rid, 1, "registration id");
        vm.assertEq(w, keccak256("w1"), "registration weightsRoot");
        (rid, w) = models.registration(keccak256("never registered"));
        vm.assertEq(rid, 0, "registration of an unknown hash: id 0");
        vm.assertEq(w, bytes32(0), "registration of an unknown hash: root 0, no revert");
        vm.assertEq(models.datasetCount(1), 2, "datasetCount");
        uint256[] memory got = models.trainingDatasets(1);
        vm.assertEq(got.length, 2, "trainingDatasets");
        vm.assertEq(got[0], 1, "trainingDatasets[0]");
        // a model without training datasets is allowed, ids go on
        vm.assertEq(models.registerModel(keccak256("m2"), W, 0, 0, 0, "", new uint256[](0)), 2, "second");
        vm.assertEq(models.registerModel(keccak256("m3"), W, 0, 0, 0, "", ids(16)), 3, "sixteen datasets");
        vm.assertEq(models.getModel(3).weightsRoot, W, "the same weights root under another hash is allowed");
    }

    function test_register_reverts() public {
        vm.expectRevert(ModelRegistry.ZeroModelHash.selector);
        models.registerModel(0, W, 0, 0, 0, "", ids(1));
        vm.expectRevert(ModelRegistry.ZeroWeightsRoot.selector);
        models.registerModel(keccak256("m"), 0, 0, 0, 0, "", ids(1));
        models.registerModel(keccak256("m"), W, 0, 0, 0, "", ids(1));
        vm.expectRevert(abi.encodeWithSelector(ModelRegistry.ModelAlreadyRegistered.selector, keccak256("m"), 1));
        models.registerModel(keccak256("m"), keccak256("other weights"), "other", 0, 0, "", ids(2));
        vm.expectRevert(abi.encodeWithSelector(ModelRegistry.TooManyDatasets.selector, 17));
        models.registerModel(keccak256("x"), W, 0, 0, 0, "", ids(17));
        uint256[] memory ds = ids(3);
        ds[2] = 99;
        vm.expectRevert(abi.encodeWithSelector(ModelRegistry.UnknownDataset.selector, 99));
        models.registerModel(keccak256("x"), W, 0, 0, 0, "", ds);
        ds[2] = 0;
        vm.expectRevert(abi.encodeWithSelector(ModelRegistry.UnknownDataset.selector, 0));
        models.registerModel(keccak256("x"), W, 0, 0, 0, "", ds);
        ds[2] = 1;
        vm.expectRevert(abi.encodeWithSelector(ModelRegistry.DuplicateDataset.selector, 1));
        models.registerModel(keccak256("x"), W, 0, 0, 0, "", ds);
        vm.assertEq(models.modelCount(), 1, "only the first registered");
    }

    function test_views_revert_unknownModel() public {
        bytes memory e = abi.encodeWithSelector(ModelRegistry.UnknownModel.selector, 1);
        vm.expectRevert(e);
        models.getModel(1);
        vm.expectRevert(e);
        models.revealFacts(1);
        vm.expectRevert(e);
        models.trainingDatasets(1);
        vm.expectRevert(e);
        models.datasetCount(1);
    }

    /// Immutable: the contract has no function that changes a registered model. Its ABI is
    /// registerModel plus views; a second registration of the hash cannot overwrite.
    function test_immutable() public {
        vm.prank(ml);
        models.registerModel(keccak256("m"), W, "a", "p", "u", "uri", ids(1));
        vm.prank(lab);
        vm.expectRevert(abi.encodeWithSelector(ModelRegistry.ModelAlreadyRegistered.selector, keccak256("m"), 1));
        models.registerModel(keccak256("m"), keccak256("squatter's root"), "b", "q", "v", "other", ids(2));
        vm.assertEq(models.getModel(1).owner, ml, "owner unchanged");
        vm.assertEq(models.getModel(1).weightsRoot, W, "weights root unchanged");
        vm.assertEq(models.getModel(1).archId, bytes32("a"), "arch unchanged");
        vm.assertEq(address(models.provenance()), address(prov), "provenance");
        vm.assertEq(models.MAX_TRAINING_DATASETS(), 16, "max");
    }
}
