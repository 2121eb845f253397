"""The chains reserves can sit on, and their address rules.

A chain is one entry of :data:`CHAINS`: its family (``evm``, ``utxo``, ``tron`` or
``solana``), native coin and the parameters its addresses and signatures need.  The
entries are not code: they are read from the packaged ``registry.toml`` (the same file
lists the recognised tokens, see :mod:`solvent.reserves.tokens`), so adding another
chain of a known family is one more entry there; the signature schemes, balance
sources and formats work per family.  What tells one chain's node from another's is
part of the entry: the EIP-155 chain id of an EVM chain, the genesis block hash of a
Tron or Solana chain (threat R10: a node of the wrong chain is refused).

Tron and Solana nodes cannot report a balance at a past block
(:attr:`ChainSpec.history` is False): their balances are read at the node's latest
block and always shown as such (docs/spec.md §12.2 (The pinned block), "Chains without history").

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
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Literal, cast, get_args

from solvent.protocol.errors import FormatError

__all__ = [
    "CHAINS",
    "Address",
    "ChainSpec",
    "eip55",
    "get_chain",
    "keccak256",
    "load_chains",
    "normalize_address",
    "registry_text",
    "solana_address",
    "tron_address",
]

Family = Literal["evm", "utxo", "tron", "solana"]
FAMILIES: tuple[str, ...] = get_args(Family)
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
    #: The name people know the chain by ("BNB Smart Chain", "Avalanche C-Chain").
    display_name: str = ""
    #: Tron and Solana: the genesis block hash the chain's node must report (Tron: the
    #: hex block id of block 0; Solana: base58, as getGenesisHash returns it).
    genesis_hash: str | None = None

    @property
    def history(self) -> bool:
        """True when a node can report a balance at a past (pinned) block; False: latest state only."""
        return self.family not in LATEST_STATE_FAMILIES

    @property
    def has_tokens(self) -> bool:
        """Whether token balances (ERC-20, TRC-20, SPL) exist on this chain."""
        return self.family != "utxo"


REGISTRY_RESOURCE = "registry.toml"


def registry_text() -> str:
    """The packaged registry of chains and tokens (``solvent/reserves/registry.toml``)."""
    return resources.files("solvent.reserves").joinpath(REGISTRY_RESOURCE).read_text(encoding="utf-8")


_CHAIN_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}\Z")
_SYMBOL = re.compile(r"[A-Z][A-Z0-9]{0,15}\Z")
_HEX32 = re.compile(r"[0-9a-f]{64}\Z")
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]+\Z")
_CHAIN_KEYS = {"name", "display_name", "family", "native_symbol", "native_decimals"}
_FAMILY_KEYS: dict[str, set[str]] = {
    "evm": {"evm_chain_id"},
    "utxo": {"p2pkh_version", "p2sh_version", "bech32_hrp"},
    "tron": {"genesis_hash"},
    "solana": {"genesis_hash"},
}


def registry_error(where: str, message: str, **evidence: object) -> FormatError:
    """A malformed registry entry: the message names the entry so it can be found and fixed."""
    return FormatError(f"registry {where}: {message}", code="registry", evidence={"entry": where, **evidence})


def registry_int(entry: Mapping[str, object], key: str, where: str, low: int, high: int) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise registry_error(where, f"{key} must be an integer from {low} to {high}, not {value!r}", field=key)
    return value


def registry_str(entry: Mapping[str, object], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip() or value != value.strip() or len(value) > 200:
        raise registry_error(where, f"{key} must be a non-empty string", field=key)
    return value


def registry_keys(entry: Mapping[str, object], required: set[str], where: str) -> None:
    missing, unknown = required - set(entry), set(entry) - required
    if missing:
        raise registry_error(where, f"missing {', '.join(sorted(missing))}", missing=sorted(missing))
    if unknown:
        raise registry_error(where, f"unknown field(s) {', '.join(sorted(unknown))}", unknown=sorted(unknown))


def _genesis_hash(family: str, text: str, where: str) -> str:
    if family == "tron":
        if not _HEX32.match(text):
            raise registry_error(where, "a Tron genesis_hash is the block id: 64 lower-case hex digits")
        return text
    from embit import base58

    try:
        raw = base58.decode(text) if _BASE58.match(text) else b""
    except Exception:  # embit raises bare ValueErrors of several kinds
        raw = b""
    if len(raw) != 32 or base58.encode(raw) != text:
        raise registry_error(where, "a Solana genesis_hash is 32 bytes in base58, as getGenesisHash returns it")
    return text


def _chain_entry(entry: object, where: str) -> ChainSpec:
    if not isinstance(entry, Mapping):
        raise registry_error(where, "expected a table")
    family = entry.get("family")
    if family not in FAMILIES:
        known = ", ".join(FAMILIES)
        raise registry_error(where, f"unknown family {str(family)[:40]!r}; known: {known}", field="family")
    registry_keys(entry, _CHAIN_KEYS | _FAMILY_KEYS[cast(str, family)], where)
    name = registry_str(entry, "name", where)
    if not _CHAIN_NAME.match(name):
        raise registry_error(where, f"name {name[:40]!r}: lower-case letters, digits and '-'", field="name")
    where = f"{where} ({name})"
    symbol = registry_str(entry, "native_symbol", where)
    if not _SYMBOL.match(symbol):
        raise registry_error(where, f"native_symbol {symbol!r}: upper-case letters and digits", field="native_symbol")
    decimals = registry_int(entry, "native_decimals", where, 0, 36)
    display_name = registry_str(entry, "display_name", where)
    fam = cast(Family, family)
    if fam == "evm":
        chain_id = registry_int(entry, "evm_chain_id", where, 1, 2**53 - 1)
        return ChainSpec(name, fam, symbol, decimals, evm_chain_id=chain_id, display_name=display_name)
    if fam == "utxo":
        return ChainSpec(
            name,
            fam,
            symbol,
            decimals,
            p2pkh_version=registry_int(entry, "p2pkh_version", where, 0, 255),
            p2sh_version=registry_int(entry, "p2sh_version", where, 0, 255),
            bech32_hrp=registry_str(entry, "bech32_hrp", where),
            display_name=display_name,
        )
    genesis = _genesis_hash(fam, registry_str(entry, "genesis_hash", where), where)
    return ChainSpec(name, fam, symbol, decimals, display_name=display_name, genesis_hash=genesis)


def load_chains(doc: Mapping[str, object]) -> dict[str, ChainSpec]:
    """The ``[[chains]]`` of a parsed registry; FormatError (code ``registry``) naming a bad entry.

    Two entries may not share a name, nor an EVM chain id or a genesis hash: either
    would let a node of one chain pass the identity check of the other.
    """
    entries = doc.get("chains")
    if not isinstance(entries, list) or not entries:
        raise registry_error("chains", "expected a non-empty [[chains]] array")
    chains: dict[str, ChainSpec] = {}
    ids: dict[object, str] = {}
    for i, entry in enumerate(entries):
        where = f"chains[{i}]"
        spec = _chain_entry(entry, where)
        if spec.name in chains:
            raise registry_error(f"{where} ({spec.name})", "this chain is listed twice", field="name")
        for ident in (spec.evm_chain_id, spec.genesis_hash):
            if ident is not None and ids.setdefault(ident, spec.name) != spec.name:
                raise registry_error(
                    f"{where} ({spec.name})",
                    f"its chain identity {ident} is also {ids[ident]}'s: a node of one would pass as the other",
                    other=ids[ident],
                )
        chains[spec.name] = spec
    return chains


def _packaged_chains() -> dict[str, ChainSpec]:
    import tomllib

    return load_chains(tomllib.loads(registry_text()))


#: Every chain of the packaged registry, by name.
CHAINS: dict[str, ChainSpec] = _packaged_chains()


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
