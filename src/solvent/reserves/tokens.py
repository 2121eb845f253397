"""The token contracts a verifier recognises as a snapshot asset (threat: self-minted tokens).

An ERC-20 balance is only worth something if the contract is the asset it claims to
be.  ``reserves.json`` names a contract per token balance, and nothing in the file can
prove that contract is *the* USDT: anybody can deploy a token called "Tether USD" and
mint themselves a billion.  So the verifier brings its own list: a balance counts as
observed only when its contract is recognised for that (chain, asset), either here
(:data:`BUILTIN_TOKENS`, checked against the issuers' published addresses) or because
the verifier said so with ``--token CHAIN:SYMBOL=CONTRACT``.  Anything else is shown,
flagged "unrecognised token contract", and counted at most like a declared amount
(docs/spec.md §12.8 (Verifying reserves.json (anyone)), "recognised token contracts";
§12.9 (Counting rule and the solvency verdict)).

One contract stands for one asset per chain: a ``--token`` that would give a
recognised contract a second symbol is refused, so a registry can never be ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from solvent.protocol.assets import Asset
from solvent.protocol.errors import FormatError, InputError
from solvent.reserves.chains import Address, get_chain, normalize_address

__all__ = [
    "BUILTIN_TOKENS",
    "UNRECOGNISED",
    "KnownToken",
    "TokenRegistry",
    "default_registry",
    "parse_token_option",
]

#: The flag shown next to a balance whose contract the verifier does not recognise.
UNRECOGNISED = "unrecognised token contract"


@dataclass(frozen=True)
class KnownToken:
    """A contract recognised as ``symbol`` on ``chain``.

    ``decimals`` is known for the built-in tokens (a file claiming other decimals for
    them is lying); for a verifier's ``--token`` it is None and the contract's own
    ``decimals()`` is what the node re-check compares with.
    """

    chain: str
    symbol: str
    contract: Address
    decimals: int | None
    origin: str


def _builtin(chain: str, symbol: str, contract: str, decimals: int) -> KnownToken:
    return KnownToken(chain, symbol, normalize_address(get_chain(chain), contract), decimals, "built-in")


#: Ethereum mainnet stablecoins, as published by their issuers (Tether, Circle).
BUILTIN_TOKENS: tuple[KnownToken, ...] = (
    _builtin("ethereum", "USDT", "0xdAC17F958D2ee523a2206206994597C13D831ec7", 6),
    _builtin("ethereum", "USDC", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6),
)


@dataclass(frozen=True)
class TokenRegistry:
    """Recognised contracts, looked up by (chain, contract identity)."""

    tokens: tuple[KnownToken, ...] = ()

    def __post_init__(self) -> None:
        seen: dict[tuple[str, bytes], KnownToken] = {}
        for t in self.tokens:
            key = (t.chain, t.contract.key)
            first = seen.setdefault(key, t)
            if first.symbol != t.symbol:
                raise InputError(
                    f"{t.chain} contract {t.contract.text} is recognised as {first.symbol} ({first.origin}); "
                    f"it cannot also stand for {t.symbol}",
                    code="token-conflict",
                    evidence={"contract": t.contract.text, "first": first.symbol, "second": t.symbol},
                )

    def lookup(self, chain: str, contract: Address) -> KnownToken | None:
        for t in self.tokens:
            if t.chain == chain and t.contract.key == contract.key:
                return t
        return None

    def recognises(self, chain: str, symbol: str, contract: Address) -> bool:
        """True when ``contract`` is a recognised contract of ``symbol`` on ``chain``."""
        known = self.lookup(chain, contract)
        return known is not None and known.symbol == symbol

    def extended(self, tokens: Iterable[KnownToken]) -> TokenRegistry:
        return TokenRegistry((*self.tokens, *tokens))


def parse_token_option(value: str) -> KnownToken:
    """``CHAIN:SYMBOL=CONTRACT`` (e.g. ``ethereum:EURC=0x1aBa...``) -> a recognised token."""
    head, sep, contract = value.partition("=")
    chain_name, colon, symbol = head.partition(":")
    chain_name, symbol, contract = chain_name.strip(), symbol.strip(), contract.strip()
    if not sep or not colon or not contract:
        raise InputError(f"--token {value[:100]!r}: expected CHAIN:SYMBOL=CONTRACT, e.g. ethereum:USDT=0x...")
    try:
        Asset(symbol, 0)  # the snapshot's own rule for a symbol
    except FormatError as e:
        raise InputError(f"--token {value[:100]!r}: {e.message}", evidence=e.evidence) from e
    try:
        chain = get_chain(chain_name, "--token")
        address = normalize_address(chain, contract, "--token")
    except FormatError as e:
        raise InputError(f"--token {value[:100]!r}: {e.message}", code=e.code, evidence=e.evidence) from e
    if chain.family != "evm":
        raise InputError(f"--token {value[:100]!r}: tokens exist on EVM chains only")
    if symbol == chain.native_symbol:
        raise InputError(f"--token {value[:100]!r}: {symbol} is {chain.name}'s native coin, not a token")
    return KnownToken(chain.name, symbol, address, None, "--token")


def default_registry(options: Iterable[str] = ()) -> TokenRegistry:
    """The built-in tokens plus the verifier's ``--token`` options (InputError on a conflict)."""
    return TokenRegistry(BUILTIN_TOKENS).extended(parse_token_option(o) for o in options)
