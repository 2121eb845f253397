"""The solvency report as JSON: every amount in base units and in asset units (strings)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from solvent.errors import SolventError
from solvent.report.solvency import LIMITATIONS, AssetLine, SolvencyReport, format_ratio
from solvent.spec.amounts import format_units

__all__ = ["error_to_dict", "report_to_dict", "reports_to_dict"]

REPORT_FORMAT = "solvent-solvency-report/1"


def _units(value: int, decimals: int) -> str:
    sign = "-" if value < 0 else ""
    return sign + format_units(abs(value), decimals)


def error_to_dict(error: SolventError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {"code": error.code, "message": error.message, "evidence": error.evidence}


def _line(line: AssetLine) -> dict[str, Any]:
    d = line.decimals
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
            "liabilities": _units(line.liabilities, d),
            "observed_reserves": _units(line.observed, d),
            "declared": _units(line.declared, d),
            "surplus": _units(line.surplus, d),
        },
    }


def report_to_dict(report: SolvencyReport, *, allow_declared: bool = False) -> dict[str, Any]:
    m = report.manifest
    wallets = []
    decimals = {a.symbol: a.decimals for a in m.assets}
    if report.check is not None:
        for wc in report.check.wallets:
            w = wc.wallet
            wallets.append(
                {
                    "chain": w.chain,
                    "address": w.address.text,
                    "label": w.label,
                    "block": w.block.to_dict(),
                    "scheme": w.scheme,
                    "valid": wc.ok,
                    "error": error_to_dict(wc.error),
                    "balances_rechecked_by": wc.rechecked_by,
                    "balances": [{**b.to_dict(), "display": _units(b.amount, decimals[b.asset])} for b in w.balances],
                }
            )
    return {
        "format": REPORT_FORMAT,
        "exchange": m.exchange,
        "snapshot_id": m.snapshot_id,
        "taken_at": m.taken_at,
        "root_hash": m.root.hash.hex(),
        "manifest_signature": report.signature_note,
        "reserves_published": report.check is not None,
        "passed": report.passed(allow_declared=allow_declared),
        "assets": [_line(line) for line in report.lines],
        "wallets": wallets,
        "offchain": [
            {**o.to_dict(), "display": _units(o.amount, decimals[o.asset])} for o in report.check.attestation.offchain
        ]
        if report.check
        else [],
        "nodes": dict(report.check.nodes) if report.check else {},
        "limitations": list(LIMITATIONS),
    }


def reports_to_dict(reports: Sequence[SolvencyReport], *, allow_declared: bool = False) -> dict[str, Any]:
    return {
        "format": REPORT_FORMAT,
        "passed": all(r.passed(allow_declared=allow_declared) for r in reports),
        "snapshots": [report_to_dict(r, allow_declared=allow_declared) for r in reports],
    }
