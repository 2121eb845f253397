"""Ethereum (and any EVM chain) over JSON-RPC, at a pinned block.

* ``eth_chainId`` must be the chain's EIP-155 id (ethereum: 1): a node of a test
  network or another EVM chain has blocks and balances too, just not these;
* ``eth_getBlockByNumber(height)`` must return the pinned hash (threat R4); its
  ``timestamp`` is the block's time (docs/spec.md §12.2 (The pinned block));
* ``eth_getBalance``, ``eth_getCode`` and ``eth_call`` (ERC-20 ``balanceOf(address)``,
  ``decimals()``; a contract wallet's owners or ``isValidSignature``) name the block by
  its **hash** (EIP-1898), so the state read is exactly the pinned block's even if the
  node's chain reorganises between the check and the read.

Every answer is range-checked: quantities are ``0x`` hex below 2^256; :meth:`EvmRpcSource.call`
returns the raw bytes of an ``eth_call`` (``0x`` and an even number of hex digits, at most
:data:`MAX_CALL_BYTES`), and the ERC-20 reads take exactly one 32-byte word of them;
``decimals()`` is below 256.  A contract's ``decimals()`` at a pinned block is asked once
per source, however many wallets hold it.

A call that **reverts** is the contract's answer, not the node's failure: it is a
:class:`~solvent.protocol.errors.VerificationError` (``code="call-reverted"``), so a caller
that asks "does this wallet accept this signature?" can tell "no" from "the node could not
say" (a :class:`~solvent.protocol.errors.FetchError`).  Nodes report a revert as a JSON-RPC
error whose message starts with "execution reverted" (geth and anvil do, with code 3 when
there is revert data); a node that words it otherwise makes a revert a FetchError: both
fail closed, only the error code differs.
"""

from __future__ import annotations

import hmac
import re

from solvent.protocol.errors import FetchError, VerificationError
from solvent.reserves.block_window import MAX_BLOCK_TIME
from solvent.reserves.chains import Address, get_chain, keccak256
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.http import HttpClient

__all__ = ["MAX_CALL_BYTES", "MAX_CODE_BYTES", "EvmRpcSource", "selector"]

_QUANTITY = re.compile(r"0x(?:0|[1-9a-f][0-9a-f]{0,63})\Z")
_DATA = re.compile(r"0x(?:[0-9a-fA-F]{2})*\Z")
#: The longest ``eth_call`` return accepted, in bytes: every read solvent makes returns a few
#: words (a Safe's owner list of at most 100 addresses is 3,264 bytes).
MAX_CALL_BYTES = 64 * 1024
#: The longest contract code accepted from ``eth_getCode``, in bytes: Ethereum caps deployed
#: code at 24,576 bytes (EIP-170); some EVM chains allow more, so the bound is generous.
MAX_CODE_BYTES = 256 * 1024


def selector(signature: str) -> bytes:
    return keccak256(signature.encode("ascii"))[:4]


