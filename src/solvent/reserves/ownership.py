"""Ownership proofs: check that the exchange controls an address (threats R1, R2, R6, R8, R9).

Every wallet in ``reserves.json`` names a **scheme**, the way its ownership is proven
(docs/spec.md §12.4 (Ownership signatures)):

=================  ======  =====================================================================
scheme             chains  proof
=================  ======  =====================================================================
``bip322-simple``  utxo    one BIP-322 "simple" signature (P2WPKH, P2TR)
``bip137``         utxo    one legacy message signature (P2PKH, P2SH-P2WPKH, P2WPKH)
``multisig``       utxo    the revealed multisig script, and one BIP-137 or BIP-322 signature
                           per key from k distinct keys of it (P2SH, P2SH-P2WSH, P2WSH)
``bip322-full``    utxo    the revealed multisig script and one BIP-322 "full" proof (the signed
                           virtual transaction) carrying k signatures
``eip191``         evm     one ``personal_sign`` signature of the address's key
``safe``           evm     a Safe's owners and threshold at the pinned block, and one
                           ``personal_sign`` signature per owner from threshold-many owners
``erc1271``        evm     the contract's ``isValidSignature`` at the pinned block (needs a node)
``tip191-v2``      tron    one TIP-191 message signature (TronWeb ``signMessageV2``)
``tip191-v1``      tron    one signature over the older TronWeb message digest
``solana-offchain`` solana  one Ed25519 signature over the challenge as a Solana off-chain message
=================  ======  =====================================================================

:func:`verify_ownership` checks the single-signature schemes; :func:`verify_wallet_ownership`
every scheme, given the chain's node where the proof lives on chain (a Safe's owners, an
ERC-1271 contract).  Every failure is a :class:`~solvent.protocol.errors.BadSignature` or
:class:`~solvent.protocol.errors.VerificationError` whose evidence names the address, so a failed
wallet is reported precisely and never counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from solvent.protocol.errors import BadSignature, FormatError, VerificationError
from solvent.protocol.strictjson import check_fields, check_int
from solvent.reserves.btc_sig import BIP137, BIP322_SIMPLE, detect_scheme, verify_bip137, verify_bip322_simple
from solvent.reserves.chains import Address, get_chain, normalize_address
from solvent.reserves.eth_sig import verify_eip191
from solvent.reserves.pinned_block import BlockPin

__all__ = [
    "BIP322_FULL",
    "EIP191",
    "ERC1271",
    "MULTISIG",
    "MULTI_SIGNER_SCHEMES",
    "SAFE",
    "SCHEMES",
    "SCRIPT_SCHEMES",
    "SIGNER_SCHEMES",
    "SOLANA_OFFCHAIN",
    "TIP191_V1",
    "TIP191_V2",
    "OwnershipResult",
    "SafeSpec",
    "ScriptSpec",
    "Signer",
    "default_scheme",
    "describe_scheme",
    "parse_safe_spec",
    "parse_script_spec",
    "parse_signer",
    "verify_ownership",
    "verify_wallet_ownership",
]

EIP191 = "eip191"
SAFE = "safe"
ERC1271 = "erc1271"
MULTISIG = "multisig"
BIP322_FULL = "bip322-full"
TIP191_V2 = "tip191-v2"
TIP191_V1 = "tip191-v1"
SOLANA_OFFCHAIN = "solana-offchain"

SCHEMES: dict[str, tuple[str, ...]] = {
    "evm": (EIP191, SAFE, ERC1271),
    "utxo": (BIP322_SIMPLE, BIP137, MULTISIG, BIP322_FULL),
    "tron": (TIP191_V2, TIP191_V1),
    "solana": (SOLANA_OFFCHAIN,),
}
#: Schemes with one signature per signer (``signers``) instead of one ``signature``.
MULTI_SIGNER_SCHEMES = frozenset({MULTISIG, SAFE})
#: Schemes that reveal a Bitcoin script (``script``).
SCRIPT_SCHEMES = frozenset({MULTISIG, BIP322_FULL})
#: The signature schemes a signer of a multi-signer scheme may use.
SIGNER_SCHEMES: dict[str, tuple[str, ...]] = {MULTISIG: (BIP137, BIP322_SIMPLE), SAFE: (EIP191,)}
#: The single-signature schemes :func:`verify_ownership` checks offline.
_SINGLE = frozenset({EIP191, BIP322_SIMPLE, BIP137, TIP191_V2, TIP191_V1, SOLANA_OFFCHAIN})
SCRIPT_TYPES = ("p2sh", "p2sh-p2wsh", "p2wsh")
_HEX = re.compile(r"(?:[0-9a-f]{2})+\Z")
#: The largest script revealed: a P2WSH witness script may be 3,600 bytes (policy).
MAX_SCRIPT_BYTES = 3600
MAX_SIGNERS = 100


@dataclass(frozen=True)
class ScriptSpec:
    """A revealed Bitcoin redeem or witness script and how it is wrapped in the address."""

    type: str
    hex: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "hex": self.hex}


@dataclass(frozen=True)
class Signer:
    """One signature of a multi-signer scheme: a script key (66 hex) or a Safe owner (EIP-55)."""

    who: str
    scheme: str
    signature: str

    def to_dict(self, wallet_scheme: str) -> dict[str, Any]:
        if wallet_scheme == SAFE:
            return {"owner": self.who, "signature": self.signature}
        return {"key": self.who, "scheme": self.scheme, "signature": self.signature}


@dataclass(frozen=True)
class SafeSpec:
    """A Safe's owners (EIP-55, in the contract's order) and threshold, as read at the pinned block."""

    owners: tuple[str, ...]
    threshold: int

    def to_dict(self) -> dict[str, Any]:
        return {"owners": list(self.owners), "threshold": self.threshold}


@dataclass(frozen=True)
class OwnershipResult:
    """What an ownership check established, in words a report can show."""

    #: e.g. "BIP-322 simple signature", "2-of-3 P2WSH multisig, per-key signatures".
    method: str
    #: False when the proof lives on chain and no node was given (ERC-1271 offline):
    #: nothing was checked, and nothing of the wallet can count as observed.
    checked: bool = True
    note: str = ""


def _bad_field(where: str, what: str) -> FormatError:
    return FormatError(f"{where}: {what}", evidence={"field": where})


def parse_script_spec(value: object, where: str) -> ScriptSpec:
    d = check_fields(value, {"type", "hex"}, where)
    if d["type"] not in SCRIPT_TYPES:
        raise _bad_field(f"{where}.type", f"expected one of {', '.join(SCRIPT_TYPES)}")
    text = d["hex"]
    if not isinstance(text, str) or not _HEX.match(text) or len(text) > 2 * MAX_SCRIPT_BYTES:
        raise _bad_field(f"{where}.hex", f"expected the script as lower-case hex, at most {MAX_SCRIPT_BYTES} bytes")
    return ScriptSpec(d["type"], text)


_KEY_HEX = re.compile(r"0[23][0-9a-f]{64}\Z")


def parse_signer(value: object, where: str, wallet_scheme: str, schemes: Sequence[str]) -> Signer:
    from solvent.reserves.reserves_json import check_text

    if wallet_scheme == SAFE:
        d = check_fields(value, {"owner", "signature"}, where)
        owner = normalize_address(get_chain("ethereum"), d["owner"], f"{where}.owner")
        if owner.text != d["owner"]:
            raise _bad_field(f"{where}.owner", f"not in canonical form ({owner.text})")
        return Signer(owner.text, EIP191, check_text(d["signature"], f"{where}.signature", 1000))
    d = check_fields(value, {"key", "scheme", "signature"}, where)
    if not isinstance(d["key"], str) or not _KEY_HEX.match(d["key"]):
        raise _bad_field(f"{where}.key", "expected a compressed public key, 66 lower-case hex digits")
    if d["scheme"] not in schemes:
        raise _bad_field(f"{where}.scheme", f"expected one of {', '.join(schemes)}")
    return Signer(d["key"], d["scheme"], check_text(d["signature"], f"{where}.signature", 10_000))


def parse_safe_spec(value: object, where: str) -> SafeSpec:
    d = check_fields(value, {"owners", "threshold"}, where)
    raw = d["owners"]
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_SIGNERS:
        raise _bad_field(f"{where}.owners", f"expected a list of 1 to {MAX_SIGNERS} owners")
    owners = []
    for j, o in enumerate(raw):
        owner = normalize_address(get_chain("ethereum"), o, f"{where}.owners[{j}]")
        if owner.text != o:
            raise _bad_field(f"{where}.owners[{j}]", f"not in canonical form ({owner.text})")
        owners.append(owner.text)
    if len(set(owners)) != len(owners):
        raise _bad_field(f"{where}.owners", "an owner is listed twice")
    threshold = check_int(d["threshold"], f"{where}.threshold", 1, len(owners))
    return SafeSpec(tuple(owners), threshold)


def default_scheme(address: Address, signature: str) -> str:
    """The scheme of one signature as an operator hands it in, for single-key wallets.

    Tron's two digests cannot be told apart from the signature: the attestation tries
    ``tip191-v2`` first, then ``tip191-v1`` (:func:`single_schemes`)."""
    family = get_chain(address.chain).family
    if family == "evm":
        return EIP191
    if family == "tron":
        return TIP191_V2
    if family == "solana":
        return SOLANA_OFFCHAIN
    return detect_scheme(signature)


def single_schemes(address: Address, signature: str) -> tuple[str, ...]:
    """The single-signature schemes an operator's signature may be in, most likely first."""
    if get_chain(address.chain).family == "tron":
        return (TIP191_V2, TIP191_V1)
    return (default_scheme(address, signature),)


