// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "xtalproof-evm/EIP712.sol";

/// @title OracleCommittee
/// @notice n member keys of a beamline or oracle committee; a measurement report counts when k of
/// them sign it as EIP-712 typed data (docs/formats.md "Oracle report"). The EIP-712 domain names
/// this contract and the chain, so a signature serves one committee on one chain; the report names
/// its round. Members and k change only by the committee's admin (the owner), each with an event.
contract OracleCommittee is Ownable, EIP712 {
    /// A measured result. Values are Q16.16 fixed point in an int256/uint256 (docs/formats.md).
    struct Report {
        uint256 round; // the Rounds contract's round id
        bytes32 symhash; // the target structure
        bytes32 property; // short ASCII name, e.g. "formation_energy"
        int256 value; // Q16.16
        uint256 uncertainty; // Q16.16, one standard deviation
        bytes32 rawDataHash; // hash of the raw measurement data
        bytes32 facility; // facility / beamline id, short ASCII
        uint64 measuredAt; // unix seconds
    }

    bytes32 public constant REPORT_TYPEHASH = keccak256(
        "OracleReport(uint256 round,bytes32 symhash,bytes32 property,int256 value,uint256 uncertainty,"
        "bytes32 rawDataHash,bytes32 facility,uint64 measuredAt)"
    );

    /// Members are numbered by their place in `_members`; a signature bitmap needs n <= 256.
    uint256 public constant MAX_MEMBERS = 256;

    address[] internal _members;
    mapping(address member => uint256 place) internal _placeOf; // index + 1; 0 = not a member
    uint256 public threshold;

    event MemberAdded(address indexed member);
    event MemberRemoved(address indexed member);
    event ThresholdChanged(uint256 previous, uint256 threshold);

    error ZeroMember();
    error AlreadyMember(address member);
    error NotAMember(address account);
    error TooManyMembers();
    error BadThreshold(uint256 threshold, uint256 members);
    error NotEnoughSignatures(uint256 given, uint256 threshold);
    error BadSignatureLength(uint256 index, uint256 length);
    error BadSignature(uint256 index);
    error MalleableSignature(uint256 index);
    error DuplicateSigner(address signer);

    constructor(address admin, address[] memory members_, uint256 threshold_)
        Ownable(admin)
        EIP712("xtalproof OracleCommittee", "1")
    {
        for (uint256 i = 0; i < members_.length; i++) _add(members_[i]);
        _setThreshold(threshold_);
    }

    // ---- admin ----

    function addMember(address member) external onlyOwner {
        _add(member);
    }

    /// Removing a member may not leave fewer members than the threshold.
    function removeMember(address member) external onlyOwner {
        uint256 place = _placeOf[member];
        if (place == 0) revert NotAMember(member);
        uint256 n = _members.length;
        if (n - 1 < threshold) revert BadThreshold(threshold, n - 1);
        address last = _members[n - 1];
        _members[place - 1] = last;
        _placeOf[last] = place;
        _members.pop();
        delete _placeOf[member];
        emit MemberRemoved(member);
    }

    function setThreshold(uint256 threshold_) external onlyOwner {
        _setThreshold(threshold_);
    }

    function _add(address member) internal {
        if (member == address(0)) revert ZeroMember();
        if (_placeOf[member] != 0) revert AlreadyMember(member);
        if (_members.length >= MAX_MEMBERS) revert TooManyMembers();
        _members.push(member);
        _placeOf[member] = _members.length;
        emit MemberAdded(member);
    }

    function _setThreshold(uint256 k) internal {
        if (k == 0 || k > _members.length) revert BadThreshold(k, _members.length);
        emit ThresholdChanged(threshold, k);
        threshold = k;
    }

    // ---- reports ----

    /// @notice The EIP-712 digest the members sign for `report`.
    function hashReport(Report calldata report) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    REPORT_TYPEHASH,
                    report.round,
                    report.symhash,
                    report.property,
                    report.value,
                    report.uncertainty,
                    report.rawDataHash,
                    report.facility,
                    report.measuredAt
                )
            )
        );
    }

    /// @notice Checks that at least `threshold` members signed `report`: every signature must be
    /// 65 bytes r ‖ s ‖ v (v 27/28 or 0/1), low s (the malleable twin is refused), recover to a
    /// member, and no member may sign twice. Reverts with the reason otherwise; returns the digest.
    function verifyReport(Report calldata report, bytes[] calldata signatures) external view returns (bytes32 digest) {
        uint256 k = threshold;
        if (signatures.length < k) revert NotEnoughSignatures(signatures.length, k);
        digest = hashReport(report);
        uint256 seen; // bitmap of member places
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = _recover(digest, signatures[i], i);
            uint256 place = _placeOf[signer];
            if (place == 0) revert NotAMember(signer);
            uint256 bit = uint256(1) << (place - 1);
            if (seen & bit != 0) revert DuplicateSigner(signer);
            seen |= bit;
        }
    }

    function _recover(bytes32 digest, bytes calldata sig, uint256 i) internal pure returns (address) {
        if (sig.length != 65) revert BadSignatureLength(i, sig.length);
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (v < 27) v += 27;
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, v, r, s);
        if (err == ECDSA.RecoverError.InvalidSignatureS) revert MalleableSignature(i);
        if (err != ECDSA.RecoverError.NoError) revert BadSignature(i);
        return signer;
    }

    // ---- views ----

    function members() external view returns (address[] memory) {
        return _members;
    }

    function memberCount() external view returns (uint256) {
        return _members.length;
    }

    function isMember(address account) external view returns (bool) {
        return _placeOf[account] != 0;
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