class EvmRpcSource:
    def __init__(self, chain: str, url: str, *, timeout: float = 30.0) -> None:
        self.chain = chain
        self._http = HttpClient(url, timeout=timeout)
        self.description = f"{chain} JSON-RPC {self._http.name}"
        self._chain_id_checked = False
        #: decimals() per (contract, pinned block hash): a contract held by many wallets is asked once.
        self._decimals: dict[tuple[bytes, str], int] = {}

    def close(self) -> None:
        self._http.close()

    def _quantity(self, value: object, method: str) -> int:
        if not isinstance(value, str) or not _QUANTITY.match(value.lower()):
            raise FetchError(
                f"{self._http.name}: {method} returned {str(value)[:80]!r}, not a hex quantity",
                code="bad-response",
                evidence={"node": self._http.name, "method": method},
            )
        return int(value, 16)

    def check_chain_id(self) -> None:
        """The node must serve this chain (EIP-155 id), else nothing it says is about our chain."""
        if self._chain_id_checked:
            return
        expected = get_chain(self.chain).evm_chain_id
        got = self._quantity(self._http.rpc("eth_chainId", []), "eth_chainId")
        if got != expected:
            raise FetchError(
                f"{self._http.name} serves the EVM chain with id {got}, not {self.chain} (chain id {expected}): "
                "point --node at a node of that chain",
                code="wrong-chain",
                evidence={
                    "node": self._http.name,
                    "chain": self.chain,
                    "expected_chain_id": expected,
                    "node_chain_id": got,
                },
            )
        self._chain_id_checked = True

    def check_block(self, pin: BlockPin) -> int:
        self.check_chain_id()
        block = self._http.rpc("eth_getBlockByNumber", [hex(pin.height), False])
        if block is None:
            raise VerificationError(
                f"{self._http.name}: the node has no block {pin.height} on {self.chain}",
                code="block-missing",
                evidence={"node": self._http.name, "height": pin.height, "expected_hash": pin.hash},
            )
        if not isinstance(block, dict) or not isinstance(block.get("hash"), str):
            raise FetchError(
                f"{self._http.name}: eth_getBlockByNumber returned no block hash",
                code="bad-response",
                evidence={"node": self._http.name},
            )
        number = self._quantity(block.get("number"), "eth_getBlockByNumber")
        got = block["hash"].lower().removeprefix("0x")
        if number != pin.height or not hmac.compare_digest(got.encode(), pin.hash.encode()):
            raise VerificationError(
                f"{self.chain} block {pin.height}: the node's block hash is not the pinned one "
                "(another branch, a reorganisation, or a lying node)",
                code="block-mismatch",
                evidence={
                    "node": self._http.name,
                    "height": pin.height,
                    "expected_hash": pin.hash,
                    "node_hash": got[:64],
                    "node_height": number,
                },
            )
        timestamp = self._quantity(block.get("timestamp"), "eth_getBlockByNumber timestamp")
        if timestamp > MAX_BLOCK_TIME:
            raise FetchError(
                f"{self._http.name}: block {pin.height} has the impossible timestamp {timestamp}",
                code="bad-response",
                evidence={"node": self._http.name, "height": pin.height},
            )
        return timestamp

    def _block_ref(self, pin: BlockPin) -> dict[str, object]:
        self.check_chain_id()  # once per source; every read goes through here
        return {"blockHash": "0x" + pin.hash}

    def native_balance(self, address: Address, pin: BlockPin) -> int:
        value = self._http.rpc("eth_getBalance", [address.text, self._block_ref(pin)])
        return self._quantity(value, "eth_getBalance")

    def _data(self, value: object, method: str, what: str, limit: int) -> bytes:
        """``0x`` and an even number of hex digits, at most ``limit`` bytes: a node's raw data answer."""
        if not isinstance(value, str) or len(value) > 2 + 2 * limit or not _DATA.match(value):
            shown = f"{len(value)} characters" if isinstance(value, str) and len(value) > 80 else repr(value)[:80]
            raise FetchError(
                f"{self._http.name}: {method} {what} returned {shown}, not 0x-hex data of at most {limit} bytes",
                code="bad-response",
                evidence={"node": self._http.name, "method": method, "call": what},
            )
        return bytes.fromhex(value[2:])

    def call(self, contract: Address, data: bytes, pin: BlockPin, what: str) -> bytes:
        """The raw bytes ``contract`` returns for the call ``data`` in the pinned block's state.

        ``what`` names the call in messages (``"getOwners()"``).  An empty answer is returned
        as ``b""`` (an address without code answers every call so); a revert is a
        VerificationError ``call-reverted``; a node failure or a malformed or oversized
        answer is a FetchError.
        """
        call = {"to": contract.text, "data": "0x" + data.hex()}
        try:
            value = self._http.rpc("eth_call", [call, self._block_ref(pin)])
        except FetchError as e:
            if e.code == "rpc-error" and "execution reverted" in e.evidence.get("error", "").lower():
                raise VerificationError(
                    f"{contract.text} on {self.chain} reverted {what} at block {pin.height}",
                    code="call-reverted",
                    evidence={
                        "node": self._http.name,
                        "contract": contract.text,
                        "call": what,
                        "height": pin.height,
                        "error": e.evidence.get("error", ""),
                    },
                ) from e
            raise
        return self._data(value, "eth_call", what, MAX_CALL_BYTES)

    def code_at(self, address: Address, pin: BlockPin) -> bytes:
        """The code at ``address`` in the pinned block's state (``b""``: no contract there then)."""
        value = self._http.rpc("eth_getCode", [address.text, self._block_ref(pin)])
        return self._data(value, "eth_getCode", address.text, MAX_CODE_BYTES)

    def _call_word(self, contract: Address, data: bytes, pin: BlockPin, what: str) -> int:
        value = self.call(contract, data, pin, what)
        if not value:
            raise VerificationError(
                f"{contract.text} on {self.chain} returned nothing for {what} at block {pin.height}: "
                "no contract there, or not an ERC-20 token",
                code="token-contract",
                evidence={"contract": contract.text, "call": what, "height": pin.height},
            )
        if len(value) != 32:
            raise FetchError(
                f"{self._http.name}: eth_call {what} returned {len(value)} bytes, not one 32-byte word",
                code="bad-response",
                evidence={"node": self._http.name, "call": what},
            )
        return int.from_bytes(value, "big")

    def token_balance(self, contract: Address, address: Address, pin: BlockPin) -> int:
        data = selector("balanceOf(address)") + address.key.rjust(32, b"\0")
        return self._call_word(contract, data, pin, "balanceOf(address)")

    def token_decimals(self, contract: Address, pin: BlockPin) -> int:
        # State at one block hash never changes, so the answer can be kept; a failure is not.
        key = (contract.key, pin.hash)
        if key in self._decimals:
            return self._decimals[key]
        decimals = self._call_word(contract, selector("decimals()"), pin, "decimals()")
        if decimals > 255:
            raise VerificationError(
                f"{contract.text}: decimals() returned {decimals}, not a uint8",
                code="token-contract",
                evidence={"contract": contract.text},
            )
        self._decimals[key] = decimals
        return decimals
