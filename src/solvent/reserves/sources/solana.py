"""Solana over JSON-RPC, at the node's latest finalized state (threats R10, R11, R12).

A Solana node keeps no account history: a balance can be read only as it is now.  So
this source checks the pinned block and then reads at the latest *finalized* slot,
which it names (:meth:`SolanaRpcSource.latest_block`) so that reports can say
"observed at block N (latest), not at the pinned block", N the slot (docs/spec.md
§12.2 (The pinned block), "Chains without history").

* ``getGenesisHash`` must be mainnet-beta's (:data:`SOLANA_MAINNET_GENESIS`): a node of
  devnet, testnet or a local validator answers the same calls for the same addresses,
  with worthless coins (there anyone can fund any address or make a mint at a chosen key).
  Checked once per source, before any other answer is used;
* ``check_block(pin)``: ``getBlock(slot)`` at finalized commitment must return the
  pinned block hash (base58, compared as 64 hex digits); a skipped slot or a block the
  node no longer has is ``block-missing``;
* ``latest_block(max_lag)``: ``getSlot`` (finalized) and that slot's ``getBlock``; a block
  older than ``max_lag`` seconds by the injected clock is ``stale-node``;
* ``getBalance``, ``getAccountInfo`` and ``getTokenAccountsByOwner`` are asked at
  finalized commitment with ``minContextSlot`` = the observed slot, and every answer's
  ``context.slot`` must be at least that slot: no balance is read from a state older
  than the block the report names.  The highest context slot seen is kept
  (:attr:`SolanaRpcSource.last_context_slot`) so a report can say the reads ended there;
* a token balance is the sum of the wallet's token accounts for the mint, each checked:
  the account is held by the SPL Token program (``TokenkegQ...``; USDT and USDC are
  classic SPL tokens; Token-2022 mints are refused), its ``owner`` is the wallet, its
  ``mint`` is the mint, it is listed once, and its amount is a canonical decimal string.
  The node was asked for exactly these accounts, so any other in the answer means the
  node lies: a VerificationError, nothing counted.  A frozen account (its mint's freeze
  authority stopped it; the wallet cannot move it) is not counted; only ``initialized``
  is;
* ``token_decimals_latest``: the mint account itself (``getAccountInfo``, jsonParsed): held
  by the SPL Token program, a ``mint``, initialized, integer ``decimals``.

jsonParsed answers carry ``uiAmount`` floats: they are never read (and the HTTP
client keeps them as exact text anyway); only ``amount`` strings and integer
``decimals`` are.  The RPC shapes follow Solana's RPC documentation (solana.com,
"RPC HTTP methods").
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

__all__ = ["FUTURE_SKEW", "SOLANA_MAINNET_GENESIS", "SPL_TOKEN_PROGRAM", "SolanaRpcSource"]

#: mainnet-beta's genesis hash (anza-xyz/solana-sdk, ``cluster-type/src/lib.rs``,
#: ``ClusterType::MainnetBeta``, commit 122f32e571ce39face4beffaccea733e37c207fd).
SOLANA_MAINNET_GENESIS = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d"
#: The SPL Token program, which holds every classic SPL token account (USDT, USDC).
SPL_TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"  # noqa: S105 (a program id, not a secret)
#: How far a latest block's time may be ahead of the local clock (seconds) before it is refused.
FUTURE_SKEW = 120
#: JSON-RPC error codes with which a node says it has no block at a slot: -32004 (block not
#: available), -32007 (slot skipped, or ledger jump), -32009 (skipped or missing in long-term
#: storage), -32001 (block cleaned up).
_NO_BLOCK_CODES = ("-32001", "-32004", "-32007", "-32009")
_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,19})\Z")
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]{32,44}\Z")
_FINALIZED: dict[str, Any] = {"commitment": "finalized"}


def _u64(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_HEIGHT


class SolanaRpcSource:
    """A Solana node over JSON-RPC: the pinned block checked, balances read at the latest finalized state."""

    def __init__(
        self,
        chain: str,
        url: str,
        *,
        timeout: float = 30.0,
        expected_genesis: str = SOLANA_MAINNET_GENESIS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.chain = chain
        self._http = HttpClient(url, timeout=timeout)
        self.description = f"{chain} JSON-RPC {self._http.name}"
        self._expected_genesis = expected_genesis
        self._clock = clock
        self._genesis_checked = False
        #: The finalized slot of the last :meth:`latest_block`: every read must be at least there.
        self.observed_slot: int | None = None
        #: The highest ``context.slot`` of any balance answer so far.
        self.last_context_slot: int | None = None
        self._decimals: dict[bytes, int] = {}

    def close(self) -> None:
        self._http.close()

    # --- helpers ------------------------------------------------------------------------------

    def _bad(self, method: str, what: str, **evidence: object) -> FetchError:
        return FetchError(
            f"{self._http.name}: {method} returned {what}",
            code="bad-response",
            evidence={"node": self._http.name, "method": method, **evidence},
        )

    def _lie(self, message: str, code: str, **evidence: object) -> VerificationError:
        return VerificationError(
            f"{self._http.name}: {message}", code=code, evidence={"node": self._http.name, **evidence}
        )

    def check_genesis(self) -> None:
        """The node must be on mainnet-beta, else none of its accounts are the ones named."""
        if self._genesis_checked:
            return
        got = self._http.rpc("getGenesisHash", [])
        if not isinstance(got, str) or not _BASE58.match(got):
            raise self._bad("getGenesisHash", "no base58 hash")
        if not hmac.compare_digest(got.encode(), self._expected_genesis.encode()):
            raise FetchError(
                f"{self._http.name} serves the Solana cluster with genesis hash {got}, not {self.chain} "
                f"({self._expected_genesis}): point --node at a node of that cluster",
                code="wrong-chain",
                evidence={
                    "node": self._http.name,
                    "chain": self.chain,
                    "expected_genesis": self._expected_genesis,
                    "node_genesis": got,
                },
            )
        self._genesis_checked = True

    def _block(self, slot: int) -> dict[str, Any] | None:
        """``getBlock(slot)`` without transactions, or None if the node has no block there."""
        config = {
            "encoding": "json",
            "transactionDetails": "none",
            "rewards": False,
            "maxSupportedTransactionVersion": 0,
            "commitment": "finalized",
        }
        try:
            block = self._http.rpc("getBlock", [slot, config])
        except FetchError as e:
            error = str(e.evidence.get("error", "")) if e.code == "rpc-error" else ""
            # The transport keeps the JSON-RPC error object as text: its code says "no block here".
            found = re.search(r"'code': (-?\d+)", error)
            if found and found.group(1) in _NO_BLOCK_CODES:
                return None
            raise
        if block is None:
            return None
        if not isinstance(block, dict):
            raise self._bad("getBlock", "no block object", slot=slot)
        return block

    def _block_hash(self, block: dict[str, Any], slot: int) -> str:
        from embit import base58

        text = block.get("blockhash")
        if not isinstance(text, str) or not _BASE58.match(text):
            raise self._bad("getBlock", "no base58 blockhash", slot=slot)
        try:
            raw = bytes(base58.decode(text))
        except Exception as e:  # embit raises bare ValueErrors
            raise self._bad("getBlock", "a blockhash that is not base58", slot=slot) from e
        if len(raw) != 32 or base58.encode(raw) != text:
            raise self._bad("getBlock", "a blockhash that is not 32 bytes in canonical base58", slot=slot)
        return raw.hex()

    def _block_time(self, block: dict[str, Any], slot: int) -> int:
        value = block.get("blockTime")
        if type(value) is not int or not 0 <= value <= MAX_BLOCK_TIME:
            raise self._bad("getBlock", f"the block time {str(value)[:40]!r}, not seconds since 1970", slot=slot)
        return value

    def _context_value(self, reply: object, method: str) -> Any:
        """The ``value`` of an answer with a context, once its slot is at least the observed slot."""
        if not isinstance(reply, dict) or not isinstance(reply.get("context"), dict) or "value" not in reply:
            raise self._bad(method, "no context and value")
        slot = reply["context"].get("slot")
        if not _u64(slot):
            raise self._bad(method, "a context without an integer slot")
        if self.observed_slot is not None and slot < self.observed_slot:
            raise self._lie(
                f"{method} answered from slot {slot}, before the observed finalized slot {self.observed_slot}",
                "stale-read",
                method=method,
                context_slot=slot,
                observed_slot=self.observed_slot,
            )
        if self.last_context_slot is None or slot > self.last_context_slot:
            self.last_context_slot = slot
        return reply["value"]

    def _read_config(self, **extra: object) -> dict[str, Any]:
        config: dict[str, Any] = {**_FINALIZED, **extra}
        if self.observed_slot is not None:
            config["minContextSlot"] = self.observed_slot
        return config

    # --- LatestStateSource --------------------------------------------------------------------

    def check_block(self, pin: BlockPin) -> int:
        self.check_genesis()
        block = self._block(pin.height)
        if block is None:
            raise VerificationError(
                f"{self._http.name}: the node has no block at slot {pin.height} on {self.chain} "
                "(a skipped slot, or one it no longer keeps)",
                code="block-missing",
                evidence={"node": self._http.name, "height": pin.height, "expected_hash": pin.hash},
            )
        got = self._block_hash(block, pin.height)
        if not hmac.compare_digest(got.encode(), pin.hash.encode()):
            raise VerificationError(
                f"{self.chain} slot {pin.height}: the node's block hash is not the pinned one "
                "(another fork, or a lying node)",
                code="block-mismatch",
                evidence={"node": self._http.name, "height": pin.height, "expected_hash": pin.hash, "node_hash": got},
            )
        return self._block_time(block, pin.height)

    def latest_block(self, *, max_lag: int) -> ObservedBlock:
        self.check_genesis()
        slot = self._http.rpc("getSlot", [_FINALIZED])
        if not _u64(slot):
            raise self._bad("getSlot", f"{str(slot)[:40]!r}, not a slot number")
        if self.observed_slot is not None and slot < self.observed_slot:
            raise self._lie(
                f"the finalized slot went back from {self.observed_slot} to {slot}",
                "stale-node",
                slot=slot,
                observed_slot=self.observed_slot,
            )
        block = self._block(slot)
        if block is None:
            raise self._lie(f"the node has no block at its own finalized slot {slot}", "block-missing", slot=slot)
        observed = ObservedBlock(self.chain, slot, self._block_hash(block, slot), self._block_time(block, slot))
        now = int(self._clock())
        if observed.time < now - max_lag:
            raise self._lie(
                f"the latest finalized block (slot {slot}) is {now - observed.time} s old, more than the "
                f"{max_lag} s allowed: the node is behind",
                "stale-node",
                slot=slot,
                block_time=observed.time,
                now=now,
                max_lag=max_lag,
            )
        if observed.time > now + FUTURE_SKEW:
            raise self._lie(
                f"the latest finalized block (slot {slot}) is dated {observed.time - now} s in the future",
                "future-block",
                slot=slot,
                block_time=observed.time,
                now=now,
            )
        self.observed_slot = slot
        return observed

    def native_balance_latest(self, address: Address) -> int:
        self.check_genesis()
        reply = self._http.rpc("getBalance", [address.text, self._read_config()])
        value = self._context_value(reply, "getBalance")
        if not _u64(value):
            raise self._bad("getBalance", f"{str(value)[:40]!r}, not a number of lamports", address=address.text)
        assert isinstance(value, int)
        return value

    def _parsed(self, account: object, method: str, kind: str, where: str) -> dict[str, Any]:
        """The ``parsed.info`` of an SPL Token account of ``kind`` (``account`` or ``mint``)."""
        if not isinstance(account, dict):
            raise self._bad(method, f"no account object for {where}")
        if account.get("owner") != SPL_TOKEN_PROGRAM:
            raise self._lie(
                f"{where} is held by the program {str(account.get('owner'))[:60]}, not the SPL Token program "
                f"({SPL_TOKEN_PROGRAM}); only classic SPL tokens are read",
                "token-program",
                account=where,
                program=str(account.get("owner"))[:60],
            )
        data = account.get("data")
        parsed = data.get("parsed") if isinstance(data, dict) else None
        info = parsed.get("info") if isinstance(parsed, dict) else None
        if not isinstance(data, dict) or data.get("program") != "spl-token" or not isinstance(info, dict):
            raise self._bad(method, f"no jsonParsed spl-token data for {where}")
        assert isinstance(parsed, dict)
        if parsed.get("type") != kind:
            raise self._lie(
                f"{where} is a {str(parsed.get('type'))[:20]!r}, not a token {kind}", "token-account", account=where
            )
        return info

    def token_balance_latest(self, token: Address, address: Address) -> int:
        self.check_genesis()
        config = self._read_config(encoding="jsonParsed")
        reply = self._http.rpc("getTokenAccountsByOwner", [address.text, {"mint": token.text}, config])
        value = self._context_value(reply, "getTokenAccountsByOwner")
        if not isinstance(value, list):
            raise self._bad("getTokenAccountsByOwner", "no list of accounts", address=address.text)
        total = 0
        seen: set[str] = set()
        for item in value:
            pubkey = item.get("pubkey") if isinstance(item, dict) else None
            if not isinstance(pubkey, str) or not _BASE58.match(pubkey):
                raise self._bad("getTokenAccountsByOwner", "an account without a base58 pubkey")
            if pubkey in seen:
                raise self._lie(
                    f"token account {pubkey} is listed twice for {address.text}", "token-account", account=pubkey
                )
            seen.add(pubkey)
            info = self._parsed(item.get("account"), "getTokenAccountsByOwner", "account", pubkey)
            if info.get("owner") != address.text:
                raise self._lie(
                    f"token account {pubkey} belongs to {str(info.get('owner'))[:60]}, not to {address.text}",
                    "token-owner",
                    account=pubkey,
                    wallet=address.text,
                    owner=str(info.get("owner"))[:60],
                )
            if info.get("mint") != token.text:
                raise self._lie(
                    f"token account {pubkey} holds the mint {str(info.get('mint'))[:60]}, not {token.text}",
                    "token-mint",
                    account=pubkey,
                    mint=token.text,
                    account_mint=str(info.get("mint"))[:60],
                )
            amount_obj = info.get("tokenAmount")
            amount = amount_obj.get("amount") if isinstance(amount_obj, dict) else None
            if not isinstance(amount, str) or not _AMOUNT.match(amount) or int(amount) >= 1 << 64:
                raise self._bad("getTokenAccountsByOwner", f"token account {pubkey} without a u64 amount string")
            decimals = amount_obj.get("decimals") if isinstance(amount_obj, dict) else None
            if type(decimals) is not int or not 0 <= decimals <= 255:
                raise self._bad("getTokenAccountsByOwner", f"token account {pubkey} without integer decimals")
            if token.key in self._decimals and decimals != self._decimals[token.key]:
                raise self._lie(
                    f"token account {pubkey} says {decimals} decimals, its mint {token.text} "
                    f"{self._decimals[token.key]}",
                    "token-account",
                    account=pubkey,
                )
            state = info.get("state")
            if state == "frozen":
                continue  # the mint's freeze authority holds it: the wallet cannot move it
            if state != "initialized":
                raise self._lie(
                    f"token account {pubkey} is in the state {str(state)[:20]!r}", "token-account", account=pubkey
                )
            total += int(amount)
        return total

    def token_decimals_latest(self, token: Address) -> int:
        self.check_genesis()
        if token.key in self._decimals:
            return self._decimals[token.key]
        config = self._read_config(encoding="jsonParsed")
        reply = self._http.rpc("getAccountInfo", [token.text, config])
        account = self._context_value(reply, "getAccountInfo")
        if account is None:
            raise VerificationError(
                f"the mint {token.text} does not exist on {self.chain}",
                code="token-contract",
                evidence={"contract": token.text, "node": self._http.name},
            )
        info = self._parsed(account, "getAccountInfo", "mint", token.text)
        decimals = info.get("decimals")
        if type(decimals) is not int or not 0 <= decimals <= 255:
            raise self._bad("getAccountInfo", f"the mint {token.text} without integer decimals")
        if info.get("isInitialized") is not True:
            raise self._lie(f"the mint {token.text} is not initialized", "token-contract", contract=token.text)
        self._decimals[token.key] = decimals
        return decimals


if TYPE_CHECKING:
    from solvent.reserves.sources.base import LatestStateSource

    def _is_a_latest_state_source(source: SolanaRpcSource) -> LatestStateSource:
        return source  # mypy checks the class against the interface here
