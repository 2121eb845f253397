"""The balance-source interface and the ``CHAIN=URL`` option that opens one.

A source answers three questions about one chain, always *at a pinned block*:
is this block (height and hash) on the node's chain, and when was it made
(``check_block`` returns the block's time, threat R4 and docs/spec.md §12.2 (The pinned block)),
what does an address hold in the native coin, and what does it hold of a token
(and how many decimals does the token contract report).  Implementations raise
:class:`~solvent.protocol.errors.FetchError` when they cannot answer and
:class:`~solvent.protocol.errors.VerificationError` when the answer contradicts the pin or
the declaration; they never return a guess.

:func:`read_token_balance` is the one way a token balance is read, by the operator's
attestation and by anyone's re-check alike: the contract's own ``decimals()`` first,
compared with the number the file states, then ``balanceOf``.

``--node`` values: ``ethereum=http://127.0.0.1:8545`` (JSON-RPC),
``bitcoin=http://user:pass@127.0.0.1:8332`` (Bitcoin Core JSON-RPC) or
``bitcoin=esplora+https://host/api`` (Esplora HTTP API).  A node is named in every
message and output by scheme and host only (:func:`~solvent.reserves.sources.http.redact_url`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from solvent.protocol.errors import InputError, VerificationError
from solvent.reserves.chains import Address, get_chain
from solvent.reserves.pinned_block import BlockPin, ObservedBlock
from solvent.reserves.sources.http import redact_url

__all__ = [
    "AnySource",
    "BalanceSource",
    "LatestStateSource",
    "open_source",
    "open_sources",
    "opened_sources",
    "parse_node_option",
    "read_token_balance",
]


class BalanceSource(Protocol):
    """Reads one chain at a pinned block.  ``description`` names the node for reports."""

    chain: str
    description: str

    def check_block(self, pin: BlockPin) -> int:
        """Check the pinned block is on the node's chain; return its time (seconds since 1970, UTC)."""
        ...

    def native_balance(self, address: Address, pin: BlockPin) -> int: ...

    def token_balance(self, contract: Address, address: Address, pin: BlockPin) -> int: ...

    def token_decimals(self, contract: Address, pin: BlockPin) -> int: ...

    def close(self) -> None: ...


class LatestStateSource(Protocol):
    """Reads a chain whose nodes keep no history (Tron, Solana): balances at the latest block only.

    ``check_block`` checks that the pinned block (named in the challenges) is on the
    node's chain and returns its time, as for :class:`BalanceSource`.  ``latest_block``
    is the node's latest confirmed block (Tron: solidified; Solana: finalized); it raises
    VerificationError (``code="stale-node"``) when that block's time is more than
    ``max_lag`` seconds behind the local clock.  Balances are read at the latest state,
    never at the pinned block; a token balance counts only accounts that the node shows
    owned by ``address`` and holding exactly ``token`` (Solana), and ``token_decimals``
    is the token's own number of decimals.
    """

    chain: str
    description: str

    def check_block(self, pin: BlockPin) -> int: ...

    def latest_block(self, *, max_lag: int) -> ObservedBlock: ...

    def native_balance_latest(self, address: Address) -> int: ...

    def token_balance_latest(self, token: Address, address: Address) -> int: ...

    def token_decimals_latest(self, token: Address) -> int: ...

    def close(self) -> None: ...


#: A chain's node: read at a pinned block, or (chains without history) at its latest block.
AnySource = BalanceSource | LatestStateSource


def read_token_balance(
    source: BalanceSource,
    contract: Address,
    address: Address,
    pin: BlockPin,
    *,
    asset: str,
    decimals: int,
    stated_in: str,
    evidence_key: str,
) -> int:
    """``address``'s balance in ``contract`` at ``pin``, once the contract's ``decimals()`` equals ``decimals``.

    A balance converted with other decimals than the contract's is off by a factor of ten
    per digit, so a mismatch is a VerificationError (``decimals-mismatch``) naming where
    the number came from (``stated_in``, e.g. "reserves.json"; its value is in the
    evidence under ``evidence_key``).
    """
    on_chain = source.token_decimals(contract, pin)
    if on_chain != decimals:
        raise VerificationError(
            f"{asset} token {contract.text} has {on_chain} decimals on chain, {stated_in} says {decimals}",
            code="decimals-mismatch",
            evidence={"contract": contract.text, evidence_key: decimals, "on_chain": on_chain},
        )
    return source.token_balance(contract, address, pin)


def parse_node_option(value: str) -> tuple[str, str]:
    """``CHAIN=URL`` -> (chain, url), InputError if malformed or the chain is unknown.

    The messages name the node by :func:`~solvent.reserves.sources.http.redact_url` only:
    the option's URL may carry a password or an API key.
    """
    chain, sep, url = value.partition("=")
    chain = chain.strip()
    if not sep or not url or not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", chain):
        # The text before "=" may be a URL with a query: shown only if it is a plain name.
        shown = f"{chain}={redact_url(url)}" if re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", chain) else redact_url(value)
        raise InputError(f"--node {shown}: expected CHAIN=URL, e.g. ethereum=http://127.0.0.1:8545")
    try:
        get_chain(chain, "--node")
    except Exception as e:
        raise InputError(f"--node {chain}={redact_url(url)}: unknown chain {chain!r}") from e
    return chain, url.strip()


def open_source(chain_name: str, url: str, *, timeout: float = 30.0) -> AnySource:
    """The source of ``chain_name`` at ``url``; ``timeout`` is the overall deadline of each call in seconds."""
    chain = get_chain(chain_name)
    if chain.family == "evm":
        from solvent.reserves.sources.evm import EvmRpcSource

        return EvmRpcSource(chain.name, url, timeout=timeout)
    if chain.family == "solana":
        from solvent.reserves.sources.solana import SOLANA_MAINNET_GENESIS, SolanaRpcSource

        genesis = chain.genesis_hash or SOLANA_MAINNET_GENESIS
        return SolanaRpcSource(chain.name, url, timeout=timeout, expected_genesis=genesis)
    if chain.family == "tron":
        from solvent.reserves.sources.tron import TRON_MAINNET_GENESIS, TronHttpSource

        genesis = chain.genesis_hash or TRON_MAINNET_GENESIS
        return TronHttpSource(chain.name, url, timeout=timeout, expected_genesis=genesis)
    if url.startswith("esplora+"):
        from solvent.reserves.sources.esplora import EsploraSource

        return EsploraSource(chain.name, url.removeprefix("esplora+"), timeout=timeout)
    from solvent.reserves.sources.bitcoin_core import BitcoinCoreSource

    return BitcoinCoreSource(chain.name, url, timeout=timeout)


def open_sources(options: Iterable[str], *, timeout: float = 30.0) -> dict[str, AnySource]:
    """Open one source per ``CHAIN=URL`` option; a chain given twice is an InputError."""
    sources: dict[str, AnySource] = {}
    for value in options:
        chain, url = parse_node_option(value)
        if chain in sources:
            raise InputError(f"--node: {chain} is given twice")
        sources[chain] = open_source(chain, url, timeout=timeout)
    return sources


@contextmanager
def opened_sources(options: Iterable[str]) -> Iterator[dict[str, AnySource]]:
    """:func:`open_sources` for a ``with`` block: every source is closed afterwards."""
    sources = open_sources(options)
    try:
        yield sources
    finally:
        for source in sources.values():
            source.close()
