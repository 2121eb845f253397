"""What both v2 auditors share (standard library only): the plan, the order of the checks,
their errors, and the driver that runs one unit of work per asset and per id prefix.

docs/spec.md §13.6 (The full data and the tree files): anyone can rebuild every asset tree
from ``liabilities/<S>.csv``, check the ids ascending, add up each column, count the
distinct ids and compare it all with the manifest.  ``pipeline.audit_v2`` (NumPy, Polars
and the native hasher) and ``pipeline.audit_stdlib_v2`` (hashlib, one row at a time) differ
only in the two functions they hand to :func:`run_audit_v2`:

* ``audit_asset(AssetJob) -> AssetOutcome``: one asset, a clean function of its files.
  Its CSV is streamed a chunk at a time into a frontier tree builder, so memory is bounded
  by the chunk, not by the holders.  Each row's ``(id, asset, index)`` is spilled to one
  of 256 files by the id's first byte (ids are uniform);
* ``count_prefix(PrefixJob) -> PrefixOutcome``: one of those 256 prefixes: its distinct
  ids and its part of ``tree/accounts.bin`` and ``tree/positions.bin``.

The checks of one asset, in this order, each with its own error (both auditors):

1. the CSV's bytes: digest, header ``hashed_id,amount``, LF endings (``scan_bytes``),
   and its row count against ``leaf_count`` (``leaf-count``);
2. every row's values (the strict reader's error: the first five bad values);
3. the first row that holds a zero amount (``range``), the padding id or an id not
   above the previous row's (``order``);
4. a sum that reaches 2^128 (``sum-overflow``);
5. every published tree file of the asset equals the rebuilt one (first difference named),
   every bound one's digest equals the rebuilt file's (``file-digest``);
6. the rebuilt root (hash, sum, height, leaf count) equals the manifest's, and so does
   the column total (``root-mismatch``).

Then, for a full audit, the distinct ids over all trees equal the manifest's ``accounts``
(``manifest-mismatch``) and the published account index equals the rebuilt one.  Where
several assets fail, the first in manifest order is raised, naming all that failed.
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
from typing import BinaryIO

from solvent.pipeline.audit_common import AssetVerdict, AuditResult
from solvent.protocol.errors import (
    FileDigestMismatch,
    FormatError,
    InputError,
    ManifestMismatch,
    OrderViolation,
    RootMismatch,
    SolventError,
    SumOverflow,
)
from solvent.protocol.liabilities_text import RowReader, scan_bytes
from solvent.protocol.v2.manifest import AssetRoot, AssetTree, Manifest, liabilities_file
from solvent.tree.store import tree_files
from solvent.tree.store_v2 import ACCOUNTS_FILE, POSITIONS_FILE, asset_dir

__all__ = [
    "CSV_HEADER",
    "PREFIXES",
    "SPILL_RECORD",
    "AssetJob",
    "AssetOutcome",
    "PrefixJob",
    "PrefixOutcome",
    "StreamCompare",
    "check_tree",
    "order_error",
    "overflow_error",
    "padding_error",
    "run_audit_v2",
    "scan_csv",
    "spill_path",
    "value_error",
    "worker_spill",
    "zero_error",
]

CSV_HEADER = b"hashed_id,amount\n"
#: A spilled holding: ``hashed_id || u16be(asset number) || u64be(leaf index)``; sorting
#: these bytes sorts by account, then by asset: the order of ``tree/positions.bin``.
SPILL_RECORD = 42
PREFIXES = 256
#: A snapshot with fewer holdings is audited in one process: starting a worker (a fresh
#: interpreter importing NumPy and Polars) costs about as much as a million rows.
PARALLEL_FROM = 1 << 20
ACCOUNT_RECORD = 40
POSITION_RECORD = 10
INDEX_FILES = (ACCOUNTS_FILE, POSITIONS_FILE)


def spill_path(directory: Path, prefix: int) -> Path:
    return directory / f"ids-{prefix:03d}.bin"


def worker_spill(job: AssetJob) -> Path | None:
    """This process's own spill folder (created): the assets it audits append to its files."""
    if job.spill is None:
        return None
    directory = job.spill / f"worker-{os.getpid()}"
    directory.mkdir(mode=0o700, exist_ok=True)
    return directory


