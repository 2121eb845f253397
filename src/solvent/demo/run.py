"""``solvent demo``: a synthetic exchange end to end, with every part real.

1. a ledger of N synthetic accounts (BTC, ETH, USDT, USDC, USD);
2. fresh keys; a real local Ethereum node (anvil) with ERC-20 tokens, cold wallets
   funded and every ownership challenge signed with fresh keys (reserves.json);
3. ``solvent build`` with the reserves bound into the signed manifest;
4. one customer's proof, verified as the customer would (uid and secret included);
5. the auditor's full rebuild, and the solvency report;
6. (the caller) serving the Proof-of-Reserves page.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from solvent.demo.synthetic import DEMO_ASSETS, write_ledger
from solvent.pipeline.audit import AuditResult, audit_snapshot
from solvent.pipeline.build import BuildRequest, BuildResult, build_snapshot, utc_now
from solvent.protocol.errors import InputError
from solvent.protocol.layout import public_dir, users_file
from solvent.publish.keys import generate_keys
from solvent.report.solvency import SolvencyReport

if TYPE_CHECKING:
    from solvent.demo.reserves import DemoReserves
from solvent.protocol.inclusion import InclusionResult, verify_proof_bytes

__all__ = ["DemoRun", "run_demo"]

MARKER = ".solvent-demo"
EXCHANGE = "Demo Exchange"


@dataclass(frozen=True)
class DemoRun:
    workdir: Path
    snapshot: Path
    build: BuildResult
    customer_uid: str
    customer_secret: str
    customer_id: str
    proof_file: Path
    inclusion: InclusionResult
    audit: AuditResult
    #: The solvency report, balances re-read from the local chain at the pinned block.
    report: SolvencyReport | None
    #: The local chain node, still running when ``run_demo(keep_node=True)``: the caller stops it.
    node: DemoReserves | None = None


def _fresh_workdir(workdir: Path) -> None:
    """A demo owns its folder: reuse one it created before, never clobber anything else."""
    if workdir.exists():
        if not (workdir / MARKER).is_file():
            raise InputError(f"{workdir} exists and was not made by solvent demo; choose another --out")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text("created by solvent demo; safe to delete\n", encoding="utf-8")


def _pick_customer(users_csv: Path) -> tuple[str, str, str]:
    """The first customer in the export (any would do)."""
    first = pl.read_csv(users_csv, n_rows=1, schema_overrides={"uid": pl.String}).row(0)
    return str(first[0]), str(first[1]), str(first[2])


def _report(snapshot: Path, rpc_url: str, token_options: list[str]) -> SolvencyReport:
    """The solvency report as ``solvent report --node ethereum=URL --token ...`` makes it: signed
    manifest, bound attestation, every signature re-checked, Ethereum balances re-read at the pinned
    block, and the demo's own token contracts recognised (it deployed them)."""
    from solvent.pipeline.report import assess_snapshot, load_snapshot, opened_sources
    from solvent.reserves.tokens import default_registry

    loaded = load_snapshot(snapshot)
    if loaded.attestation is None:
        raise InputError(f"{snapshot}: the snapshot has no reserves attestation")
    with opened_sources([f"ethereum={rpc_url}"]) as sources:
        return assess_snapshot(loaded, sources, tokens=default_registry(token_options))


def run_demo(
    workdir: Path,
    *,
    accounts: int = 100_000,
    insolvent: bool = False,
    with_reserves: bool = True,
    keep_node: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> DemoRun:
    """Run steps 1-5 and the solvency report; anvil is stopped before returning unless
    ``keep_node`` (then the caller stops ``DemoRun.node``, e.g. after serving the page)."""
    _fresh_workdir(workdir)
    snapshot_id = utc_now()[:10]
    ledger = workdir / "ledger.csv"
    say(f"1. writing a synthetic ledger of {accounts:,} accounts: {ledger}")
    liabilities = write_ledger(ledger, accounts)
    keys = generate_keys(workdir / "keys")
    say(f"2. keys: {keys.master_key.parent}")
    reserves = None
    if with_reserves:
        from solvent.demo.reserves import prepare_demo_reserves

        say("   reserves: starting a local Ethereum node (anvil), deploying USDT/USDC, funding cold wallets,")
        say("   signing every ownership challenge with fresh keys" + (" (ETH funded 10 % short)" if insolvent else ""))
        reserves = prepare_demo_reserves(
            workdir / "reserves",
            exchange=EXCHANGE,
            snapshot_id=snapshot_id,
            assets=DEMO_ASSETS,
            liabilities=liabilities,
            insolvent=insolvent,
        )
    try:
        snapshot = workdir / "snapshot"
        say(f"3. solvent build -> {snapshot}")
        built = build_snapshot(
            BuildRequest(
                ledger=ledger,
                assets=DEMO_ASSETS,
                snapshot_id=snapshot_id,
                master_key_file=keys.master_key,
                signing_key_file=keys.signing_key,
                out=snapshot,
                exchange=EXCHANGE,
                reserves=reserves.reserves_json if reserves else None,
            )
        )
        uid, secret, hashed = _pick_customer(users_file(snapshot))
        from solvent.pipeline.lookup import proof_bytes

        proof_file = workdir / "my-proof.json"
        proof_file.write_bytes(proof_bytes(snapshot, hashed))
        say(f"4. customer {uid}: proof written to {proof_file}")
        inclusion = verify_proof_bytes(
            proof_file.read_bytes(), built.manifest, uid=uid, user_secret=bytes.fromhex(secret), name=str(proof_file)
        )
        say("5. auditor: rebuilding the whole tree from liabilities.csv")
        audited = audit_snapshot(public_dir(snapshot), built.manifest)
        report = None
        if reserves is not None:
            say("   report: the demo's own USDT/USDC contracts count as recognised tokens because the demo deployed")
            say("   them (" + " ".join(f"--token {t}" for t in reserves.token_options) + ")")
            report = _report(snapshot, reserves.rpc_url, reserves.token_options)
    except BaseException:
        if reserves is not None:
            reserves.stop()
        raise
    if reserves is not None and not keep_node:
        reserves.stop()
        reserves = None
    return DemoRun(workdir, snapshot, built, uid, secret, hashed, proof_file, inclusion, audited, report, reserves)
