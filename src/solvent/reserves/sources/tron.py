"""Tron over a java-tron node's HTTP API, at the latest confirmed (solidified) block.

A Tron node keeps no state history: it answers balances at its latest block only
(threat R11), so this is a :class:`~solvent.reserves.sources.base.LatestStateSource`.
Every request goes to the node's *solidity* API (``/walletsolidity/...``, port 8091 of
a java-tron FullNode; TronGrid and most providers serve the same paths on their one
URL), which answers from the latest **solidified** block: one that more than two
thirds of the super representatives have built on and that can no longer be
reverted (about a minute behind the head).  Request and answer shapes are java-tron's
(framework/src/main/java/org/tron/core/services/http/: GetNowBlockServlet,
GetBlockByNumServlet, GetAccountServlet, TriggerConstantContractServlet, Util.java and
JsonFormat.java, github.com/tronprotocol/java-tron at commit
1e35f79a165424bbae319799d9aca92948b8f5c2):

* ``POST /walletsolidity/getblockbynum {"num": N}`` and ``POST /walletsolidity/getnowblock``:
  ``{"blockID": 64 hex, "block_header": {"raw_data": {"number": N, "timestamp": ms, ...}}}``,
  or ``{}`` when there is no such block.  The block id begins with the block number
  (8 bytes), which is cross-checked.  java-tron prints protobuf fields at their default
  value not at all, so the genesis block has neither ``number`` nor ``timestamp``: an
  absent number or time is 0, any present one a JSON integer;
* the chain is identified by its **genesis block id** (block 0), checked once per source
  before anything else is believed: a node of the Nile or Shasta test networks has
  blocks, accounts and a "USDT" too, just not these (threat R10);
* ``POST /walletsolidity/getaccount {"address": "T...", "visible": true}``: the account, whose
  ``balance`` is its liquid TRX in sun (absent when 0), with the ``address`` echoed back;
  ``{}`` is java-tron's answer for an account that does not exist, which holds nothing.
  TRX staked for energy or bandwidth (``frozenV2``) is not in ``balance`` and not counted;
* ``POST /walletsolidity/triggerconstantcontract`` with ``function_selector``
  ``balanceOf(address)`` or ``decimals()`` (TRC-20 is ERC-20 on Tron's EVM-compatible
  VM): ``{"result": {"result": true}, "constant_result": ["64 hex"], ...}``.  The contract
  asked is the one given, by its address; which contract *is* USDT is decided elsewhere,
  by (chain, contract) only.

Every answer is parsed strictly: numbers are JSON integers in range (never floats or
strings), ids 64 lower-case hex digits, a constant call's result exactly one 32-byte
word after an explicit ``result: true``; anything else is a FetchError
(``bad-response``) naming the node by :func:`~solvent.reserves.sources.http.redact_url`
only.  A node that answers ``{"Error": ...}`` (java-tron's way of reporting an exception)
is a FetchError (``rpc-error``).
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from solvent.protocol.errors import FetchError, VerificationError
from solvent.reserves.block_window import MAX_BLOCK_TIME
from solvent.reserves.chains import Address
from solvent.reserves.pinned_block import MAX_HEIGHT, BlockPin, ObservedBlock
from solvent.reserves.sources.http import HttpClient

__all__ = ["TRON_MAINNET_GENESIS", "TronHttpSource"]

#: Block 0 of Tron's mainnet, as ``/wallet/getblockbynum {"num": 0}`` names it (CAIP-2's
#: tron namespace and TronGrid agree; the chain's configured parent hash is
#: e58f33f9...0351f, and the id is the block number followed by 24 bytes of the hash).
TRON_MAINNET_GENESIS = "00000000000000001ebf88508a03865c71d452e25f4d51194196a1d22b6653dc"

_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_INT64_MAX = (1 << 63) - 1


#: A field java-tron left out of its answer (protobuf prints no field at its default value).
_ABSENT = object()


class TronHttpSource:
    """One java-tron node (or a provider speaking its HTTP API) for one Tron chain.

    ``expected_genesis`` is the chain's block 0 id (mainnet by default); ``clock`` gives
    the local time in seconds, against which the latest block's age is measured.
    """

    def __init__(
        self,
        chain: str,
        url: str,
        *,
        timeout: float = 30.0,
        expected_genesis: str = TRON_MAINNET_GENESIS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.chain = chain
        self._http = HttpClient(url, timeout=timeout)
        self.description = f"{chain} HTTP API {self._http.name}"
        self._expected_genesis = expected_genesis
        self._clock = clock
        self._genesis_checked = False
        #: decimals() per contract: a token held by many wallets is asked once.
        self._decimals: dict[bytes, int] = {}

    def close(self) -> None:
        self._http.close()

    # --- answers ------------------------------------------------------------------------------

    def _bad(self, what: str, reason: str) -> FetchError:
        return FetchError(
            f"{self._http.name}: {what} {reason}",
            code="bad-response",
            evidence={"node": self._http.name, "request": what},
        )

    def _post(self, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        answer = self._http.post_json(path, body, what)
        if not isinstance(answer, dict):
            raise self._bad(what, "did not answer with a JSON object")
        if "Error" in answer:
            raise FetchError(
                f"{self._http.name}: {what} failed: {str(answer['Error'])[:200]}",
                code="rpc-error",
                evidence={"node": self._http.name, "request": what, "error": str(answer["Error"])[:300]},
            )
        return answer

    def _int(self, value: object, what: str, field: str, *, default: int | None = None, limit: int = _INT64_MAX) -> int:
        """A JSON integer in [0, limit]; ``default`` when java-tron left the field out (its value was 0)."""
        if value is _ABSENT and default is not None:
            return default
        if type(value) is not int or not 0 <= value <= limit:
            raise self._bad(what, f"gave {field} = {str(value)[:40]!r}, not an integer in [0, {limit}]")
        return value

    def _block(self, answer: dict[str, Any], what: str) -> tuple[int, str, int]:
        """(number, id, time in seconds) of a block answer."""
        block_id = answer.get("blockID")
        header = answer.get("block_header")
        raw = header.get("raw_data") if isinstance(header, dict) else None
        if not isinstance(block_id, str) or not _HEX64.match(block_id) or not isinstance(raw, dict):
            raise self._bad(what, "did not answer with a block (blockID of 64 lower-case hex digits and a header)")
        number = self._int(raw.get("number", _ABSENT), what, "number", default=0, limit=MAX_HEIGHT)
        if int(block_id[:16], 16) != number:
            raise self._bad(what, f"gave block {number} an id that does not begin with its number")
        millis = self._int(raw.get("timestamp", _ABSENT), what, "timestamp", default=0, limit=MAX_BLOCK_TIME * 1000)
        if millis % 1000:
            # Tron blocks are made in 3-second slots: a fraction of a second is not a block time.
            raise self._bad(what, f"gave block {number} the time {millis} ms, not a whole second")
        return number, block_id, millis // 1000

    # --- the chain and its blocks -------------------------------------------------------------

    def check_genesis(self) -> None:
        """The node's block 0 must be the chain's: else nothing it says is about our chain (R10)."""
        if self._genesis_checked:
            return
        what = "getblockbynum 0"
        answer = self._post("/walletsolidity/getblockbynum", {"num": 0}, what)
        if answer == {}:
            raise FetchError(
                f"{self._http.name} does not serve block 0 (a pruned node?), so its chain cannot be "
                f"identified as {self.chain}: point --node at a node that keeps the genesis block",
                code="wrong-chain",
                evidence={"node": self._http.name, "chain": self.chain, "expected_genesis": self._expected_genesis},
            )
        number, block_id, _ = self._block(answer, what)
        if number != 0 or not hmac.compare_digest(block_id.encode(), self._expected_genesis.encode()):
            raise FetchError(
                f"{self._http.name} serves a Tron chain whose genesis block is {block_id}, not {self.chain}'s "
                f"({self._expected_genesis}): point --node at a node of that chain",
                code="wrong-chain",
                evidence={
                    "node": self._http.name,
                    "chain": self.chain,
                    "expected_genesis": self._expected_genesis,
                    "node_genesis": block_id,
                },
            )
        self._genesis_checked = True

    def check_block(self, pin: BlockPin) -> int:
        """The pinned block must be the node's solidified block at that height; returns its time."""
        self.check_genesis()
        what = f"getblockbynum {pin.height}"
        answer = self._post("/walletsolidity/getblockbynum", {"num": pin.height}, what)
        if answer == {}:
            raise VerificationError(
                f"{self._http.name}: the node has no solidified block {pin.height} on {self.chain}",
                code="block-missing",
                evidence={"node": self._http.name, "height": pin.height, "expected_hash": pin.hash},
            )
        number, block_id, seconds = self._block(answer, what)
        if number != pin.height or not hmac.compare_digest(block_id.encode(), pin.hash.encode()):
            raise VerificationError(
                f"{self.chain} block {pin.height}: the node's block id is not the pinned one "
                "(another chain, or a lying node)",
                code="block-mismatch",
                evidence={
                    "node": self._http.name,
                    "height": pin.height,
                    "expected_hash": pin.hash,
                    "node_hash": block_id,
                    "node_height": number,
                },
            )
        return seconds

    def latest_block(self, *, max_lag: int) -> ObservedBlock:
        """The latest solidified block; VerificationError ``stale-node`` if older than ``max_lag`` seconds.

        A block more than ``max_lag`` seconds *ahead* of the local clock is refused too
        (``clock-skew``): either the node lies about time or this machine's clock is wrong,
        and in both cases "how old is this state" has no answer.
        """
        self.check_genesis()
        what = "getnowblock"
        answer = self._post("/walletsolidity/getnowblock", {}, what)
        if answer == {}:
            raise self._bad(what, "answered no block")
        number, block_id, seconds = self._block(answer, what)
        now = int(self._clock())
        evidence = {"node": self._http.name, "height": number, "block_time": seconds, "local_time": now}
        if now - seconds > max_lag:
            raise VerificationError(
                f"{self._http.name}: the latest solidified {self.chain} block ({number}) is {now - seconds} s old, "
                f"more than the {max_lag} s allowed: the node is behind (not synced, or stalled)",
                code="stale-node",
                evidence={**evidence, "max_lag": max_lag},
            )
        if seconds - now > max_lag:
            raise VerificationError(
                f"{self._http.name}: the latest solidified {self.chain} block ({number}) is dated {seconds - now} s "
                "in the future: the node's time or this machine's clock is wrong",
                code="clock-skew",
                evidence={**evidence, "max_lag": max_lag},
            )
        return ObservedBlock(self.chain, number, block_id, seconds)

    # --- balances -----------------------------------------------------------------------------

    def native_balance_latest(self, address: Address) -> int:
        """Liquid TRX of ``address`` in sun at the latest solidified block (0 if the account does not exist)."""
        self.check_genesis()
        what = f"getaccount {address.text}"
        answer = self._post("/walletsolidity/getaccount", {"address": address.text, "visible": True}, what)
        if answer == {}:
            return 0  # java-tron's answer for an account that was never created
        if answer.get("address") != address.text:
            raise self._bad(what, "answered for another address")
        return self._int(answer.get("balance", _ABSENT), what, "balance", default=0)

    def check_key_control(self, address: Address) -> None:
        """The address's own key must still control its account, alone (VerificationError otherwise).

        A Tron account can hand control to other keys: its ``owner_permission`` (which can
        do everything, including changing every other permission) is a ``threshold`` over
        weighted ``keys``.  A signature by the address's key then proves only that someone
        holds a key that can no longer move the funds -- which another party could lend to
        an exchange while keeping control (threat R9's Tron form).  So the owner permission,
        where the account has one, must let the address's own key reach the threshold by
        itself.  An account without one (never changed, or created before permissions
        existed) or that does not exist is controlled by its key.
        """
        self.check_genesis()
        what = f"getaccount {address.text}"
        answer = self._post("/walletsolidity/getaccount", {"address": address.text, "visible": True}, what)
        if answer == {}:
            return
        if answer.get("address") != address.text:
            raise self._bad(what, "answered for another address")
        owner = answer.get("owner_permission", _ABSENT)
        if owner is _ABSENT:
            return
        keys = owner.get("keys") if isinstance(owner, dict) else None
        if not isinstance(owner, dict) or not isinstance(keys, list) or not keys:
            raise self._bad(what, "gave an owner_permission without keys")
        threshold = self._int(owner.get("threshold", _ABSENT), what, "owner threshold")
        weights: dict[str, int] = {}
        for key in keys:
            if not isinstance(key, dict) or not isinstance(key.get("address"), str):
                raise self._bad(what, "gave an owner_permission key without an address")
            weights[key["address"]] = self._int(key.get("weight", _ABSENT), what, "owner key weight")
        own = weights.get(address.text, 0)
        if threshold < 1 or own < threshold:
            raise VerificationError(
                f"{address.text}: the account's owner permission needs weight {threshold} and the address's own key "
                f"has {own}: other keys control it, so a signature by its key does not show control of its funds",
                code="permission-moved",
                evidence={
                    "address": address.text,
                    "threshold": threshold,
                    "own_weight": own,
                    "owner_keys": sorted(weights)[:20],
                    "node": self._http.name,
                },
            )

    def _call_word(self, contract: Address, owner: Address, selector: str, parameter: str, what: str) -> int:
        self.check_genesis()
        body = {
            "owner_address": owner.text,
            "contract_address": contract.text,
            "function_selector": selector,
            "parameter": parameter,
            "visible": True,
        }
        answer = self._post("/walletsolidity/triggerconstantcontract", body, what)
        result = answer.get("result")
        if not isinstance(result, dict):
            raise self._bad(what, "has no result")
        if result.get("result") is not True:
            code = result.get("code")
            if code == "CONTRACT_VALIDATE_ERROR":  # java-tron: "Smart contract is not exist."
                raise VerificationError(
                    f"{contract.text} on {self.chain}: the node says there is no contract there ({what})",
                    code="token-contract",
                    evidence={"contract": contract.text, "call": what, "node_message": _text(result.get("message"))},
                )
            raise self._bad(what, f"failed ({str(code)[:40]}: {_text(result.get('message'))})")
        transaction = answer.get("transaction")
        reverted = isinstance(transaction, dict) and any(
            isinstance(r, dict) and r.get("ret") == "FAILED" for r in transaction.get("ret") or []
        )
        if "message" in result or reverted:  # java-tron keeps result: true for a revert and says so here
            raise VerificationError(
                f"{contract.text} on {self.chain} failed {what} ({_text(result.get('message'))}): "
                "not a TRC-20 token contract",
                code="token-contract",
                evidence={"contract": contract.text, "call": what},
            )
        words = answer.get("constant_result")
        if not isinstance(words, list) or len(words) != 1 or not isinstance(words[0], str):
            raise self._bad(what, "did not return one constant_result")
        if words[0] == "":
            raise VerificationError(
                f"{contract.text} on {self.chain} returned nothing for {what}: not a TRC-20 token contract",
                code="token-contract",
                evidence={"contract": contract.text, "call": what},
            )
        if not _HEX64.match(words[0]):
            raise self._bad(what, f"returned {words[0][:80]!r}, not one 32-byte word")
        return int(words[0], 16)

    def token_balance_latest(self, token: Address, address: Address) -> int:
        """``balanceOf(address)`` of the TRC-20 contract ``token``, asked as ``address`` itself."""
        return self._call_word(
            token, address, "balanceOf(address)", address.key.rjust(32, b"\0").hex(), f"balanceOf {token.text}"
        )

    def token_decimals_latest(self, token: Address) -> int:
        if token.key in self._decimals:
            return self._decimals[token.key]
        decimals = self._call_word(token, token, "decimals()", "", f"decimals {token.text}")
        if decimals > 255:
            raise VerificationError(
                f"{token.text}: decimals() returned {decimals}, not a uint8",
                code="token-contract",
                evidence={"contract": token.text},
            )
        self._decimals[token.key] = decimals
        return decimals


def _text(value: object) -> str:
    """A node's error message for a human: java-tron writes it as hex of UTF-8 (or as text)."""
    if not isinstance(value, str):
        return ""
    try:
        return bytes.fromhex(value).decode("utf-8")[:200]
    except ValueError:
        return value[:200]


if TYPE_CHECKING:
    from solvent.reserves.sources.base import LatestStateSource

    def _is_a_latest_state_source(source: TronHttpSource) -> LatestStateSource:
        return source  # mypy checks that the class implements the interface
