"""The v2 audit's driver (standard library only): which files and assets are checked, one
unit of work per asset on both cores, the first failure in manifest order, then the accounts
count and the account index from the spilled ids, one id prefix at a time.

docs/spec.md §13.6 (The full data and the tree files).  Both v2 auditors call
:func:`run_audit_v2` with their own ``audit_asset`` and ``count_prefix``
(:mod:`solvent.pipeline.audit_common_v2` says what each checks, and in which order).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from solvent.pipeline.audit_common import AuditResult
from solvent.pipeline.audit_common_v2 import (
    ACCOUNT_RECORD,
    INDEX_FILES,
    PARALLEL_FROM,
    POSITION_RECORD,
    PREFIXES,
    SPILL_RECORD,
    AssetJob,
    AssetOutcome,
    PrefixJob,
    PrefixOutcome,
    StreamCompare,
    spill_path,
)
from solvent.protocol.errors import FileDigestMismatch, InputError, ManifestMismatch, SolventError
from solvent.protocol.v2.manifest import Manifest, liabilities_file
from solvent.tree.store import tree_files
from solvent.tree.store_v2 import ACCOUNTS_FILE, POSITIONS_FILE, asset_dir

__all__ = ["run_audit_v2"]


# -- the plan: which files, which assets ------------------------------------------------


@dataclass
class _Plan:
    selected: list[int]
    jobs: list[AssetJob] = field(default_factory=list)
    #: Bound files checked by their digest alone (reserves.json, ...).
    plain: list[str] = field(default_factory=list)
    index_present: frozenset[str] = frozenset()


def _select(manifest: Manifest, symbols: Sequence[str] | None) -> list[int]:
    if symbols is None:
        return list(range(len(manifest.trees)))
    known = {t.symbol: i for i, t in enumerate(manifest.trees)}
    unknown = sorted({s for s in symbols if s not in known})
    if unknown:
        raise InputError(
            f"--asset: {', '.join(unknown[:10])} not in this snapshot (its assets: "
            f"{', '.join(t.symbol for t in manifest.trees[:20])}{' ...' if len(manifest.trees) > 20 else ''})",
            evidence={"unknown": ",".join(unknown[:20])},
        )
    if not symbols:
        raise InputError("--asset: name at least one asset")
    return sorted({known[s] for s in symbols})


def _owner(name: str, by_dir: dict[str, int]) -> int | None:
    """The asset whose tree folder holds ``name`` (None: not an asset's tree file)."""
    head, _, _ = name.rpartition("/")
    return by_dir.get(head)


def _plan(
    public: Path, manifest: Manifest, selected: list[int], *, spill: Path | None, hasher: str | None, chunk_rows: int
) -> _Plan:
    """Step (2) of §9 (Auditing a whole snapshot) for v2: every bound name is a file the
    snapshot can have, and every bound file of what is audited exists.  Digests are checked
    where the files are read."""
    by_dir = {asset_dir(t.symbol): i for i, t in enumerate(manifest.trees)}
    expected = {i: frozenset(tree_files(t.root.height, asset_dir(t.symbol))) for i, t in enumerate(manifest.trees)}
    csvs = {liabilities_file(t.symbol) for t in manifest.trees}
    plan = _Plan(selected)
    for name in sorted(manifest.files):
        owner = _owner(name, by_dir)
        if owner is not None and name not in expected[owner]:
            t = manifest.trees[owner]
            raise FileDigestMismatch(
                f"the manifest binds {name}, which is not a file of {t.symbol}'s tree of height {t.root.height}",
                evidence={"file": name, "asset": t.symbol},
            )
        if owner is None and name.startswith("tree/") and name not in INDEX_FILES:
            raise FileDigestMismatch(
                f"the manifest binds {name}, which is not a tree file of this snapshot", evidence={"file": name}
            )
        if owner is None and name not in csvs and name not in INDEX_FILES:
            plan.plain.append(name)
    for name in [*INDEX_FILES, *plan.plain]:
        if name in manifest.files and not (public / name).is_file():
            raise FileDigestMismatch(f"{name} is bound by the manifest but missing", evidence={"file": name})
    plan.index_present = frozenset(name for name in INDEX_FILES if (public / name).is_file())
    for i in selected:
        t = manifest.trees[i]
        present = frozenset(name for name in expected[i] if (public / name).is_file())
        bound = {name: manifest.files[name] for name in expected[i] if name in manifest.files}
        missing = sorted(set(bound) - present)
        if missing:
            raise FileDigestMismatch(
                f"{missing[0]} is bound by the manifest but missing", evidence={"file": missing[0], "asset": t.symbol}
            )
        digest = manifest.files[liabilities_file(t.symbol)]
        plan.jobs.append(AssetJob(public, i, t, digest, bound, present, spill, hasher, chunk_rows))
    return plan


def _check_plain(public: Path, manifest: Manifest, names: Sequence[str]) -> None:
    for name in names:
        with (public / name).open("rb") as f:
            actual = hashlib.file_digest(f, "sha256").hexdigest()
        if not hmac.compare_digest(actual, manifest.files[name]):
            raise FileDigestMismatch(
                f"{name} differs from the manifest",
                evidence={"file": name, "expected": manifest.files[name], "computed": actual},
            )


# -- the driver ---------------------------------------------------------------------


_WORKER_DIED = "an audit worker process stopped unexpectedly (out of memory?); nothing was concluded"


def _executor(workers: int) -> Executor:
    # Imported here: an audit in one process loads no multiprocessing machinery.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent may run Polars' and the hasher's threads.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _run_assets(
    jobs: list[AssetJob],
    audit_asset: Callable[[AssetJob], AssetOutcome],
    pool: Executor | None,
    progress: Callable[[str], None],
) -> list[AssetOutcome]:
    """Every asset's outcome, in manifest order; the largest trees start first."""
    outcomes: dict[int, AssetOutcome] = {}

    def done(outcome: AssetOutcome) -> None:
        outcomes[outcome.number] = outcome
        state = "passed" if outcome.error is None else f"FAILED ({outcome.error.code})"
        progress(f"asset {len(outcomes)}/{len(jobs)}: {outcome.symbol} {state}")

    order = sorted(jobs, key=lambda j: -j.tree.root.leaf_count)
    if pool is None:
        for job in order:
            done(audit_asset(job))
    else:
        for outcome in _as_completed(pool, audit_asset, order):
            done(outcome)
    return [outcomes[j.number] for j in jobs]


