// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StepCompute} from "../../src/inference/StepCompute.sol";
import {StepVerifier} from "../../src/inference/StepVerifier.sol";
import {StepHarness} from "./StepHarness.sol";
import {Vectors} from "./VmVectors.sol";

/// The step computations (StepCompute, through StepHarness) and the verifier (StepVerifier)
/// against the C reference, on the files of tests/stepvec/gen_step_vectors.c:
///  - rand-K-G.bin: at least 10,000 random vectors per step kind, each a complete check (roots,
///    output index, openings) and whether the committed output is the C reference's leaf (one in
///    eight is altered). The verifier must give that answer on every vector: its true on the C leaf
///    is the step computation agreeing with C on every bit (it recomputes the leaf with
///    StepCompute and compares hashes). Where a record also carries the expected leaf (every
///    altered one and every 16th other, at least 1,500 per kind), the computation is called
///    directly (StepHarness) and must return exactly those bytes;
///  - dev-K-G.bin: every step of a few dev structures with both models, the real trees; the
///    verifier must accept each, and each check's gas as a transaction is measured (Prague:
///    21,000 + max(4 tokens + execution, 10 tokens), tokens = zero bytes + 4 x other bytes of the
///    calldata) and must stay within 5,000,000.
/// Each file is read in a call of its own and each record checked in a call of its own (memory does
/// not grow across the vectors). With STEPVEC_DIR pointing at the output of
/// `gen_step_vectors --dev-all` (make contracts-gas-bench), test_devStructures measures every step
/// of every dev structure.
contract StepVectorsTest is Vectors {

    uint256 constant F_COMPUTE = 1; // random vectors: some records carry the expected output leaf
    uint256 constant F_GAS = 2; // measure each check's gas as a transaction

    uint256 constant MIN_VECTORS = 10_000;
    uint256 constant MIN_COMPUTED = 1_500; // vectors whose computed leaf is compared directly
    uint256 constant TX_GAS_TARGET = 5_000_000;


    error ComputeDiffers(uint256 kind, uint256 index);
    error VerifierDiffers(uint256 kind, uint256 index, bool got, bool want);
    error VerifierReverted(uint256 kind, uint256 index, bytes reason);

    StepVerifier verifier;
    StepHarness harness;
    address noCode; // a warm account without code: the cost of the measuring call itself

    function setUp() public {
        verifier = new StepVerifier();
        harness = new StepHarness();
        noCode = address(0xC0DE);
    }

    function names(uint256 kind) internal pure returns (string memory) {
        string[9] memory n = ["nbr", "embed", "self", "pair", "edge", "update", "sum", "mean", "head"];
        return n[kind];
    }

    function manifest()
        internal
        view
        returns (uint256[9] memory rf, uint256[9] memory df, uint256[9] memory rr, uint256[9] memory dr)
    {
        (rf, df, rr, dr) = abi.decode(vectorFile("manifest.bin"), (uint256[9], uint256[9], uint256[9], uint256[9]));
    }

    // ---- the random vectors, one test per kind (forge runs them in parallel) ----

    function randomKind(uint256 kind) internal {
        (uint256[9] memory rf,, uint256[9] memory rr,) = manifest();
        uint256 count;
        uint256 computed;
        for (uint256 g = 0; g < rf[kind]; g++) {
            (uint256 k, uint256 n,, uint256 c) =
                this.runFile(string.concat("rand-", vmx.toString(kind), "-", vmx.toString(g), ".bin"));
            require(k == kind, "a file of another kind");
            count += n;
            computed += c;
        }
        require(count == rr[kind], "fewer records than the manifest says");
        require(count >= MIN_VECTORS, string.concat(names(kind), ": fewer than 10,000 vectors"));
        require(computed >= MIN_COMPUTED, string.concat(names(kind), ": too few computations compared"));
    }

    function test_random_nbr() public {
        randomKind(NBR);
    }

    function test_random_embed() public {
        randomKind(EMBED);
    }

    function test_random_self() public {
        randomKind(SELF);
    }

    function test_random_pair() public {
        randomKind(PAIR);
    }

    function test_random_edge() public {
        randomKind(EDGE);
    }

    function test_random_update() public {
        randomKind(UPDATE);
    }

    function test_random_sum() public {
        randomKind(SUM);
    }

    function test_random_mean() public {
        randomKind(MEAN);
    }

    function test_random_head() public {
        randomKind(HEAD);
    }

    // ---- the dev structures: every step checked, its gas as a transaction ----

    /// Every dev-structure step in the vector directory: the verifier accepts each (and, where the
    /// records carry the expected leaves, the computation gives them), and each check's gas as a
    /// transaction, calldata included, stays within 5,000,000. Prints the maximum per kind.
    function test_devStructures() public {
        (, uint256[9] memory df,, uint256[9] memory dr) = manifest();
        log("step checks of the dev structures as transactions (Prague: 21000 + max(4 tokens + execution, 10 tokens))");
        log("kind       checks   max tx gas   (target 5,000,000)");
        uint256 total;
        for (uint256 kind = 0; kind < KINDS; kind++) {
            uint256 count;
            uint256 worst;
            for (uint256 g = 0; g < df[kind]; g++) {
                (uint256 k, uint256 n, uint256 mx,) =
                    this.runFile(string.concat("dev-", vmx.toString(kind), "-", vmx.toString(g), ".bin"));
                require(k == kind, "a file of another kind");
                count += n;
                if (mx > worst) worst = mx;
            }
            require(count == dr[kind] && count > 0, "dev records missing");
            require(worst <= TX_GAS_TARGET, string.concat(names(kind), ": a check above 5,000,000 gas"));
            log(string.concat(pad(names(kind), 8), pad(vmx.toString(count), 9), pad(vmx.toString(worst), 13)));
            total += count;
        }
        log(string.concat("checks: ", vmx.toString(total)));
    }

    // ---- the gas benchmark: every step of every dev structure (make contracts-gas-bench) ----
    // With STEPVEC_BENCH=1 and STEPVEC_DIR at the output of `gen_step_vectors --dev-all`; skipped
    // otherwise. One test per kind (the edges in four parts), so that forge runs them side by side;
    // each prints "bench KIND PART/PARTS: CHECKS checks, max tx gas GAS".

    function test_bench_nbr() public {
        bench(NBR, 0, 1);
    }

    function test_bench_embed() public {
        bench(EMBED, 0, 1);
    }

    function test_bench_self() public {
        bench(SELF, 0, 1);
    }

    function test_bench_pair() public {
        bench(PAIR, 0, 1);
    }

    function test_bench_edge0() public {
        bench(EDGE, 0, 4);
    }

    function test_bench_edge1() public {
        bench(EDGE, 1, 4);
    }

    function test_bench_edge2() public {
        bench(EDGE, 2, 4);
    }

    function test_bench_edge3() public {
        bench(EDGE, 3, 4);
    }

    function test_bench_update() public {
        bench(UPDATE, 0, 1);
    }

    function test_bench_sum() public {
        bench(SUM, 0, 1);
    }

    function test_bench_mean() public {
        bench(MEAN, 0, 1);
    }

    function test_bench_head() public {
        bench(HEAD, 0, 1);
    }

    function bench(uint256 kind, uint256 part, uint256 parts) internal {
        if (!vmx.envOr("STEPVEC_BENCH", false)) {
            vmx.skip(true);
            return;
        }
        (, uint256[9] memory df,,) = manifest();
        uint256 count;
        uint256 worst;
        for (uint256 g = part; g < df[kind]; g += parts) {
            (uint256 k, uint256 n, uint256 mx,) =
                this.runFile(string.concat("dev-", vmx.toString(kind), "-", vmx.toString(g), ".bin"));
            require(k == kind, "a file of another kind");
            count += n;
            if (mx > worst) worst = mx;
        }
        require(count > 0, "no dev records");
        log(
            string.concat(
                "bench ",
                names(kind),
                " ",
                vmx.toString(part),
                "/",
                vmx.toString(parts),
                ": ",
                vmx.toString(count),
                " checks, max tx gas ",
                vmx.toString(worst)
            )
        );
        require(worst <= TX_GAS_TARGET, string.concat(names(kind), ": a check above 5,000,000 gas"));
    }

    function pad(string memory s, uint256 w) internal pure returns (string memory) {
        bytes memory b = bytes(s);
        while (b.length < w) b = bytes.concat(" ", b);
        return string(b);
    }

    // ---- one file, one record ----

    /// Checks every record of a file; returns its kind, its records, the largest gas measured and
    /// how many computations were compared directly.
    function runFile(string memory name) external returns (uint256 kind, uint256 n, uint256 maxGas, uint256 computed) {
        // abi.encode(uint256 kind, uint256 flags, bytes[] weights, bytes[] records), read in place:
        // an item of a bytes[] is its length word and its bytes, which is a `bytes memory`.
        bytes memory f = vectorFile(name);
        uint256 flags;
        uint256 ws;
        uint256 rs;
        assembly ("memory-safe") {
            let d := add(f, 32)
            kind := mload(d)
            flags := mload(add(d, 32))
            ws := add(d, mload(add(d, 64))) // the weights array: its length, then offsets
            rs := add(d, mload(add(d, 96)))
            n := mload(rs)
        }
        for (uint256 r = 0; r < n; r++) {
            bytes memory rec = item(rs, r);
            uint256 wi;
            assembly ("memory-safe") {
                // abi.encode(struct): the offset word, then the struct, whose first field is wi
                wi := mload(add(rec, 64))
            }
            bytes memory w = item(ws, wi);
            (uint256 g, bool c) = callRecord(kind, flags, w, rec);
            if (g > maxGas) maxGas = g;
            if (c) computed++;
        }
    }

    /// Item i of an ABI-encoded bytes[] whose length word is at `arr` (empty when i is past its end).
    function item(uint256 arr, uint256 i) internal pure returns (bytes memory b) {
        assembly ("memory-safe") {
            switch lt(i, mload(arr))
            case 0 { b := 0x60 } // the zero slot: an empty bytes
            default { b := add(add(arr, 32), mload(add(add(arr, 32), mul(i, 32)))) }
        }
    }

    /// this.runRecord(kind, flags, w, rec), its calldata built in free memory that is not kept
    /// (so that memory does not grow from record to record).
    function callRecord(uint256 kind, uint256 flags, bytes memory w, bytes memory rec)
        internal
        returns (uint256 g, bool computed)
    {
        bytes4 sel = this.runRecord.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            let wl := mload(w)
            let wp := and(add(wl, 31), not(31))
            let rl := mload(rec)
            let rp := and(add(rl, 31), not(31))
            mstore(p, sel)
            mstore(add(p, 4), kind)
            mstore(add(p, 36), flags)
            mstore(add(p, 68), 0x80) // w's offset
            mstore(add(p, 100), add(0xa0, wp)) // rec's offset
            mstore(add(p, 132), wl)
            if wp { mstore(add(add(p, 164), sub(wp, 32)), 0)} // zero padding
            mcopy(add(p, 164), add(w, 32), wl)
            let q := add(add(p, 164), wp)
            mstore(q, rl)
            if rp { mstore(add(add(q, 32), sub(rp, 32)), 0) }
            mcopy(add(q, 32), add(rec, 32), rl)
            if iszero(call(gas(), address(), 0, p, sub(add(add(q, 32), rp), p), 0, 64)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            g := mload(0)
            computed := mload(32)
        }
    }

    /// One record: the computation (where the record carries the expected leaf) and the verifier;
    /// returns the check's gas as a transaction (if F_GAS, else 0) and whether the computation was
    /// compared.
    function runRecord(uint256 kind, uint256 flags, bytes calldata w, bytes calldata rec)
        external
        returns (uint256, bool)
    {
        if (kind == NBR) return nbr(flags, rec);
        if (kind == EMBED || kind == SELF || kind == PAIR || kind == MEAN || kind == HEAD) {
            return rec1(kind, flags, w, rec);
        }
        if (kind == EDGE) return edge(flags, w, rec);
        if (kind == UPDATE) return update(flags, w, rec);
        if (kind == SUM) return sum(flags, rec);
        revert("unknown kind");
    }

    function rec1(uint256 kind, uint256 flags, bytes calldata w, bytes calldata rec) internal returns (uint256, bool) {
        Rec1 memory v = abi.decode(rec, (Rec1));
        StepVerifier.Opening memory wo;
        if (w.length > 0) wo = abi.decode(w, (StepVerifier.Opening));
        bytes memory cd;
        if (kind == EMBED) {
            if (v.expected.length > 0) same(kind, v.index, harness.embed(v.a.leaf, wo.leaf), v.expected);
            cd = abi.encodeCall(StepVerifier.verifyEmbed, (v.r, v.index, v.cell, v.a, wo, v.output));
        } else if (kind == SELF || kind == PAIR) {
            if (v.expected.length > 0) same(kind, v.index, harness.projection(v.a.leaf, wo.leaf), v.expected);
            cd = abi.encodeCall(StepVerifier.verifyProjection, (v.r, v.index, v.cell, v.a, wo, v.output));
        } else if (kind == MEAN) {
            if (v.expected.length > 0) {
                same(kind, v.index, harness.mean(v.a.leaf, atomCount(v.cell.leaf)), v.expected);
            }
            cd = abi.encodeCall(StepVerifier.verifyMean, (v.r, v.index, v.cell, v.a, v.output));
        } else {
            if (v.expected.length > 0) same(kind, v.index, harness.head(v.a.leaf, wo.leaf), v.expected);
            cd = abi.encodeCall(StepVerifier.verifyHead, (v.r, v.index, v.cell, v.a, wo, v.output));
        }
        return (verify(kind, v.index, flags, cd, v.want), v.expected.length > 0);
    }

    function edge(uint256 flags, bytes calldata w, bytes calldata rec) internal returns (uint256, bool) {
        EdgeRec memory v = abi.decode(rec, (EdgeRec));
        StepVerifier.Opening memory wo = abi.decode(w, (StepVerifier.Opening));
        if (v.expected.length > 0) {
            same(EDGE, v.index, harness.edge(v.nbr.leaf, v.k, v.ps.leaf, v.pn.leaf, wo.leaf), v.expected);
        }
        bytes memory cd =
            abi.encodeCall(StepVerifier.verifyEdge, (v.r, v.index, v.cell, v.nbr, v.ps, v.pn, wo, v.output));
        return (verify(EDGE, v.index, flags, cd, v.want), v.expected.length > 0);
    }

    function update(uint256 flags, bytes calldata w, bytes calldata rec) internal returns (uint256, bool) {
        UpdateRec memory v = abi.decode(rec, (UpdateRec));
        StepVerifier.Opening memory wo = abi.decode(w, (StepVerifier.Opening));
        if (v.expected.length > 0) {
            same(UPDATE, v.index, harness.update(v.x.leaf, v.m.leaves, wo.leaf), v.expected);
        }
        bytes memory cd = abi.encodeCall(StepVerifier.verifyUpdate, (v.r, v.index, v.cell, v.x, v.m, wo, v.output));
        return (verify(UPDATE, v.index, flags, cd, v.want), v.expected.length > 0);
    }

    function sum(uint256 flags, bytes calldata rec) internal returns (uint256, bool) {
        SumRec memory v = abi.decode(rec, (SumRec));
        if (v.expected.length > 0) same(SUM, v.index, harness.sum(v.h, v.t, v.children.leaves), v.expected);
        bytes memory cd = abi.encodeCall(StepVerifier.verifySum, (v.r, v.index, v.cell, v.children, v.output));
        return (verify(SUM, v.index, flags, cd, v.want), v.expected.length > 0);
    }

    function nbr(uint256 flags, bytes calldata rec) internal returns (uint256, bool) {
        NbrRec memory v = abi.decode(rec, (NbrRec));
        if (v.compare) {
            bool got = harness.nbrCheck(v.cell.leaf, v.atom.leaf, v.nbr.leaf, v.entryAtoms.leaves, v.wit, v.wAtom.leaf);
            if (got != v.want) revert ComputeDiffers(NBR, v.index);
        }
        bytes memory cd =
            abi.encodeCall(StepVerifier.verifyNbr, (v.r, v.index, v.cell, v.atom, v.nbr, v.entryAtoms, v.wit, v.wAtom));
        return (verify(NBR, v.index, flags, cd, v.want), v.compare);
    }

    // ---- comparisons and gas ----

    function same(uint256 kind, uint256 index, bytes memory got, bytes memory want) internal pure {
        if (got.length != want.length || keccak256(got) != keccak256(want)) revert ComputeDiffers(kind, index);
    }

    function atomCount(bytes memory cell) internal pure returns (uint256) {
        return uint256(uint8(cell[1])) << 24 | uint256(uint8(cell[2])) << 16 | uint256(uint8(cell[3])) << 8
            | uint256(uint8(cell[4]));
    }

    /// Calls the verifier with `cd`; its answer must be `want`. Returns the gas of the call as a
    /// transaction when F_GAS is set.
    function verify(uint256 kind, uint256 index, uint256 flags, bytes memory cd, bool want) internal returns (uint256) {
        (bool ok, bytes memory ret, uint256 exec) = measure(address(verifier), cd);
        if (!ok) revert VerifierReverted(kind, index, ret);
        bool got = abi.decode(ret, (bool));
        if (got != want) revert VerifierDiffers(kind, index, got, want);
        if (flags & F_GAS == 0) return 0;
        (,, uint256 base) = measure(noCode, cd);
        return txGas(cd, exec - base);
    }

    /// A STATICCALL of `to` with `cd`, and the gas between just before and just after it: the
    /// callee's execution plus the call's own cost (measured alone on an account without code).
    function measure(address to, bytes memory cd) internal view returns (bool ok, bytes memory ret, uint256 used) {
        uint256 size = to.code.length; // the account is warm from here on
        size;
        assembly ("memory-safe") {
            let g0 := gas()
            ok := staticcall(gas(), to, add(cd, 32), mload(cd), 0, 0)
            used := sub(g0, gas())
            ret := mload(0x40)
            mstore(ret, returndatasize())
            returndatacopy(add(ret, 32), 0, returndatasize())
            mstore(0x40, add(add(ret, 32), and(add(returndatasize(), 31), not(31))))
        }
    }

    /// EIP-7623 (Prague): 21,000 + max(4 tokens + execution, 10 tokens), tokens = zero bytes +
    /// 4 x nonzero bytes of the calldata.
    function txGas(bytes memory cd, uint256 exec) internal pure returns (uint256) {
        uint256 tokens = cd.length + 3 * nonzeroBytes(cd);
        uint256 standard = 4 * tokens + exec;
        uint256 floor = 10 * tokens;
        return 21_000 + (standard > floor ? standard : floor);
    }

    /// The nonzero bytes of b, a word at a time: each byte's bits or'ed into its lowest bit,
    /// those bits summed into the top byte by one multiplication.
    function nonzeroBytes(bytes memory b) internal pure returns (uint256 nz) {
        assembly ("memory-safe") {
            let ones := 0x0101010101010101010101010101010101010101010101010101010101010101
            let p := add(b, 32)
            let end := add(p, mload(b))
            for {} lt(add(p, 31), end) { p := add(p, 32) } {
                let t := mload(p)
                t := or(t, shr(4, t))
                t := or(t, shr(2, t))
                t := and(or(t, shr(1, t)), ones)
                nz := add(nz, shr(248, mul(t, ones)))
            }
            for {} lt(p, end) { p := add(p, 1) } { if byte(0, mload(p)) { nz := add(nz, 1) } }
        }
    }

    /// The byte counting above against a byte-by-byte count.
    function test_nonzeroBytes() public pure {
        bytes memory b = new bytes(300);
        for (uint256 i = 0; i < b.length; i++) {
            b[i] = bytes1(uint8(i % 7 == 0 ? 0 : (i * 37) % 256));
        }
        for (uint256 len = 0; len < 300; len += 13) {
            bytes memory c = new bytes(len);
            uint256 want;
            for (uint256 i = 0; i < len; i++) {
                c[i] = b[i];
                if (b[i] != 0) want++;
            }
            require(nonzeroBytes(c) == want, "nonzero byte count");
        }
    }
}
