"""The solvency report as JSON: every amount in base units and in asset units (strings).

``protocol`` says which protocol the snapshot speaks: 1 with the one ``root_hash``, 2 with
each asset tree's ``root`` in its asset's entry; ``accounts`` is the manifest's account
count either way.

Per wallet: the pinned block with the time that was checked against the snapshot,
whether its ownership signature is bound to the manifest signing key (``key_bound``,
and ``key_binding`` in words: an older ``solvent-reserves/2`` file says "not bound to a
key"), and per balance its token contract, whether the verifier recognises it, and how it
counted (``observed``, ``declared`` or ``not counted``) with the reasons.  Also per
wallet, how ownership was proven (``method``, e.g. "2-of-3 P2WSH multisig, one signature
per key"; ``ownership_checked`` false when an on-chain proof was not checked, with
``ownership_note``) and how its balances were read (``timing``: "at the pinned block N",
"observed at block N (latest), not at the pinned block" for a chain without history, with
that block in ``observed``, or "declared").

Per asset, ``by_chain`` sums the on-chain reserves of the wallets that count per chain
(``{chain: {"name", "observed", "declared", "display"}}``, base units as strings); off-chain
holdings are ``declared_offchain``, on no chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from solvent.protocol.amounts import format_signed_units
from solvent.protocol.errors import SolventError
from solvent.protocol.manifest import Manifest
from solvent.protocol.versions import AnyManifest
from solvent.report.inputs import BalanceLine, ReservesFacts, WalletLine
from solvent.report.solvency import LIMITATIONS, AssetLine, ChainReserves, SolvencyReport, format_ratio

__all__ = ["NOT_CHECKED", "error_to_dict", "key_binding", "report_to_dict", "reports_to_dict"]

REPORT_FORMAT = "solvent-solvency-report/1"

#: The words every renderer shows for a wallet whose ownership proof lives on chain
#: (ERC-1271) when no node was given to check it.
NOT_CHECKED = "ownership NOT checked (needs a node)"


def error_to_dict(error: SolventError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {"code": error.code, "message": error.message, "evidence": error.evidence}


def _chain(c: ChainReserves, decimals: int) -> dict[str, Any]:
    return {
        "name": c.name,
        "observed": str(c.observed),
        "declared": str(c.declared),
        "display": {
            "observed": format_signed_units(c.observed, decimals),
            "declared": format_signed_units(c.declared, decimals),
        },
    }


def _line(line: AssetLine, root: dict[str, Any] | None) -> dict[str, Any]:
    d = line.decimals
    tree = {} if root is None else {"root": root}
    return {
        "asset": line.symbol,
        "decimals": d,
        "status": line.status,
        "liabilities": str(line.liabilities),
        "observed_reserves": str(line.observed),
        "declared_onchain": str(line.declared_onchain),
        "declared_offchain": str(line.declared_offchain),
        "surplus": str(line.surplus),
        "ratio": format_ratio(line.ratio),
        "ratio_with_declared": format_ratio(line.ratio_with_declared),
        "display": {
            "liabilities": format_signed_units(line.liabilities, d),
            "observed_reserves": format_signed_units(line.observed, d),
            "declared": format_signed_units(line.declared, d),
            "declared_offchain": format_signed_units(line.declared_offchain, d),
            "surplus": format_signed_units(line.surplus, d),
        },
        "by_chain": {c.chain: _chain(c, d) for c in line.by_chain},
        **tree,
    }


def _roots(manifest: AnyManifest) -> tuple[dict[str, Any], list[dict[str, Any] | None]]:
    """What the liabilities were read from: v1's one root hash (top level), or each v2 asset
    tree's root ``{hash, sum, height, leaf_count}`` (in its asset's line)."""
    if isinstance(manifest, Manifest):
        head = {"protocol": 1, "accounts": manifest.root.leaf_count, "root_hash": manifest.root.hash.hex()}
        return head, [None] * len(manifest.assets)
    return {"protocol": 2, "accounts": manifest.accounts}, [t.root.to_dict() for t in manifest.trees]


def _balance(b: BalanceLine, wc: WalletLine, decimals: int) -> dict[str, Any]:
    return {
        **b.published,
        "display": format_signed_units(b.amount, decimals),
        "recognised_contract": b.recognised,
        "counted_as": b.counts_as if wc.ok else "not counted",
        "notes": list(b.notes),
    }


def key_binding(wc: WalletLine, reserves: ReservesFacts) -> str:
    """How the wallet's signature is tied to the exchange, in the words every renderer uses."""
    if wc.key_bound and reserves.signing_key is not None:
        return f"bound to signing key {reserves.signing_key}"
    return reserves.not_key_bound_label


def _wallet(wc: WalletLine, decimals: dict[str, int], reserves: ReservesFacts) -> dict[str, Any]:
    return {
        "chain": wc.chain,
        "address": wc.address,
        "label": wc.label,
        "block": {
            **wc.block,
            "time": wc.block_time,
            "time_from": wc.block_time_from,
            "time_in_reserves_json": wc.block_time_published,
        },
        "chain_name": wc.chain_name or wc.chain,
        "scheme": wc.scheme,
        "method": wc.method or wc.scheme,
        "ownership_checked": wc.ownership_checked,
        "ownership_note": wc.ownership_note,
        "timing": wc.timing,
        "observed": None if wc.observed is None else dict(wc.observed),
        "key_bound": wc.key_bound,
        "key_binding": key_binding(wc, reserves),
        "valid": wc.ok,
        "error": error_to_dict(wc.error),
        "balances_rechecked_by": wc.rechecked_by,
        "balances": [_balance(b, wc, decimals[b.asset]) for b in wc.balances],
    }


def report_to_dict(report: SolvencyReport, *, allow_declared: bool = False) -> dict[str, Any]:
    m = report.manifest
    decimals = {a.symbol: a.decimals for a in m.assets}
    head, roots = _roots(m)
    reserves = report.reserves
    wallets = [_wallet(wc, decimals, reserves) for wc in reserves.wallets] if reserves is not None else []
    window = None
    if reserves is not None:
        window = {
            "checked_against": reserves.taken_at,
            "max_age_seconds": reserves.max_age,
            "max_lead_seconds": reserves.max_lead,
            "max_age": reserves.max_age_text,
            "max_lead": reserves.max_lead_text,
        }
    return {
        "format": REPORT_FORMAT,
        "exchange": m.exchange,
        "snapshot_id": m.snapshot_id,
        "taken_at": m.taken_at,
        **head,
        "manifest_signature": report.signature_note,
        "reserves_published": reserves is not None,
        "reserves_format": reserves.attestation_format if reserves is not None else None,
        "reserves_key_bound": reserves.key_bound if reserves is not None else None,
        "passed": report.passed(allow_declared=allow_declared),
        "assets": [_line(line, root) for line, root in zip(report.lines, roots, strict=True)],
        "wallets": wallets,
        "offchain": [
            {**o.published, "display": format_signed_units(o.amount, decimals[o.asset])} for o in reserves.offchain
        ]
        if reserves
        else [],
        "nodes": dict(reserves.nodes) if reserves else {},
        "block_time_window": window,
        "notes": list(report.notes),
        "limitations": list(LIMITATIONS),
    }


def reports_to_dict(reports: Sequence[SolvencyReport], *, allow_declared: bool = False) -> dict[str, Any]:
    return {
        "format": REPORT_FORMAT,
        "passed": all(r.passed(allow_declared=allow_declared) for r in reports),
        "snapshots": [report_to_dict(r, allow_declared=allow_declared) for r in reports],
    }
