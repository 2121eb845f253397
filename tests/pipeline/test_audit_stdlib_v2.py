"""The standard-library v2 auditor on its own: it needs nothing outside the standard library,
and its memory does not grow with the number of holders (nor does the vectorised one's
with a small chunk)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.pipeline import audit_stdlib
from solvent.protocol.assets import Asset
from tests.pipeline.v2_snapshots import KAT, build, build_kat

SRC = Path(audit_stdlib.__file__).parents[2]


def test_runs_with_the_standard_library_alone(tmp_path: Path) -> None:
    """``python -I -S`` with only src/ on the path: check the signature and audit a v2 snapshot
    built by the full install; nothing outside the standard library is loaded."""
    public = build_kat(tmp_path) / "public"
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(SRC)!r})\n"
        "from pathlib import Path\n"
        "from solvent.pipeline.audit_stdlib import audit_snapshot\n"
        "from solvent.protocol.signed_manifest import load_signed_any_manifest\n"
        f"public = Path({str(public)!r})\n"
        "check = load_signed_any_manifest(public / 'snapshot.json')\n"
        "result = audit_snapshot(public, check.manifest)\n"
        "print(json.dumps({'totals': [str(t) for t in result.totals], 'accounts': result.accounts,\n"
        "                  'version': result.version, 'modules': sorted(sys.modules)}))\n"
    )
    run = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, cwd="/", check=False)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["version"], out["accounts"]) == (2, KAT["manifest"]["accounts"])
    want = [sum(int(a["balances"].get(s["symbol"], 0)) for a in KAT["accounts"]) for s in KAT["assets"]]
    assert [int(t) for t in out["totals"]] == want
    foreign = [m for m in out["modules"] if m.split(".")[0] not in sys.stdlib_module_names | {"solvent", "__main__"}]
    assert foreign == []
    vectorised = ("solvent.columnar", "solvent.tree.builder", "solvent.tree.bulk", "solvent.pipeline.audit_v2")
    assert not any(m.startswith(vectorised) for m in out["modules"])


ASSETS = (Asset("BTC", 8), Asset("USDT", 6), Asset("DOGE", 8))


def _snapshot(folder: Path, n: int) -> Path:
    rng = random.Random(n)
    ledger = [(f"user-{k}", [rng.choice([0, rng.randrange(1, 10**9)]), rng.randrange(1, 10**12), 0]) for k in range(n)]
    return build(folder, ASSETS, ledger) / "public"


_MEASURE = """
import json, sys, tracemalloc
from pathlib import Path
from solvent.protocol import liabilities_text
from solvent.protocol.signed_manifest import load_signed_any_manifest
liabilities_text._BLOCK = 1 << 16
if sys.argv[2] == "stdlib":
    from solvent.pipeline.audit_stdlib import audit_snapshot as audit
else:
    from solvent.pipeline.audit_v2 import audit_snapshot_v2 as audit
public = Path(sys.argv[1])
manifest = load_signed_any_manifest(public / "snapshot.json").manifest
tracemalloc.start()
audit(public, manifest, workers=1, chunk_rows=256)
tracemalloc.reset_peak()
result = audit(public, manifest, workers=1, chunk_rows=256)
print(json.dumps({"peak": tracemalloc.get_traced_memory()[1], "accounts": result.accounts}))
"""


@pytest.mark.parametrize("auditor", ["stdlib", "vectorised"])
def test_memory_does_not_grow_with_the_holders(tmp_path: Path, auditor: str) -> None:
    """Peak traced allocations of a whole audit are about the same for 2,000 and 20,000
    accounts (a 64 KiB block for the byte scan, 256-row chunks for the vectorised auditor):
    rows stream through; only the accounts count holds a 256th of the ids at a time.  Each
    size is measured in a fresh interpreter, on a second audit after a first, so that
    growth of the interpreter's own tables (interned strings) is not counted."""
    peaks = []
    for n in (2_000, 20_000):
        public = _snapshot(tmp_path / str(n), n)
        run = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(public), auditor],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(SRC)},
        )
        assert run.returncode == 0, run.stderr
        out = json.loads(run.stdout)
        assert out["accounts"] == n
        peaks.append(out["peak"])
    assert peaks[1] < peaks[0] + 256 * 1024, peaks


@pytest.mark.parametrize("seed", range(4))
def test_both_count_the_accounts_and_rebuild_the_index_alike(tmp_path: Path, seed: int) -> None:
    """One id prefix spilled by two workers, ids of several assets each, some ids sharing
    their first 64 bits (the vectorised sort then falls back to all 256): both auditors give
    the same count and the same index records, sorted by id then asset."""
    from solvent.pipeline import audit_stdlib_v2, audit_v2
    from solvent.pipeline.audit_common_v2 import PrefixJob, spill_path

    rng = random.Random(seed)
    ids = sorted({bytes([7]) + rng.randbytes(31) for _ in range(40)})
    ids += [ids[0][:8] + rng.randbytes(24) for _ in range(seed)]  # same first 64 bits, another id
    records = [(i, asset) for i in ids for asset in rng.sample(range(5), rng.randint(1, 3))]
    rng.shuffle(records)
    files = []
    for w in range(2):
        directory = tmp_path / f"worker-{w}"
        directory.mkdir()
        mine = records[w::2]
        spill_path(directory, 7).write_bytes(
            b"".join(i + a.to_bytes(2, "big") + k.to_bytes(8, "big") for k, (i, a) in enumerate(mine))
        )
        files.append(spill_path(directory, 7))
    job = PrefixJob(7, tuple(files), base=1000, records=True)
    fast, slow = audit_v2.count_prefix(job), audit_stdlib_v2.count_prefix(job)
    assert fast == slow
    assert fast.accounts == len(set(ids))
    pairs = [fast.positions_bin[p : p + 10] for p in range(0, len(fast.positions_bin), 10)]
    assert len(pairs) == len(records)
    accounts = [fast.accounts_bin[p : p + 40] for p in range(0, len(fast.accounts_bin), 40)]
    assert [a[:32] for a in accounts] == sorted(set(ids))
    assert int.from_bytes(accounts[-1][32:], "big") == 1000 + len(records)
