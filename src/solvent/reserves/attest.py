"""The operator's attestation: declaration + signatures + nodes -> ``reserves.json``.

Steps (the file is docs/spec.md §12.7 (reserves.json (solvent-reserves/2)), written as
``solvent-reserves/3``): (1) every chain's pinned block is checked on its node, and its
time read from it (recorded in ``reserves.json``); (2) every wallet's signature is
verified over its challenge, which names the manifest signing key the snapshot will be
signed with (recorded too); (3) every
balance is read at the pinned block (token decimals checked against the declaration)
or taken from the declaration when no node is given for the chain; (4) amounts are
converted to the snapshot's decimals, rounding down.  Any failure stops the
attestation: an operator never publishes a file with a wallet that does not check out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from solvent.protocol.errors import FormatError, InputError
from solvent.reserves.chains import get_chain, normalize_address
from solvent.reserves.challenge import challenge_message, check_signing_key
from solvent.reserves.conversion import to_snapshot_units
from solvent.reserves.declaration import Declaration, Holding, WalletDecl
from solvent.reserves.ownership import default_scheme, verify_ownership
from solvent.reserves.reserves_json import Attestation, Balance, OffchainEntry, Source, WalletEntry
from solvent.reserves.sources.base import BalanceSource, read_token_balance

__all__ = ["SignatureKey", "attest", "parse_signatures"]

SignatureKey = tuple[str, bytes]
_OBSERVED: Source = "observed"
_DECLARED: Source = "declared"  # (chain, normalised address identity)


def parse_signatures(data: bytes, name: str = "signatures.csv") -> dict[SignatureKey, str]:
    """``chain,address,signature`` rows (header required), one per address."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not UTF-8 (byte {e.start})") from e
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != ["chain", "address", "signature"]:
        raise InputError(f"{name}: the first line must be the header chain,address,signature")
    out: dict[SignatureKey, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 3:
            raise InputError(
                f"{name}, line {line}: expected 3 fields, got {len(row)}", evidence={"file": name, "line": line}
            )
        try:
            address = normalize_address(get_chain(row[0].strip()), row[1].strip(), "address")
        except FormatError as e:
            raise InputError(f"{name}, line {line}: {e.message}", evidence={"file": name, "line": line}) from e
        key = (address.chain, address.key)
        if key in out:
            raise InputError(
                f"{name}, line {line}: a second signature for {address.text}",
                code="duplicate-address",
                evidence={"file": name, "line": line},
            )
        out[key] = row[2].strip()
    return out


def _balance(holding: Holding, wallet: WalletDecl, decl: Declaration, source: BalanceSource | None) -> Balance:
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
        if holding.token is None:
            chain_amount = source.native_balance(wallet.address, pin)
        else:
            chain_amount = read_token_balance(
                source,
                holding.token.contract,
                wallet.address,
                pin,
                asset=holding.asset,
                decimals=holding.token.decimals,
                stated_in="the declaration",
                evidence_key="declared",
            )
        kind = _OBSERVED
    converted = to_snapshot_units(chain_amount, holding.chain_decimals, decl.asset(holding.asset).decimals, where)
    return Balance(
        holding.asset,
        holding.token.contract if holding.token else None,
        holding.chain_decimals,
        chain_amount,
        converted.amount,
        kind,
    )


def attest(
    decl: Declaration,
    signatures: Mapping[SignatureKey, str],
    sources: Mapping[str, BalanceSource],
    *,
    signing_key: str | None,
) -> Attestation:
    """Check everything and build the attestation (raises on the first failure).

    ``signing_key``: the public key (64 hex digits, as ``signing.pub`` holds it) the
    snapshot's manifest will be signed with; the challenges name it.  None builds the
    older ``solvent-reserves/2`` file, bound to no key (kept for reading old snapshots
    and for tests of them; ``solvent reserves attest`` always gives a key).
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
    # (1) the pinned block of every chain read from a node, and its time
    block_times = {chain: source.check_block(decl.pins[chain]) for chain, source in sources.items()}
    wallets = []
    for w in decl.wallets:
        pin = decl.pins[w.address.chain]
        signature = signatures.get((w.address.chain, w.address.key))
        if signature is None:
            raise InputError(f"{w.address.text}: no signature given", evidence={"address": w.address.text})
        # (2) ownership
        scheme = default_scheme(w.address, signature)
        message = challenge_message(decl.exchange, decl.snapshot_id, pin, w.address, signing_key=signing_key)
        verify_ownership(w.address, message, signature, scheme)
        # (3) and (4) balances, converted
        wallet_source = sources.get(w.address.chain)
        balances = tuple(_balance(h, w, decl, wallet_source) for h in w.holdings)
        wallets.append(
            WalletEntry(w.address, pin, scheme, signature, balances, w.label, block_times.get(w.address.chain))
        )
    offchain = tuple(OffchainEntry(o.asset, o.amount, o.custodian, o.note) for o in decl.offchain)
    return Attestation(decl.exchange, decl.snapshot_id, decl.assets, tuple(wallets), offchain, signing_key)