def _as_completed(
    pool: Executor, fn: Callable[[AssetJob], AssetOutcome], jobs: list[AssetJob]
) -> Iterator[AssetOutcome]:
    from concurrent.futures import BrokenExecutor, as_completed

    futures = [pool.submit(fn, job) for job in jobs]
    try:
        for future in as_completed(futures):
            yield future.result()
    except BrokenExecutor as e:
        raise SolventError(_WORKER_DIED) from e


def _first_failure(outcomes: list[AssetOutcome]) -> SolventError | None:
    failed = [o for o in outcomes if o.error is not None]
    if not failed:
        return None
    first = failed[0].error
    assert first is not None
    names = ",".join(o.symbol for o in failed[:50]) + (",..." if len(failed) > 50 else "")
    evidence = {**first.evidence, "asset": failed[0].symbol, "failed_assets": names}
    # The same class and code, the failing asset named, and every asset that failed.
    error = type(first)(first.message, code=first.code, evidence=evidence)
    return error


def _count_accounts(
    public: Path,
    manifest: Manifest,
    *,
    spills: set[Path],
    count_prefix: Callable[[PrefixJob], PrefixOutcome],
    index_present: frozenset[str],
    pool: Executor | None,
    progress: Callable[[str], None],
) -> tuple[int, tuple[str, ...]]:
    """The distinct ids over all trees, and the account index rebuilt and compared."""
    compare = bool(index_present) or any(name in manifest.files for name in INDEX_FILES)
    jobs = []
    base = 0
    for b in range(PREFIXES):
        files = tuple(p for d in sorted(spills) if (p := spill_path(d, b)).is_file())
        jobs.append(PrefixJob(b, files, base, compare))
        base += sum(p.stat().st_size for p in files) // SPILL_RECORD
    sinks = {
        name: StreamCompare((public / name).open("rb") if name in index_present else None, size)
        for name, size in ((ACCOUNTS_FILE, ACCOUNT_RECORD), (POSITIONS_FILE, POSITION_RECORD))
    }
    accounts = 0
    try:
        results: Iterator[PrefixOutcome] = map(count_prefix, jobs) if pool is None else pool.map(count_prefix, jobs)
        for outcome in _checked(results):
            accounts += _add_prefix(outcome, sinks)
    finally:
        digests = {name: sink.finish() for name, sink in sinks.items()}
    progress(f"accounts counted: {accounts}")
    if accounts != manifest.accounts:
        raise ManifestMismatch(
            f"the trees hold {accounts} distinct hashed ids, the manifest says accounts = {manifest.accounts}",
            evidence={"field": "accounts", "expected": manifest.accounts, "computed": accounts},
        )
    if not compare:
        return accounts, ()
    for name in sorted(index_present):
        index = sinks[name].first_difference
        if index is not None:
            raise FileDigestMismatch(
                f"the published {name} differs from the one rebuilt from the CSVs (first difference: record {index})",
                evidence={"file": name, "first_difference": index, "computed": digests[name]},
            )
    for name in INDEX_FILES:
        if name in manifest.files and not hmac.compare_digest(digests[name], manifest.files[name]):
            raise FileDigestMismatch(
                f"the manifest binds a {name} other than the one rebuilt from the CSVs",
                evidence={"file": name, "expected": manifest.files[name], "computed": digests[name]},
            )
    return accounts, tuple(sorted(index_present))


