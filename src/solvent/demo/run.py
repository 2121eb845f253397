"""``solvent demo``: a synthetic exchange end to end, with every part real, in protocol v2.

1. a ledger of N synthetic accounts over sixteen assets, sparse and skewed as on a real
   exchange (:data:`~solvent.demo.synthetic.EXCHANGE_ASSETS`);
2. fresh keys; reserves on five chains (:mod:`solvent.demo.reserves`): a real local
   Ethereum node (anvil) with an ERC-20 token per token asset, a 2-of-3 Safe on a second
   anvil with Polygon's chain id, Bitcoin single-key and 2-of-3 P2WSH multisig wallets
   (declared: no Bitcoin node here), USDT on a simulated Tron node and USDC on a
   simulated Solana node; every ownership challenge signed with fresh keys (reserves.json);
3. ``solvent build``: a v2 snapshot (one sum tree per asset) with the reserves bound
   into the signed manifest;
4. one customer's proof (an entry per asset they hold), verified as the customer would
   (uid and secret included);
5. the auditor's full rebuild of every asset tree, and the solvency report;
6. (the caller) serving the Proof-of-Reserves page.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from solvent.demo.synthetic import EXCHANGE_ASSETS, EXCHANGE_PROFILES, write_ledger
from solvent.pipeline.audit import AuditResult, audit_snapshot
from solvent.pipeline.build import BuildRequest, utc_now
from solvent.pipeline.build_v2 import BuildResultV2, build_snapshot_v2
from solvent.pipeline.lookup import SnapshotProofsV2, proof_bytes
from solvent.protocol.errors import InputError, NotFound
from solvent.protocol.layout import public_dir, users_file
from solvent.protocol.v2.inclusion import InclusionResult, verify_proof_bytes
from solvent.protocol.v2.proof import parse_proof
from solvent.publish.keys import generate_keys
from solvent.report.solvency import SolvencyReport

if TYPE_CHECKING:
    from solvent.demo.reserves import DemoReserves

__all__ = ["DemoRun", "run_demo"]

MARKER = ".solvent-demo"
#: How many accounts :func:`_pick_customer` looks at.
_CANDIDATES = 1000
EXCHANGE = "Demo Exchange"


@dataclass(frozen=True)
class DemoRun:
    workdir: Path
    snapshot: Path
    build: BuildResultV2
    customer_uid: str
    customer_secret: str
    customer_id: str
    proof_file: Path
    inclusion: InclusionResult
    audit: AuditResult
    #: The solvency report, balances re-read from the demo's nodes (at the pinned block, or
    #: the latest one on Tron and Solana).
    report: SolvencyReport | None
    #: The demo's nodes, still running when ``run_demo(keep_node=True)``: the caller stops them.
    node: DemoReserves | None = None


def _fresh_workdir(workdir: Path) -> None:
    """A demo owns its folder: reuse one it created before, never clobber anything else."""
    if workdir.exists():
        if not (workdir / MARKER).is_file():
            raise InputError(f"{workdir} exists and was not made by solvent demo; choose another --out")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text("created by solvent demo; safe to delete\n", encoding="utf-8")


def _pick_customer(snapshot: Path) -> tuple[str, str, str]:
    """A customer worth showing: among the first accounts of the export (hashed-id order,
    so any), the first whose proof has three entries, else the one with the most.  An
    account holding nothing is in no tree and has no proof."""
    users = pl.read_csv(users_file(snapshot), n_rows=_CANDIDATES, schema_overrides={"uid": pl.String})
    best: tuple[int, tuple[str, str, str]] | None = None
    with SnapshotProofsV2.open(snapshot) as proofs:
        for uid, secret, hashed in users.iter_rows():
            try:
                entries = len(parse_proof(proofs.proof(hashed)).entries)
            except NotFound:
                continue
            if best is None or entries > best[0]:
                best = (entries, (str(uid), str(secret), str(hashed)))
            if entries >= 3:
                break
    if best is None:
        raise InputError(f"none of the first {_CANDIDATES} accounts of the synthetic ledger holds anything")
    return best[1]


def _report(snapshot: Path, node_options: list[str], token_options: list[str]) -> SolvencyReport:
    """The solvency report as ``solvent report --node ethereum=URL ... --token ...`` makes it: signed
    manifest, bound attestation, every signature re-checked, Ethereum and Polygon balances re-read
    at the pinned block, Tron and Solana ones at the latest block, and the demo's own token
    contracts recognised (it deployed them)."""
    from solvent.pipeline.report import assess_snapshot, load_snapshot, opened_sources
    from solvent.reserves.tokens import default_registry

    loaded = load_snapshot(snapshot)
    if loaded.attestation is None:
        raise InputError(f"{snapshot}: the snapshot has no reserves attestation")
    with opened_sources(node_options) as sources:
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
    """Run steps 1-5 and the solvency report; the nodes are stopped before returning unless
    ``keep_node`` (then the caller stops ``DemoRun.node``, e.g. after serving the page)."""
    _fresh_workdir(workdir)
    snapshot_id = utc_now()[:10]
    ledger = workdir / "ledger.csv"
    say(f"1. writing a synthetic ledger of {accounts:,} accounts and {len(EXCHANGE_ASSETS)} assets: {ledger}")
    liabilities = write_ledger(ledger, accounts, EXCHANGE_ASSETS, profiles=EXCHANGE_PROFILES)
    keys = generate_keys(workdir / "keys")
    say(f"2. keys: {keys.master_key.parent}")
    reserves = None
    if with_reserves:
        from solvent.demo.reserves import prepare_demo_reserves

        say("   reserves on five chains: Ethereum (local anvil node, an ERC-20 contract per token asset),")
        say("   Polygon (a second anvil with chain id 137: a 2-of-3 Safe holding USDC), Bitcoin (single-key")
        say("   and 2-of-3 P2WSH multisig wallets, declared: no Bitcoin node here), Tron (USDT) and Solana")
        say("   (USDC) on simulated nodes (none can be installed here; they read the latest state);")
        say("   signing every ownership challenge with fresh keys" + (" (ETH funded 10 % short)" if insolvent else ""))
        reserves = prepare_demo_reserves(
            workdir / "reserves",
            exchange=EXCHANGE,
            snapshot_id=snapshot_id,
            assets=EXCHANGE_ASSETS,
            liabilities=liabilities,
            insolvent=insolvent,
            signing_key=keys.signing_pub.read_text(encoding="ascii").strip(),
        )
    try:
        snapshot = workdir / "snapshot"
        say(f"3. solvent build -> {snapshot} (protocol v2: one sum tree per asset)")
        built = build_snapshot_v2(
            BuildRequest(
                ledger=ledger,
                assets=EXCHANGE_ASSETS,
                snapshot_id=snapshot_id,
                master_key_file=keys.master_key,
                signing_key_file=keys.signing_key,
                out=snapshot,
                exchange=EXCHANGE,
                reserves=reserves.reserves_json if reserves else None,
            )
        )
        uid, secret, hashed = _pick_customer(snapshot)
        proof_file = workdir / "my-proof.json"
        proof_file.write_bytes(proof_bytes(snapshot, hashed))
        say(f"4. customer {uid}: proof written to {proof_file}, one entry per asset held")
        inclusion = verify_proof_bytes(
            proof_file.read_bytes(), built.manifest, uid=uid, user_secret=bytes.fromhex(secret), name=str(proof_file)
        )
        say("5. auditor: rebuilding every asset tree from liabilities/<asset>.csv")
        # pipeline.audit dispatches on the manifest's version (v1: one tree, v2: a tree per asset)
        audited = audit_snapshot(public_dir(snapshot), built.manifest)
        report = None
        if reserves is not None:
            say("   report: re-reading every chain from its node; the demo's own token contracts count as")
            say(f"   recognised tokens because the demo deployed them ({len(reserves.token_options)} --token options)")
            report = _report(snapshot, reserves.node_options, reserves.token_options)
    except BaseException:
        if reserves is not None:
            reserves.stop()
        raise
    if reserves is not None and not keep_node:
        reserves.stop()
        reserves = None
    return DemoRun(workdir, snapshot, built, uid, secret, hashed, proof_file, inclusion, audited, report, reserves)