def verify_ownership(address: Address, message: str, signature: str, scheme: str) -> None:
    """Raise BadSignature unless ``signature`` (of a single-signature ``scheme``) over ``message``
    is the address owner's."""
    family = get_chain(address.chain).family
    if scheme not in SCHEMES[family] or scheme not in _SINGLE:
        raise BadSignature(
            f"signature scheme {scheme!r} is not a single-signature scheme of {address.chain}",
            code="unsupported-scheme",
            evidence={"address": address.text, "scheme": scheme},
        )
    if scheme == EIP191:
        verify_eip191(address, message, signature)
    elif scheme == BIP137:
        verify_bip137(address, message, signature)
    elif scheme == BIP322_SIMPLE:
        verify_bip322_simple(address, message, signature)
    elif scheme in (TIP191_V2, TIP191_V1):
        from solvent.reserves.tron_sig import verify_tip191

        verify_tip191(address, message, signature, scheme)
    else:
        from solvent.reserves.solana_sig import verify_solana_offchain

        verify_solana_offchain(address, message, signature)


_METHOD = {
    EIP191: "EIP-191 signature",
    BIP322_SIMPLE: "BIP-322 simple signature",
    BIP137: "BIP-137 message signature",
    TIP191_V2: "TIP-191 v2 signature",
    TIP191_V1: "TIP-191 v1 signature",
    SOLANA_OFFCHAIN: "Solana off-chain message signature",
    ERC1271: "ERC-1271 contract signature",
}
_SCRIPT_NAME = {"p2sh": "P2SH", "p2sh-p2wsh": "P2SH-P2WSH", "p2wsh": "P2WSH"}