def value_error(job: AssetJob) -> SolventError:
    """(2) the strict reader's error for a CSV whose rows do not all parse: both auditors
    report the same first bad values, read by :class:`RowReader` (the fast one only on this
    error path)."""
    path = job.public / job.csv_name
    reader = RowReader(path, [job.tree.asset])
    for _ in reader.rows():
        pass
    try:
        reader.check()
    except SolventError as e:
        return type(e)(e.message, code=e.code, evidence={**e.evidence, "file": job.csv_name})
    return FormatError(f"{job.csv_name}: a row cannot be read", evidence={"file": job.csv_name})


@dataclass(frozen=True)
class AssetJob:
    """Everything one asset's audit needs, picklable: a unit of work for a worker process."""

    public: Path
    number: int
    tree: AssetTree
    csv_digest: str
    #: The asset's tree files that the manifest binds, with their digests.
    bound: dict[str, str]
    #: The asset's tree files present in the folder (compared, bound or not).
    present: frozenset[str]
    #: Where this worker spills ``(id, asset, index)`` records; None: accounts not counted.
    spill: Path | None
    hasher: str | None
    chunk_rows: int

    @property
    def csv_name(self) -> str:
        return liabilities_file(self.tree.symbol)


@dataclass(frozen=True)
class AssetOutcome:
    number: int
    symbol: str
    error: SolventError | None = None
    verdict: AssetVerdict | None = None
    #: The worker's spill folder, when it spilled.
    spill: Path | None = None


@dataclass(frozen=True)
class PrefixJob:
    prefix: int
    files: tuple[Path, ...]
    #: Holdings in all earlier prefixes: the ``end`` of this prefix's first account starts there.
    base: int
    #: Whether to return the bytes of this prefix's account index records.
    records: bool


@dataclass(frozen=True)
class PrefixOutcome:
    accounts: int
    accounts_bin: bytes = b""
    positions_bin: bytes = b""


# -- the checks, one wording for both auditors ---------------------------------------


def scan_csv(job: AssetJob) -> int:
    """(1) the CSV's bytes and its row count; returns the number of rows."""
    path = job.public / job.csv_name
    if not path.is_file():
        missing = f"{job.csv_name} is bound by the manifest but missing"
        raise FileDigestMismatch(missing, evidence={"file": job.csv_name, "asset": job.tree.symbol})
    try:
        rows = scan_bytes(path, CSV_HEADER, job.csv_digest)
    except FileDigestMismatch as e:  # name the file as the manifest does
        raise FileDigestMismatch(e.message, evidence={**e.evidence, "file": job.csv_name}) from e
    leaf_count = job.tree.root.leaf_count
    if rows != leaf_count:
        raise FormatError(
            f"{job.csv_name}: {rows} rows, the manifest says {leaf_count} leaves for {job.tree.symbol}",
            code="leaf-count",
            evidence={"file": job.csv_name, "asset": job.tree.symbol, "rows": rows, "leaf_count": leaf_count},
        )
    return rows


def zero_error(name: str, row: int) -> FormatError:
    """(3) a holder of nothing is no leaf: zero amounts are never published."""
    return FormatError(
        f"{name}: row {row} (line {row + 1}) has a zero amount; only holders are leaves",
        code="range",
        evidence={"file": name, "row": row, "line": row + 1, "field": "amount"},
    )


def padding_error(name: str, row: int) -> OrderViolation:
    return OrderViolation(f"{name}: row {row} has the padding id (all zeros)", evidence={"file": name, "row": row})


