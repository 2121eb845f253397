"""The operator's attestation: declaration + signatures + nodes -> ``reserves.json``.

Steps (the file is docs/spec.md §12.7 (reserves.json (solvent-reserves/2)), written as
``solvent-reserves/3``): (1) every chain's pinned block is checked on its node, and its
time read from it (recorded in ``reserves.json``); on a chain without history (Tron,
Solana) the node's latest confirmed block is read too, must be recent (the node is not
stale) and not before the pin, and is recorded as the block the balances were observed
at; (2) every wallet's ownership is verified over its challenge, which names the
manifest signing key the snapshot will be signed with (recorded too): one signature, a
multisig's per-key signatures or BIP-322 full proof, a Safe's owners' signatures against
the owners and threshold read at the pinned block, or an ERC-1271 contract asked at the
pinned block; (3) every balance is read at the pinned block (token decimals checked
against the declaration) -- at the latest block on chains without history -- or taken
from the declaration when no node is given for the chain; (4) amounts are converted to
the snapshot's decimals, rounding down.  Any failure stops the attestation: an operator
never publishes a file with a wallet that does not check out.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from solvent.protocol.errors import BadSignature, FormatError, InputError, VerificationError
from solvent.reserves.btc_sig import detect_scheme
from solvent.reserves.chains import Address, get_chain, normalize_address
from solvent.reserves.challenge import challenge_message, check_signing_key
from solvent.reserves.conversion import to_snapshot_units
from solvent.reserves.declaration import Declaration, Holding, WalletDecl
from solvent.reserves.ownership import (
    BIP322_FULL,
    EIP191,
    ERC1271,
    MULTISIG,
    SAFE,
    SafeSpec,
    Signer,
    single_schemes,
    verify_ownership,
    verify_wallet_ownership,
)
from solvent.reserves.pinned_block import BlockPin, ObservedBlock
from solvent.reserves.reserves_json import Attestation, Balance, OffchainEntry, Source, WalletEntry
from solvent.reserves.sources.base import BalanceSource, LatestStateSource, read_token_balance

__all__ = ["MAX_NODE_LAG", "SignatureKey", "Signatures", "attest", "parse_signatures"]

SignatureKey = tuple[str, bytes]
#: Per wallet: one signature (single key, ERC-1271, BIP-322 full), or (signer, signature)
#: pairs (a multisig's keys, a Safe's owners).
Signatures = Mapping[SignatureKey, "str | tuple[tuple[str, str], ...]"]
#: A chain without history is read at its node's latest confirmed block, which must be at
#: most this many seconds old by the local clock: a stale node's "latest" is not now.
MAX_NODE_LAG = 300
_KEY_HEX = re.compile(r"0[23][0-9a-fA-F]{64}\Z")
_OBSERVED: Source = "observed"
_DECLARED: Source = "declared"  # (chain, normalised address identity)


def parse_signatures(data: bytes, name: str = "signatures.csv") -> dict[SignatureKey, Any]:
    """``chain,address,signature`` rows, or ``chain,address,signer,signature`` (header required).

    One row per single-key wallet (``signer`` empty).  A multisig or Safe wallet has one
    row per signing key (the key as 66 hex digits) or owner (its 0x address); a multisig
    proven by one BIP-322 full proof has one row with ``signer`` empty.  Values are one
    signature (str) or a tuple of (signer, signature) pairs.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not UTF-8 (byte {e.start})") from e
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as e:  # a field over the csv module's limit, a NUL byte, a broken quote
        line = reader.line_num
        raise InputError(
            f"{name}, line {line}: not a valid CSV row ({e})", evidence={"file": name, "line": line}
        ) from e
    header = [c.strip() for c in rows[0]] if rows else []
    if header not in (["chain", "address", "signature"], ["chain", "address", "signer", "signature"]):
        raise InputError(
            f"{name}: the first line must be the header chain,address,signature (or chain,address,signer,signature)"
        )
    width = len(header)
    singles: dict[SignatureKey, str] = {}
    multi: dict[SignatureKey, list[tuple[str, str]]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != width:
            raise InputError(
                f"{name}, line {line}: expected {width} fields, got {len(row)}", evidence={"file": name, "line": line}
            )
        try:
            address = normalize_address(get_chain(row[0].strip()), row[1].strip(), "address")
        except FormatError as e:
            raise InputError(f"{name}, line {line}: {e.message}", evidence={"file": name, "line": line}) from e
        key = (address.chain, address.key)
        signer = row[2].strip() if width == 4 else ""
        signature = row[-1].strip()
        if (key in singles) or (not signer and key in multi):
            raise InputError(
                f"{name}, line {line}: a second signature for {address.text}",
                code="duplicate-address",
                evidence={"file": name, "line": line},
            )
        if not signer:
            singles[key] = signature
            continue
        signer = _signer_identity(address, signer, f"{name}, line {line}")
        pairs = multi.setdefault(key, [])
        if any(s == signer for s, _ in pairs):
            raise InputError(
                f"{name}, line {line}: a second signature of {signer} for {address.text}",
                code="duplicate-key",
                evidence={"file": name, "line": line},
            )
        pairs.append((signer, signature))
    out: dict[SignatureKey, Any] = dict(singles)
    out.update({k: tuple(v) for k, v in multi.items()})
    return out


def _signer_identity(address: Address, signer: str, where: str) -> str:
    """A multisig key (66 hex, lower case) or a Safe owner (EIP-55), in the one spelling the file records."""
    family = get_chain(address.chain).family
    if family == "utxo" and _KEY_HEX.match(signer):
        return signer.lower()
    if family == "evm":
        try:
            return normalize_address(get_chain(address.chain), signer, "signer").text
        except FormatError as e:
            raise InputError(f"{where}: {e.message}") from e
    raise InputError(
        f"{where}: signer {signer[:70]!r} is neither a compressed public key (66 hex) of a multisig "
        "nor a Safe owner's 0x address"
    )


def _read(holding: Holding, wallet: WalletDecl, pin: BlockPin, source: Any) -> int:
    """The holding's chain amount from the node: at the pinned block, or at the latest one."""
    if not get_chain(wallet.address.chain).history:
        latest = cast(LatestStateSource, source)
        if holding.token is None:
            return latest.native_balance_latest(wallet.address)
        on_chain = latest.token_decimals_latest(holding.token.contract)
        if on_chain != holding.token.decimals:
            raise VerificationError(
                f"{holding.asset} token {holding.token.contract.text} has {on_chain} decimals on chain, "
                f"the declaration says {holding.token.decimals}",
                code="decimals-mismatch",
                evidence={
                    "contract": holding.token.contract.text,
                    "declared": holding.token.decimals,
                    "on_chain": on_chain,
                },
            )
        return latest.token_balance_latest(holding.token.contract, wallet.address)
    pinned = cast(BalanceSource, source)
    if holding.token is None:
        return pinned.native_balance(wallet.address, pin)
    return read_token_balance(
        pinned,
        holding.token.contract,
        wallet.address,
        pin,
        asset=holding.asset,
        decimals=holding.token.decimals,
        stated_in="the declaration",
        evidence_key="declared",
    )


def _balance(holding: Holding, wallet: WalletDecl, decl: Declaration, source: Any) -> Balance:
    pin = decl.pins[wallet.address.chain]
    where = f"{wallet.address.text} {holding.asset}"
    if source is None:
        if holding.declared is None:
            raise InputError(
                f"{where}: no --node for {wallet.address.chain} and no declared amount; "
                "give a node to observe the balance or declare it",
                evidence={"address": wallet.address.text, "asset": holding.asset},
            )
        chain_amount, kind = holding.declared, _DECLARED
    else:
        if holding.declared is not None:
            raise InputError(
                f"{where}: a declared amount is given although {wallet.address.chain} is read from a node; "
                "remove it (observed balances replace declared ones)",
                evidence={"address": wallet.address.text, "asset": holding.asset},
            )
        chain_amount, kind = _read(holding, wallet, pin, source), _OBSERVED
    converted = to_snapshot_units(chain_amount, holding.chain_decimals, decl.asset(holding.asset).decimals, where)
    return Balance(
        holding.asset,
        holding.token.contract if holding.token else None,
        holding.chain_decimals,
        chain_amount,
        converted.amount,
        kind,
    )


_EVM_HEX = re.compile(r"0[xX][0-9a-fA-F]+\Z")


def _canonical(address: Address, signature: str) -> str:
    """An operator's EVM signature in the one spelling ``reserves.json`` records: ``0x`` and lower-case hex.

    Wallets print hex in either case; the published file and every verifier accept only
    the lower-case spelling, so one signature has one spelling (threat R6's spirit).
    """
    if get_chain(address.chain).family == "evm" and _EVM_HEX.match(signature):
        return "0x" + signature[2:].lower()
    return signature


def _single(w: WalletDecl, message: str, given: object) -> tuple[str, str]:
    """(scheme, signature) of a single-key wallet: the first scheme the signature verifies under."""
    if not isinstance(given, str):
        raise InputError(
            f"{w.address.text}: a single-key wallet takes one signature, not one per signer",
            evidence={"address": w.address.text},
        )
    given = _canonical(w.address, given)
    first: BadSignature | None = None
    for scheme in single_schemes(w.address, given):
        try:
            verify_ownership(w.address, message, given, scheme)
            return scheme, given
        except BadSignature as e:
            first = first or e
    assert first is not None
    raise first


def _ownership(
    w: WalletDecl, message: str, given: object, source: Any, pin: BlockPin
) -> tuple[str, str | None, tuple[Signer, ...], SafeSpec | None]:
    """Check the wallet's ownership proof; (scheme, signature, signers, safe) to record."""
    where = w.address.text
    if w.kind == "key":
        scheme, signature = _single(w, message, given)
        if source is not None and get_chain(w.address.chain).family == "tron":
            source.check_key_control(w.address)  # the signer's key must still control the account
        return scheme, signature, (), None
    if w.kind in (SAFE, ERC1271) and source is None:
        raise InputError(
            f"{where}: a {w.kind} wallet is proven on chain at the pinned block: give --node {w.address.chain}=URL",
            evidence={"address": where},
        )
    if w.kind == "multisig":
        if isinstance(given, str):
            verify_wallet_ownership(w.address, message, BIP322_FULL, given, script=w.script)
            return BIP322_FULL, given, (), None
        signers = tuple(Signer(key, detect_scheme(sig), sig) for key, sig in cast(Sequence[tuple[str, str]], given))
        verify_wallet_ownership(w.address, message, MULTISIG, None, script=w.script, signers=signers)
        return MULTISIG, None, signers, None
    if w.kind == ERC1271:
        if not isinstance(given, str):
            raise InputError(f"{where}: an ERC-1271 wallet takes one signature", evidence={"address": where})
        given = _canonical(w.address, given)
        verify_wallet_ownership(w.address, message, ERC1271, given, source=source, pin=pin)
        return ERC1271, given, (), None
    # a Safe: owners and threshold as the contract reports them at the pinned block
    from solvent.reserves.contract_wallets import read_safe_state

    if isinstance(given, str):
        raise InputError(
            f"{where}: a Safe takes one signature per owner (signatures.csv with a signer column)",
            evidence={"address": where},
        )
    state = read_safe_state(source, w.address, pin)
    safe = SafeSpec(tuple(o.text for o in state.owners), state.threshold)
    signers = tuple(
        Signer(owner, EIP191, _canonical(w.address, sig)) for owner, sig in cast(Sequence[tuple[str, str]], given)
    )
    verify_wallet_ownership(w.address, message, SAFE, None, signers=signers, safe=safe, source=source, pin=pin)
    return SAFE, None, signers, safe


def _observe_latest(chain: str, source: LatestStateSource, pin: BlockPin, max_lag: int) -> ObservedBlock:
    """A chain without history: the latest confirmed block, recent and not before the pin."""
    observed = source.latest_block(max_lag=max_lag)
    if observed.height < pin.height:
        raise VerificationError(
            f"{chain}: the node's latest confirmed block {observed.height} is before the pinned block {pin.height}",
            code="observed-block",
            evidence={"chain": chain, "pinned": pin.height, "latest": observed.height},
        )
    return observed


def attest(
    decl: Declaration,
    signatures: Signatures,
    sources: Mapping[str, Any],
    *,
    signing_key: str | None,
    max_lag: int = MAX_NODE_LAG,
) -> Attestation:
    """Check everything and build the attestation (raises on the first failure).

    ``signing_key``: the public key (64 hex digits, as ``signing.pub`` holds it) the
    snapshot's manifest will be signed with; the challenges name it.  None builds the
    older ``solvent-reserves/2`` file, bound to no key (kept for reading old snapshots
    and for tests of them; ``solvent reserves attest`` always gives a key).  ``sources``
    maps a chain to its node (a BalanceSource, or a LatestStateSource for chains without
    history); ``max_lag`` bounds how old such a node's latest block may be.
    """
    if signing_key is not None:
        try:
            check_signing_key(signing_key, "--public-key")
        except FormatError as e:
            raise InputError(e.message, code=e.code) from e
    for chain in sources:
        if chain not in decl.pins:
            raise InputError(f"--node {chain}: the declaration has no wallets on {chain}")
    declared_keys = {(w.address.chain, w.address.key) for w in decl.wallets}
    for chain, key in signatures:
        if (chain, key) not in declared_keys:
            raise InputError(
                f"a signature is given for a {chain} address that is not declared", evidence={"chain": chain}
            )
    # (1) the pinned block of every chain read from a node, and its time; the latest block
    # of chains without history
    block_times = {chain: source.check_block(decl.pins[chain]) for chain, source in sources.items()}
    observed = {
        chain: _observe_latest(chain, cast(LatestStateSource, source), decl.pins[chain], max_lag)
        for chain, source in sources.items()
        if not get_chain(chain).history
    }
    wallets = []
    for w in decl.wallets:
        pin = decl.pins[w.address.chain]
        given = signatures.get((w.address.chain, w.address.key))
        if given is None:
            raise InputError(f"{w.address.text}: no signature given", evidence={"address": w.address.text})
        wallet_source = sources.get(w.address.chain)
        # (2) ownership
        message = challenge_message(decl.exchange, decl.snapshot_id, pin, w.address, signing_key=signing_key)
        scheme, signature, signers, safe = _ownership(w, message, given, wallet_source, pin)
        # (3) and (4) balances, converted
        balances = tuple(_balance(h, w, decl, wallet_source) for h in w.holdings)
        seen = observed.get(w.address.chain) if any(b.source == _OBSERVED for b in balances) else None
        wallets.append(
            WalletEntry(
                w.address,
                pin,
                scheme,
                signature,
                balances,
                w.label,
                block_times.get(w.address.chain),
                script=w.script,
                signers=signers,
                safe=safe,
                observed=seen,
            )
        )
    offchain = tuple(OffchainEntry(o.asset, o.amount, o.custodian, o.note) for o in decl.offchain)
    return Attestation(decl.exchange, decl.snapshot_id, decl.assets, tuple(wallets), offchain, signing_key)