def describe_scheme(scheme: str, *, k: int | None = None, n: int | None = None, script_type: str | None = None) -> str:
    """The words for how a wallet's ownership is proven, as every report shows them."""
    if scheme in _METHOD:
        return _METHOD[scheme]
    kofn = f"{k}-of-{n} " if k is not None and n is not None else ""
    if scheme == SAFE:
        return f"{kofn}Safe, one EIP-191 signature per owner"
    kind = _SCRIPT_NAME.get(script_type or "", "script")
    if scheme == BIP322_FULL:
        return f"{kofn}{kind} multisig, BIP-322 full proof"
    return f"{kofn}{kind} multisig, one signature per key"


def _multisig(
    address: Address,
    message: str,
    scheme: str,
    *,
    signature: str | None,
    script: ScriptSpec | None,
    signers: Sequence[Signer],
) -> OwnershipResult:
    from solvent.reserves.btc_multisig import KeySignature, verify_bip322_full, verify_multisig_per_key

    if script is None:
        raise BadSignature(f"{address.text}: a multisig proof needs its script", evidence={"address": address.text})
    if scheme == BIP322_FULL:
        if signature is None:
            raise BadSignature(f"{address.text}: no BIP-322 full proof", evidence={"address": address.text})
        result = verify_bip322_full(address, script.type, script.hex, message, signature)
    else:
        result = verify_multisig_per_key(
            address, script.type, script.hex, message, [KeySignature(s.who, s.scheme, s.signature) for s in signers]
        )
    return OwnershipResult(describe_scheme(scheme, k=result.k, n=result.n, script_type=script.type))


