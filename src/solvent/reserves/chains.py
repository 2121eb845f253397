"""The chains reserves can sit on, and their address rules.

A chain is one entry of :data:`CHAINS`: its family (``evm``, ``utxo``, ``tron`` or
``solana``), native coin and the parameters its addresses and signatures need.  Adding
another chain of a known family is one more entry; the signature schemes, balance
sources and formats work per family.  Tron and Solana nodes cannot report a balance at
a past block (:attr:`ChainSpec.history` is False): their balances are read at the
node's latest block and always shown as such (docs/spec.md §12.2).

Addresses are normalised before anything else so that one wallet cannot be counted
twice under two spellings (threat R3): EVM addresses become their EIP-55 checksummed
form (a mixed-case address with a wrong checksum is an error, since it is most likely
a typo); Bitcoin addresses are decoded to their output script, which is the
identity used for de-duplication, and re-encoded in canonical (lower-case bech32)
form.  Tron addresses are base58check with version byte 0x41 (their identity is the 20
bytes after it, derived from the key as on Ethereum); Solana addresses are base58 of
32 bytes, written as base58 writes them (no other spelling is accepted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from solvent.protocol.errors import FormatError

__all__ = [
    "CHAINS",
    "Address",
    "ChainSpec",
    "eip55",
    "get_chain",
    "keccak256",
    "normalize_address",
    "solana_address",
    "tron_address",
]

Family = Literal["evm", "utxo", "tron", "solana"]
#: Families whose nodes read balances only at their latest block.
LATEST_STATE_FAMILIES = frozenset({"tron", "solana"})


@dataclass(frozen=True)
class ChainSpec:
    """What solvent needs to know about one chain."""

    name: str
    family: Family
    native_symbol: str
    native_decimals: int
    #: EVM: the chain id (EIP-155), recorded for the operator's information.
    evm_chain_id: int | None = None
    #: UTXO: base58 version bytes and the bech32 human-readable part.
    p2pkh_version: int | None = None
    p2sh_version: int | None = None
    bech32_hrp: str | None = None

    @property
    def history(self) -> bool:
        """True when a node can report a balance at a past (pinned) block; False: latest state only."""
        return self.family not in LATEST_STATE_FAMILIES

    @property
    def has_tokens(self) -> bool:
        """Whether token balances (ERC-20, TRC-20, SPL) exist on this chain."""
        return self.family != "utxo"


CHAINS: dict[str, ChainSpec] = {
    "bitcoin": ChainSpec("bitcoin", "utxo", "BTC", 8, p2pkh_version=0x00, p2sh_version=0x05, bech32_hrp="bc"),
    "ethereum": ChainSpec("ethereum", "evm", "ETH", 18, evm_chain_id=1),
    "tron": ChainSpec("tron", "tron", "TRX", 6),
    "solana": ChainSpec("solana", "solana", "SOL", 9),
}


def get_chain(name: object, where: str = "chain") -> ChainSpec:
    if not isinstance(name, str) or name not in CHAINS:
        raise FormatError(
            f"{where}: unknown chain {str(name)[:40]!r}; known chains: {', '.join(sorted(CHAINS))}",
            evidence={"field": where},
        )
    return CHAINS[name]


@dataclass(frozen=True)
class Address:
    """A normalised address: its canonical text and the identity used to de-duplicate."""

    chain: str
    text: str
    #: EVM and Tron: the 20 address bytes; UTXO: the output script (scriptPubKey);
    #: Solana: the 32 bytes of the account key.
    key: bytes
    #: ``p2pkh``, ``p2sh``, ``p2wpkh``, ``p2wsh``, ``p2tr``, ``evm``, ``tron`` or ``solana``.
    kind: str


def keccak256(data: bytes) -> bytes:
    from Crypto.Hash import keccak

    return keccak.new(digest_bits=256, data=data).digest()


def eip55(raw: bytes) -> str:
    """The EIP-55 mixed-case checksummed spelling of 20 address bytes."""
    hexaddr = raw.hex()
    digest = keccak256(hexaddr.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(hexaddr, digest[:40], strict=True))


_EVM = re.compile(r"0x[0-9a-fA-F]{40}\Z")


def _normalize_evm(chain: ChainSpec, text: str, where: str) -> Address:
    if not _EVM.match(text):
        raise FormatError(
            f"{where}: {text[:60]!r} is not an 0x-prefixed 20-byte hex address", evidence={"field": where}
        )
    raw = bytes.fromhex(text[2:])
    canonical = eip55(raw)
    body = text[2:]
    if body != body.lower() and body != body.upper() and text != canonical:
        raise FormatError(
            f"{where}: {text} has a wrong EIP-55 checksum (expected {canonical}); is it mistyped?",
            code="checksum",
            evidence={"field": where, "expected": canonical, "got": text},
        )
    return Address(chain.name, canonical, raw, "evm")


def _normalize_utxo(chain: ChainSpec, text: str, where: str) -> Address:
    from embit import base58, bech32

    def bad(reason: str) -> FormatError:
        return FormatError(
            f"{where}: {text[:100]!r} is not a {chain.name} address ({reason})",
            code="address",
            evidence={"field": where},
        )

    hrp = chain.bech32_hrp or ""
    if text.lower().startswith(hrp + "1"):
        if text != text.lower() and text != text.upper():
            raise bad("mixed-case bech32")
        version, program = bech32.decode(hrp, text.lower())
        if version is None or program is None:
            raise bad("bad bech32 checksum or program")
        prog = bytes(program)
        if version == 0 and len(prog) == 20:
            kind = "p2wpkh"
        elif version == 0 and len(prog) == 32:
            kind = "p2wsh"
        elif version == 1 and len(prog) == 32:
            kind = "p2tr"
        else:
            raise bad(f"unsupported witness version {version}")
        op = 0 if version == 0 else 0x50 + version
        spk = bytes([op, len(prog)]) + prog
        return Address(chain.name, text.lower(), spk, kind)
    try:
        data = base58.decode_check(text)
    except Exception as e:  # embit raises bare ValueErrors of several kinds
        raise bad("bad base58 checksum or characters") from e
    if len(data) != 21:
        raise bad("wrong length")
    if data[0] == chain.p2pkh_version:
        return Address(chain.name, text, b"\x76\xa9\x14" + data[1:] + b"\x88\xac", "p2pkh")
    if data[0] == chain.p2sh_version:
        return Address(chain.name, text, b"\xa9\x14" + data[1:] + b"\x87", "p2sh")
    raise bad(f"version byte {data[0]} belongs to another network")


TRON_VERSION = 0x41
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]+\Z")


def _normalize_tron(chain: ChainSpec, text: str, where: str) -> Address:
    from embit import base58

    def bad(reason: str) -> FormatError:
        return FormatError(
            f"{where}: {text[:100]!r} is not a {chain.name} address ({reason})",
            code="address",
            evidence={"field": where},
        )

    if not _BASE58.match(text):
        raise bad("write it in base58check, as T...")
    try:
        data = base58.decode_check(text)
    except Exception as e:  # embit raises bare ValueErrors of several kinds
        raise bad("bad base58 checksum or characters") from e
    if len(data) != 21 or data[0] != TRON_VERSION:
        raise bad("not 0x41 followed by 20 bytes")
    if base58.encode_check(data) != text:
        raise bad("not in canonical base58check form")
    return Address(chain.name, text, data[1:], "tron")


def tron_address(raw: bytes) -> str:
    """The base58check text of 20 Tron address bytes (as Ethereum's, from the key)."""
    from embit import base58

    if len(raw) != 20:
        raise ValueError("a Tron address is 20 bytes")
    text: str = base58.encode_check(bytes([TRON_VERSION]) + raw)
    return text


def _normalize_solana(chain: ChainSpec, text: str, where: str) -> Address:
    from embit import base58

    def bad(reason: str) -> FormatError:
        return FormatError(
            f"{where}: {text[:100]!r} is not a {chain.name} address ({reason})",
            code="address",
            evidence={"field": where},
        )

    if not _BASE58.match(text) or len(text) > 44:
        raise bad("write it in base58")
    try:
        raw = base58.decode(text)
    except Exception as e:
        raise bad("bad base58 characters") from e
    if len(raw) != 32:
        raise bad(f"{len(raw)} bytes, not 32")
    if base58.encode(raw) != text:
        raise bad("not in canonical base58 form")
    return Address(chain.name, text, raw, "solana")


def solana_address(raw: bytes) -> str:
    """The base58 text of a 32-byte Solana account key."""
    from embit import base58

    if len(raw) != 32:
        raise ValueError("a Solana address is 32 bytes")
    text: str = base58.encode(raw)
    return text


def normalize_address(chain: ChainSpec, text: object, where: str = "address") -> Address:
    """Parse and normalise an address of ``chain``; FormatError naming ``where`` if bad."""
    if not isinstance(text, str) or not text or len(text) > 120:
        raise FormatError(f"{where}: expected an address string", evidence={"field": where})
    if chain.family == "evm":
        return _normalize_evm(chain, text, where)
    if chain.family == "tron":
        return _normalize_tron(chain, text, where)
    if chain.family == "solana":
        return _normalize_solana(chain, text, where)
    return _normalize_utxo(chain, text, where)
