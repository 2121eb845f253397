"""Bitcoin Core JSON-RPC, at a pinned block.

* ``getblockhash(height)`` must return the pinned hash (threat R4), and
  ``getblockheader(hash)`` the same height; its ``time`` is the block's time
  (docs/spec.md §12.2 (The pinned block));
* ``scantxoutset start ["addr(ADDRESS)"]`` sums the address's unspent outputs.  It
  scans the node's *current* UTXO set, so the answer is only the balance at the
  pinned block when the node's tip **is** that block: the reply's ``height`` and
  ``bestblock`` must equal the pin, otherwise the read fails closed (run the
  attestation at the snapshot block, or against a node held there, e.g. with
  ``invalidateblock`` on the next block).

Amounts arrive as JSON numbers in BTC (``0.50000000``); they are parsed from their
text exactly (never through a float) and the unspents must add up to the reply's
``total_amount``.
"""

from __future__ import annotations

import hmac
from typing import Any

from solvent.protocol.amounts import parse_units
from solvent.protocol.errors import FetchError, SolventError, VerificationError
from solvent.reserves.block_window import MAX_BLOCK_TIME
from solvent.reserves.chains import Address
from solvent.reserves.pinned_block import HASH_HEX, BlockPin
from solvent.reserves.sources.http import HttpClient, RawNumber

__all__ = ["SCAN_TIMEOUT", "BitcoinCoreSource"]

#: The deadline of one ``scantxoutset`` call in seconds: a scan of mainnet's UTXO set takes minutes.
SCAN_TIMEOUT = 600.0


class BitcoinCoreSource:
    """``timeout`` is the deadline of each call in seconds, ``scan_timeout`` that of a UTXO scan."""

    def __init__(self, chain: str, url: str, *, timeout: float = 30.0, scan_timeout: float = SCAN_TIMEOUT) -> None:
        self.chain = chain
        self._http = HttpClient(url, timeout=timeout)
        self._scan_timeout = max(timeout, scan_timeout)
        self.description = f"{chain} Bitcoin Core RPC {self._http.name}"

    def close(self) -> None:
        self._http.close()

    def _mismatch(self, pin: BlockPin, got_hash: str, got_height: int, why: str) -> VerificationError:
        return VerificationError(
            f"{self.chain} block {pin.height}: {why}",
            code="block-mismatch",
            evidence={
                "node": self._http.name,
                "height": pin.height,
                "expected_hash": pin.hash,
                "node_hash": got_hash[:64],
                "node_height": got_height,
            },
        )

    def check_block(self, pin: BlockPin) -> int:
        got = self._http.rpc("getblockhash", [pin.height])
        if not isinstance(got, str) or not HASH_HEX.match(got):
            raise FetchError(
                f"{self._http.name}: getblockhash returned {str(got)[:80]!r}",
                code="bad-response",
                evidence={"node": self._http.name},
            )
        if not hmac.compare_digest(got.encode(), pin.hash.encode()):
            raise self._mismatch(
                pin,
                got,
                pin.height,
                "the node's block hash is not the pinned one (another branch, a reorganisation, or a lying node)",
            )
        header: Any = self._http.rpc("getblockheader", [pin.hash, True])
        if (
            not isinstance(header, dict)
            or not isinstance(header.get("hash"), str)
            or type(header.get("height")) is not int
        ):
            raise FetchError(
                f"{self._http.name}: getblockheader returned no header",
                code="bad-response",
                evidence={"node": self._http.name},
            )
        if header["height"] != pin.height or not hmac.compare_digest(header["hash"].encode(), pin.hash.encode()):
            raise self._mismatch(
                pin, header["hash"], header["height"], "the node's header for the pinned hash is at another height"
            )
        block_time = header.get("time")
        if type(block_time) is not int or not 0 <= block_time <= MAX_BLOCK_TIME:
            raise FetchError(
                f"{self._http.name}: getblockheader time {str(block_time)[:40]!r} is not a block time",
                code="bad-response",
                evidence={"node": self._http.name},
            )
        return block_time

    def _btc(self, value: object, what: str) -> int:
        text = value.text if isinstance(value, RawNumber) else str(value) if type(value) is int else None
        if text is None:
            raise FetchError(
                f"{self._http.name}: scantxoutset {what} is not a number",
                code="bad-response",
                evidence={"node": self._http.name},
            )
        try:
            return parse_units(text, 8, what=f"scantxoutset {what}")
        except SolventError as e:
            raise FetchError(
                f"{self._http.name}: {e.message}", code="bad-response", evidence={"node": self._http.name}
            ) from e

    def native_balance(self, address: Address, pin: BlockPin) -> int:
        reply: Any = self._http.rpc("scantxoutset", ["start", [f"addr({address.text})"]], timeout=self._scan_timeout)
        if (
            not isinstance(reply, dict)
            or reply.get("success") is not True
            or not isinstance(reply.get("unspents"), list)
        ):
            raise FetchError(
                f"{self._http.name}: scantxoutset did not succeed",
                code="bad-response",
                evidence={"node": self._http.name, "address": address.text},
            )
        best, height = reply.get("bestblock"), reply.get("height")
        if not isinstance(best, str) or type(height) is not int:
            raise FetchError(
                f"{self._http.name}: scantxoutset reply lacks bestblock/height",
                code="bad-response",
                evidence={"node": self._http.name},
            )
        if height != pin.height or not hmac.compare_digest(best.encode(), pin.hash.encode()):
            raise self._mismatch(
                pin,
                best,
                height,
                "scantxoutset reads the node's current UTXO set, which is not at "
                "the pinned block; the balance at the pin cannot be read from this node",
            )
        total = 0
        for i, utxo in enumerate(reply["unspents"]):
            if not isinstance(utxo, dict):
                raise FetchError(
                    f"{self._http.name}: scantxoutset unspents[{i}] is malformed",
                    code="bad-response",
                    evidence={"node": self._http.name},
                )
            total += self._btc(utxo.get("amount"), f"unspents[{i}].amount")
        stated = self._btc(reply.get("total_amount"), "total_amount")
        if stated != total:
            raise VerificationError(
                f"{self._http.name}: scantxoutset's unspents add up to {total} sat, its total_amount says {stated}",
                code="inconsistent-node",
                evidence={"node": self._http.name, "address": address.text, "sum": total, "total_amount": stated},
            )
        return total

    def token_balance(self, contract: Address, address: Address, pin: BlockPin) -> int:
        raise VerificationError(f"{self.chain} has no tokens", code="unsupported")

    def token_decimals(self, contract: Address, pin: BlockPin) -> int:
        raise VerificationError(f"{self.chain} has no tokens", code="unsupported")