def _safe(
    address: Address,
    message: str,
    *,
    safe: SafeSpec | None,
    signers: Sequence[Signer],
    source: Any,
    pin: BlockPin | None,
) -> OwnershipResult:
    from solvent.reserves.contract_wallets import OwnerSignature, SafeState, read_safe_state, verify_safe_signatures

    if safe is None:
        raise BadSignature(
            f"{address.text}: a Safe proof needs its owners and threshold", evidence={"address": address.text}
        )
    chain = get_chain(address.chain)
    recorded = SafeState(tuple(normalize_address(chain, o) for o in safe.owners), safe.threshold)
    note = ""
    state = recorded
    if source is not None and pin is not None:
        # (R9) the owners and threshold that count are the contract's at the pinned block
        state = read_safe_state(source, address, pin)
        if [o.key for o in state.owners] != [o.key for o in recorded.owners] or state.threshold != recorded.threshold:
            raise VerificationError(
                f"{address.text}: the Safe's owners or threshold at block {pin.height} are not the ones "
                "reserves.json records",
                code="safe-state-mismatch",
                evidence={
                    "address": address.text,
                    "recorded_threshold": recorded.threshold,
                    "node_threshold": state.threshold,
                    "recorded_owners": ",".join(safe.owners),
                    "node_owners": ",".join(o.text for o in state.owners),
                },
            )
    else:
        note = "owners and threshold as reserves.json records them (not re-read at the pinned block)"
    verify_safe_signatures(address, state, message, [OwnerSignature(s.who, s.signature) for s in signers])
    return OwnershipResult(describe_scheme(SAFE, k=state.threshold, n=len(state.owners)), note=note)


def verify_wallet_ownership(
    address: Address,
    message: str,
    scheme: str,
    signature: str | None,
    *,
    script: ScriptSpec | None = None,
    signers: Sequence[Signer] = (),
    safe: SafeSpec | None = None,
    source: Any = None,
    pin: BlockPin | None = None,
) -> OwnershipResult:
    """Check a wallet's ownership proof of any scheme over ``message``; raise on failure.

    ``source`` is the chain's node (an EVM source for ``safe`` and ``erc1271``, a Tron
    source for the TIP-191 schemes) and ``pin`` the pinned block: a Safe's owners and
    threshold are re-read there and must equal the recorded ones; an ERC-1271 contract is
    asked there; a Tron account's owner permission must still be its own key's (read at
    the latest block: Tron keeps no history).  Without a node, a Safe is checked
    against its recorded owners (said in the result's note) and an ERC-1271 wallet is not
    checked at all (``checked`` False).
    """
    family = get_chain(address.chain).family
    if scheme not in SCHEMES[family]:
        raise BadSignature(
            f"ownership scheme {scheme!r} is not used on {address.chain}",
            code="unsupported-scheme",
            evidence={"address": address.text, "scheme": scheme},
        )
    if scheme in SCRIPT_SCHEMES:
        return _multisig(address, message, scheme, signature=signature, script=script, signers=signers)
    if scheme == SAFE:
        return _safe(address, message, safe=safe, signers=signers, source=source, pin=pin)
    if signature is None:
        raise BadSignature(f"{address.text}: no signature", evidence={"address": address.text})
    if scheme == ERC1271:
        if source is None or pin is None:
            return OwnershipResult(
                _METHOD[ERC1271],
                checked=False,
                note="ERC-1271 ownership is checked on chain: not checked without a node",
            )
        from solvent.reserves.contract_wallets import verify_erc1271

        verify_erc1271(source, address, pin, message, signature)
        return OwnershipResult(_METHOD[ERC1271])
    verify_ownership(address, message, signature, scheme)
    if scheme in (TIP191_V2, TIP191_V1) and source is not None:
        # a Tron account can hand control to other keys: the signer's key must still control it
        source.check_key_control(address)
    return OwnershipResult(_METHOD[scheme])