def order_error(name: str, row: int, previous: bytes, hashed_id: bytes) -> OrderViolation:
    kind = "duplicate" if previous == hashed_id else "out of order"
    return OrderViolation(
        f"{name}: hashed ids are not strictly ascending: row {row} ({kind}) does not come after row {row - 1}",
        evidence={"file": name, "row": row, "previous": previous.hex(), "hashed_id": hashed_id.hex()},
    )


def check_tree(
    job: AssetJob,
    root: AssetRoot,
    digests: dict[str, str],
    differences: dict[str, int],
    total: int,
) -> AssetVerdict:
    """(5) and (6): the rebuilt tree's files, digests and root against the published ones."""
    for name in sorted(job.present):
        if name in differences:
            index = differences[name]
            where = f"row {index + 1}" if name.endswith(("ids.bin", "-00.bin")) else f"node {index}"
            raise FileDigestMismatch(
                f"the published {name} differs from the tree rebuilt from {job.csv_name} (first difference: {where})",
                evidence={"file": name, "asset": job.tree.symbol, "first_difference": where, "computed": digests[name]},
            )
    for name, digest in sorted(job.bound.items()):
        if not hmac.compare_digest(digests[name], digest):
            raise FileDigestMismatch(
                f"the manifest binds a {name} other than the one rebuilt from {job.csv_name}",
                evidence={"file": name, "asset": job.tree.symbol, "expected": digest, "computed": digests[name]},
            )
    want = job.tree.root
    if not hmac.compare_digest(root.hash, want.hash) or (root.sum, root.height, root.leaf_count) != (
        want.sum,
        want.height,
        want.leaf_count,
    ):
        raise RootMismatch(
            f"the {job.tree.symbol} tree rebuilt from {job.csv_name} does not have the manifest's root",
            evidence={
                "asset": job.tree.symbol,
                "expected_hash": want.hash.hex(),
                "computed_hash": root.hash.hex(),
                "expected_sum": want.sum,
                "computed_sum": root.sum,
                "expected_height": want.height,
                "computed_height": root.height,
                "expected_leaf_count": want.leaf_count,
                "computed_leaf_count": root.leaf_count,
            },
        )
    if total != want.sum:  # the column total, independently of the tree
        raise RootMismatch(
            f"the {job.tree.symbol} column total differs from its root sum",
            evidence={"asset": job.tree.symbol, "total": total, "expected_sum": want.sum},
        )
    a = job.tree.asset
    return AssetVerdict(a.symbol, a.decimals, want.leaf_count, want.height, total, tuple(sorted(job.present)))


def overflow_error(symbol: str, level: int, index: int) -> SumOverflow:
    return SumOverflow(
        f"the {symbol} sum overflows 2^128 at level {level}", evidence={"asset": symbol, "level": level, "index": index}
    )


class StreamCompare:
    """One file as it is computed: hashed, and compared block by block with the published
    one (if any), read sequentially; the first differing record is found by halving."""

    def __init__(self, published: BinaryIO | None, record: int) -> None:
        self.published = published
        self.record = record
        self.digest = hashlib.sha256()
        self.offset = 0
        self.first_difference: int | None = None

    def add(self, data: bytes | memoryview) -> None:
        self.digest.update(data)
        if self.published is not None and self.first_difference is None:
            theirs = self.published.read(len(data))
            if theirs != data:
                self.first_difference = (self.offset + _first_difference(bytes(data), theirs)) // self.record
        self.offset += len(data)

    def finish(self) -> str:
        """A published file longer than the computed one differs at its first extra record."""
        if self.published is not None:
            if self.first_difference is None and self.published.read(1):
                self.first_difference = self.offset // self.record
            self.published.close()
        return self.digest.hexdigest()


def _first_difference(a: bytes, b: bytes) -> int:
    """The first index where two byte strings differ (one may be a prefix of the other)."""
    lo, hi = 0, min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    while hi - lo > 1:  # a[:lo] == b[:lo] and a[:hi] != b[:hi]
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


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
