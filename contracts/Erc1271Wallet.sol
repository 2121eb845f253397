// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// A minimal ERC-1271 contract wallet for the reserves tests and demo: one owner key, which
/// the owner can hand to another key. isValidSignature accepts a 65-byte (r, s, v) ECDSA
/// signature of the hash by the current owner, with a low s (EIP-2) and v of 27 or 28, and
/// returns the magic value 0x1626ba7e; for anything else it returns 0xffffffff. No funds
/// logic: the tests only need the owner check, read at a pinned block.
contract Erc1271Wallet {
    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    address public owner;

    event OwnerChanged(address indexed previousOwner, address indexed newOwner);

    constructor(address owner_) {
        require(owner_ != address(0), "owner is zero");
        owner = owner_;
    }

    function setOwner(address newOwner) external {
        require(msg.sender == owner, "not the owner");
        require(newOwner != address(0), "owner is zero");
        emit OwnerChanged(owner, newOwner);
        owner = newOwner;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return INVALID;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) return INVALID;
        address signer = ecrecover(hash, v, r, s);
        return signer != address(0) && signer == owner ? MAGIC : INVALID;
    }
}