def _checked(results: Iterator[PrefixOutcome]) -> Iterator[PrefixOutcome]:
    from concurrent.futures import BrokenExecutor

    try:
        yield from results
    except BrokenExecutor as e:
        raise SolventError(_WORKER_DIED) from e


def _add_prefix(outcome: PrefixOutcome, sinks: dict[str, StreamCompare]) -> int:
    sinks[ACCOUNTS_FILE].add(outcome.accounts_bin)
    sinks[POSITIONS_FILE].add(outcome.positions_bin)
    return outcome.accounts


def run_audit_v2(
    public: Path,
    manifest: Manifest,
    *,
    audit_asset: Callable[[AssetJob], AssetOutcome],
    count_prefix: Callable[[PrefixJob], PrefixOutcome],
    assets: Sequence[str] | None = None,
    hasher: str | None = None,
    workers: int | None = None,
    chunk_rows: int,
    progress: Callable[[str], None] = lambda _: None,
    spill_dir: Path | None = None,
) -> AuditResult:
    """Audit a v2 snapshot (the caller parsed the manifest and checked its signature).

    ``assets`` (symbols) audits only those trees: the result then names the others in
    ``not_checked``, and the ``accounts`` count is not checked (it spans every tree).
    """
    selected = _select(manifest, assets)
    full = len(selected) == len(manifest.trees)
    holdings = sum(manifest.trees[i].root.leaf_count for i in selected)
    if workers is None:
        workers = 1 if holdings < PARALLEL_FROM else min(2, os.cpu_count() or 1)
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="solvent-audit-", dir=spill_dir))
        # One pool for both passes (assets, then id prefixes): workers start once.
        pool = stack.enter_context(_executor(workers)) if workers > 1 else None
        spill = Path(tmp) if full else None
        plan = _plan(public, manifest, selected, spill=spill, hasher=hasher, chunk_rows=chunk_rows)
        plain = plan.plain
        _check_plain(public, manifest, plain)
        progress(f"bound files listed; auditing {len(plan.jobs)} of {len(manifest.trees)} asset trees")
        outcomes = _run_assets(plan.jobs, audit_asset, pool, progress)
        failure = _first_failure(outcomes)
        if failure is not None:
            raise failure
        verdicts = tuple(o.verdict for o in outcomes if o.verdict is not None)
        checked = set(plain)
        for job in plan.jobs:
            checked |= {job.csv_name, *job.bound}
        accounts: int | None = None
        compared: tuple[str, ...] = ()
        if full:
            spills = {o.spill for o in outcomes if o.spill is not None}
            accounts, compared = _count_accounts(
                public,
                manifest,
                spills=spills,
                count_prefix=count_prefix,
                index_present=plan.index_present,
                pool=pool,
                progress=progress,
            )
            checked |= {name for name in INDEX_FILES if name in manifest.files}
        else:
            index_bound = [name for name in INDEX_FILES if name in manifest.files]
            _check_plain(public, manifest, index_bound)  # their digests: cheap, and they span every asset
            checked |= set(index_bound)
    not_checked = tuple(t.symbol for i, t in enumerate(manifest.trees) if i not in set(selected))
    return AuditResult(
        manifest,
        tuple(v.total for v in verdicts),
        tuple(sorted(checked)),
        version=2,
        assets=verdicts,
        accounts=accounts,
        index_compared=compared,
        not_checked=not_checked,
    )
