"""An Esplora-style HTTP API (Blockstream's electrs and mempool.space), at a pinned block.

* ``GET /block-height/{height}`` must return the pinned hash (threat R4), and
  ``GET /block/{hash}`` the same height; its ``timestamp`` is the block's time
  (docs/spec.md §12.2 (The pinned block));
* the balance at the pin is recomputed from the address's confirmed history
  (``GET /address/{address}/txs/chain[/{last_txid}]``, 25 per page, newest first):
  outputs paying the address's script in blocks ``<= height`` minus the outputs it
  spent in blocks ``<= height``.  Esplora has no "balance at height" call, and its
  current ``chain_stats`` would include later transactions.

The history is checked as it is read: every transaction must be confirmed with an
integer height, values are integer satoshis, a transaction in the pinned block must
name the pinned hash, and the result may not be negative (a lying or broken server).
"""

from __future__ import annotations

import hmac
from typing import Any

from solvent.protocol.errors import FetchError, VerificationError
from solvent.reserves.block_window import MAX_BLOCK_TIME
from solvent.reserves.chains import Address
from solvent.reserves.pinned_block import HASH_HEX, BlockPin
from solvent.reserves.sources.http import HttpClient

__all__ = ["EsploraSource"]

MAX_PAGES = 20_000
_MAX_SAT = 21_000_000 * 10**8


class EsploraSource:
    def __init__(self, chain: str, url: str, *, timeout: float = 30.0) -> None:
        self.chain = chain
        self._http = HttpClient(url, timeout=timeout)
        self.description = f"{chain} Esplora {self._http.name}"

    def close(self) -> None:
        self._http.close()

    def _bad(self, what: str) -> FetchError:
        return FetchError(f"{self._http.name}: {what}", code="bad-response", evidence={"node": self._http.name})

    def check_block(self, pin: BlockPin) -> int:
        got = self._http.get_text(f"/block-height/{pin.height}", "block-height").strip()
        if not HASH_HEX.match(got):
            raise self._bad(f"block-height returned {got[:80]!r}")
        if not hmac.compare_digest(got.encode(), pin.hash.encode()):
            raise VerificationError(
                f"{self.chain} block {pin.height}: the server's block hash is not the pinned one "
                "(another branch, a reorganisation, or a lying server)",
                code="block-mismatch",
                evidence={"node": self._http.name, "height": pin.height, "expected_hash": pin.hash, "node_hash": got},
            )
        block: Any = self._http.get_json(f"/block/{pin.hash}", "block")
        if not isinstance(block, dict):
            raise self._bad("block is not a JSON object")
        if block.get("id") != pin.hash or type(block.get("height")) is not int or block["height"] != pin.height:
            raise VerificationError(
                f"{self.chain} block {pin.height}: the server's /block/{pin.hash[:16]}... does not describe that block",
                code="block-mismatch",
                evidence={"node": self._http.name, "height": pin.height, "expected_hash": pin.hash},
            )
        block_time = block.get("timestamp")
        if type(block_time) is not int or not 0 <= block_time <= MAX_BLOCK_TIME:
            raise self._bad(f"block {pin.height} has no valid timestamp")
        return block_time

    def _sat(self, value: object, what: str) -> int:
        if type(value) is not int or not 0 <= value <= _MAX_SAT:
            raise self._bad(f"{what} is not an amount of satoshis")
        return value

    def _tx_delta(self, tx: Any, script: str, pin: BlockPin) -> tuple[int, int] | None:
        """(received, spent) of one transaction for the script, or None if after the pin."""
        if not isinstance(tx, dict) or not isinstance(tx.get("status"), dict):
            raise self._bad("a transaction without status")
        status = tx["status"]
        height = status.get("block_height")
        if status.get("confirmed") is not True or type(height) is not int:
            raise self._bad("an unconfirmed transaction in the confirmed history")
        if height > pin.height:
            return None
        if height == pin.height and status.get("block_hash") != pin.hash:
            raise VerificationError(
                f"{self.chain}: a transaction at height {pin.height} is in block {str(status.get('block_hash'))[:64]}, "
                "not the pinned block",
                code="block-mismatch",
                evidence={"node": self._http.name, "txid": str(tx.get("txid"))[:64], "expected_hash": pin.hash},
            )
        received = spent = 0
        for out in tx.get("vout") or []:
            if isinstance(out, dict) and out.get("scriptpubkey") == script:
                received += self._sat(out.get("value"), "vout.value")
        for vin in tx.get("vin") or []:
            prevout = vin.get("prevout") if isinstance(vin, dict) else None
            if isinstance(prevout, dict) and prevout.get("scriptpubkey") == script:
                spent += self._sat(prevout.get("value"), "vin.prevout.value")
        return received, spent

    def native_balance(self, address: Address, pin: BlockPin) -> int:
        script = address.key.hex()
        balance, last, seen = 0, "", set()
        for _ in range(MAX_PAGES):
            page = self._http.get_json(f"/address/{address.text}/txs/chain{'/' + last if last else ''}", "address txs")
            if not isinstance(page, list):
                raise self._bad("address txs is not a list")
            if not page:
                break
            for tx in page:
                txid = tx.get("txid") if isinstance(tx, dict) else None
                if not isinstance(txid, str) or not HASH_HEX.match(txid) or txid in seen:
                    raise self._bad("a transaction with a missing or repeated txid")
                seen.add(txid)
                delta = self._tx_delta(tx, script, pin)
                if delta is not None:
                    balance += delta[0] - delta[1]
            last = page[-1]["txid"]
        else:
            raise self._bad(f"the history of {address.text} is longer than {MAX_PAGES} pages")
        if balance < 0:
            raise VerificationError(
                f"{address.text}: the server's history spends more than it received ({balance} sat)",
                code="inconsistent-node",
                evidence={"node": self._http.name, "address": address.text, "balance": balance},
            )
        return balance

    def token_balance(self, contract: Address, address: Address, pin: BlockPin) -> int:
        raise VerificationError(f"{self.chain} has no tokens", code="unsupported")

    def token_decimals(self, contract: Address, pin: BlockPin) -> int:
        raise VerificationError(f"{self.chain} has no tokens", code="unsupported")
